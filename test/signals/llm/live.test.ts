/** The bar deadline of a session's LLM source: whichever of the answer and the deadline comes first wins, and what came late is stored as late. */
import {describe, expect, it} from 'vitest';
import type {LlmAnswerRow, LlmClient, LlmCompletion, LlmRequest} from '../../../src/core/index.js';
import {askWithinDeadline, LLM_ANSWER_JSON_SCHEMA, LlmBudget, LlmRequester, liveHistory, prepareRequest, settledOutcome} from '../../../src/signals/llm/index.js';

const REQUEST: LlmRequest = {model: 'm', temperature: 0, messages: [{role: 'user', content: 'hi'}], responseFormat: {name: 'market_read', strict: true, schema: LLM_ANSWER_JSON_SCHEMA}};
const KEY = {promptId: 'market-read@v1', model: 'm', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m' as const};
const GOOD = JSON.stringify({direction: 'long', confidence: 0.7, horizon: '4h', rationale: 'higher lows'});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client answering after `answerMs`, a store whose writes take `writeMs`. */
function setup(answerMs: number, writeMs: number) {
  const client: LlmClient = {
    endpoint: 'http://test/v1',
    async complete(): Promise<LlmCompletion> {
      await sleep(answerMs);
      return {ok: true, content: GOOD, responseModel: 'm', promptTokens: 10, completionTokens: 5, latencyMs: answerMs};
    },
  };
  const rows: LlmAnswerRow[] = [];
  const store = {
    async append(row: LlmAnswerRow) {
      await sleep(writeMs);
      rows.push(row);
    },
    recorded: async () => [],
    answeredRequests: async () => new Set<string>(),
  };
  const requester = new LlmRequester({client, store, key: KEY, model: null, budget: new LlmBudget(10, 1, false), sessionId: 'p1'});
  const settled: string[] = [];
  const ask = (deadlineMs: number) => askWithinDeadline(60_000, {requester, deadlineMs, prompt: async () => prepareRequest(REQUEST), settled: (o) => settled.push(settledOutcome(o))});
  return {ask, rows, settled};
}

describe('askWithinDeadline', () => {
  it('an answer in time is used', async () => {
    const {ask, rows, settled} = setup(10, 1);
    const result = await ask(200);
    expect('answer' in result && result.answer.direction).toBe('long');
    expect(rows.map((r) => [r.sessionId, r.late, r.status])).toEqual([['p1', false, 'ok']]);
    expect(settled).toEqual(['ok']);
  });

  it('an answer that arrived in time but is stored past the deadline is still the bar\'s (it claimed the deadline)', async () => {
    const {ask, rows} = setup(10, 150);
    const started = Date.now();
    const result = await ask(60);
    expect('answer' in result).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(rows[0].late).toBe(false);
  });

  it('past the deadline the bar abstains at once; the answer arriving later is stored as late', async () => {
    const {ask, rows, settled} = setup(250, 1);
    const started = Date.now();
    const result = await ask(50);
    const waited = Date.now() - started;
    expect(result).toEqual({failure: 'no answer within the 50 ms deadline', deadline: true});
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(200);
    expect(rows).toEqual([]);
    await sleep(300);
    expect(rows.map((r) => [r.late, r.status])).toEqual([[true, 'ok']]);
    expect(settled).toEqual(['late']);
  });
});

describe('liveHistory', () => {
  it('joins the stored bars before a bar with the buffer\'s newer ones up to it', () => {
    const cols = (times: number[]) => ({
      length: times.length, openTime: Float64Array.from(times), open: Float64Array.from(times, (t) => t + 0.1), high: Float64Array.from(times, (t) => t + 0.2),
      low: Float64Array.from(times, (t) => t + 0.3), close: Float64Array.from(times, (t) => t + 0.4), volume: Float64Array.from(times, (t) => t + 0.5),
    });
    const joined = liveHistory(cols([1, 2, 3]), cols([2, 3, 4, 5, 6]), 3);
    expect(Array.from(joined.openTime)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(joined.close)).toEqual([1.4, 2.4, 3.4, 4.4, 5.4]);
    expect(Array.from(liveHistory(cols([]), cols([7, 8]), 1).openTime)).toEqual([7, 8]);
  });
});
