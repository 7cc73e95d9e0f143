import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {importNews, rollbackLatest} from '../../../src/adapters/duckdb/index.js';
import {ErrorCode, isIftbError, type LlmAnswerRow} from '../../../src/core/index.js';
import {tableNames, useTempStores} from '../../support/duckdb-stores.js';

const KEY = {promptId: 'market-read@v1', model: 'gpt-4o-mini', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' as const};
const row = (barCloseMs: number, status: LlmAnswerRow['status'], hash: string, answer: unknown = null): LlmAnswerRow => ({
  ...KEY, barCloseMs, requestHash: hash, requestJson: '{}', answerJson: answer === null ? null : JSON.stringify(answer), responseModel: 'gpt-4o-mini-2024-07-18',
  latencyMs: 12, promptTokens: 900, completionTokens: 40, costUsd: 0.0002, status, error: status === 'ok' ? null : 'boom',
});
const answer = (direction: string) => ({direction, confidence: 0.5, horizon: '4h', rationale: 'r'});

describe('llm_answers table', () => {
  const temp = useTempStores();

  it('replays the latest ok answer per bar of a range in one query, and knows which requests are answered', async () => {
    const {store} = await temp.open();
    const answers = store.llmAnswers;
    await Promise.all([
      answers.append(row(1000, 'ok', 'h1', answer('long'))),
      answers.append(row(1000, 'ok', 'h1b', answer('short'))),
      answers.append(row(2000, 'error', 'h2')),
      answers.append(row(3000, 'invalid', 'h3', 'raw')),
      answers.append(row(3000, 'ok', 'h3', answer('neutral'))),
      answers.append(row(9000, 'ok', 'h9', answer('long'))),
      answers.append({...row(1000, 'ok', 'other'), model: 'gpt-4o'}),
    ]);
    const replay = await answers.recorded(KEY, 1000, 3000);
    expect(replay.map((r) => [r.barCloseMs, r.requestHash, (r.answer as {direction: string}).direction])).toEqual([[1000, 'h1b', 'short'], [3000, 'h3', 'neutral']]);
    expect(replay[0]).toMatchObject({latencyMs: 12, promptTokens: 900, completionTokens: 40, costUsd: 0.0002});
    expect([...(await answers.answeredRequests(KEY, 0, 5000))].sort()).toEqual(['1000:h1', '1000:h1b', '3000:h3']);
    const all = await answers.rows(KEY);
    expect(all.map((r) => r.status)).toEqual(['ok', 'ok', 'error', 'invalid', 'ok', 'ok']);
    expect(all[2]).toMatchObject({answerJson: null, error: 'boom', responseModel: 'gpt-4o-mini-2024-07-18'});
  });

  it('rolls back with its migration', async () => {
    const {store} = await temp.open();
    expect(await tableNames(store.db)).toEqual(expect.arrayContaining(['llm_answers', 'news_items']));
    // Newer migrations (005 onwards) roll back first; stop once 004 (llm) is undone.
    for (let version = await rollbackLatest(store.db); version !== null && version > 4; version = await rollbackLatest(store.db));
    const after = await tableNames(store.db);
    expect(after).not.toContain('llm_answers');
    expect(after).not.toContain('news_items');
  });
});

describe('news import', () => {
  const temp = useTempStores();

  it('imports CSV (quoted headlines) and JSON lines, idempotently, and reads them per symbol and range', async () => {
    const {store, dir} = await temp.open();
    const csv = join(dir, 'news.csv');
    writeFileSync(csv, 'time_ms,source,headline\n1700000000000,coindesk,"Bitcoin tops $37,000, ""a 2023 high"""\n1700003600000,reuters,Fed holds rates\n');
    const jsonl = join(dir, 'eth.jsonl');
    writeFileSync(jsonl, '{"time_ms": 1700001000000, "source": "theblock", "headline": "ETH staking withdrawals slow"}\n\n{"time_ms": "2023-11-14T23:30:00Z", "source": "x", "headline": "ETH   ETF filing"}\n');
    expect(await importNews(store.db, {file: csv})).toMatchObject({kind: 'news', rows: 2, inserted: 2, skipped: 0});
    expect(await importNews(store.db, {file: csv})).toMatchObject({rows: 2, inserted: 0, skipped: 2});
    expect(await importNews(store.db, {file: jsonl, symbol: 'ETH/USDT:USDT'})).toMatchObject({rows: 2, inserted: 2});
    const btc = await store.news.read('BTC/USDT:USDT', {fromMs: 0, toMs: Infinity});
    expect(btc.map((n) => n.headline)).toEqual(['Bitcoin tops $37,000, "a 2023 high"', 'Fed holds rates']);
    const eth = await store.news.read('ETH/USDT:USDT', {fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000});
    expect(eth).toEqual([
      {timeMs: 1_700_000_000_000, source: 'coindesk', headline: 'Bitcoin tops $37,000, "a 2023 high"'},
      {timeMs: 1_700_001_000_000, source: 'theblock', headline: 'ETH staking withdrawals slow'},
    ]);
    expect((await store.news.read('ETH/USDT:USDT', {fromMs: 0, toMs: Infinity})).at(-1)).toEqual({timeMs: Date.UTC(2023, 10, 14, 23, 30), source: 'x', headline: 'ETH ETF filing'});
  });

  it('refuses a bad file with its line and writes nothing', async () => {
    const {store, dir} = await temp.open();
    const cases: Array<[string, string, RegExp]> = [
      ['a.csv', 'time_ms,source,headline\n1700000000000,a,ok\nyesterday,b,bad time\n', /a\.csv line 3: cannot read time_ms from 'yesterday'/],
      ['b.csv', 'when,who,what\n1,2,3\n', /b\.csv line 1: expected a header with time_ms,source,headline/],
      ['c.jsonl', '{"time_ms": 1700000000000, "source": "a", "headline": "ok"}\n{"time_ms": 1700000000000, "source": "a"}\n', /c\.jsonl line 2: headline is empty/],
      ['d.csv', 'time_ms,source,headline\n1700000000000,a,"unterminated\n', /d\.csv line 2: unterminated quote/],
    ];
    for (const [name, text, message] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      await expect(importNews(store.db, {file})).rejects.toSatisfy((e) => isIftbError(e, ErrorCode.INPUT_INVALID) && message.test((e as Error).message));
    }
    expect(await store.news.count()).toBe(0);
  });
});
