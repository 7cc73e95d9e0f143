import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runBacktest, type RunOptions} from '../../src/app/backtest-runner.js';
import {checkLookahead} from '../../src/app/lookahead-check.js';
import {recordLlmAnswers} from '../../src/app/llm-record.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {ErrorCode, isIftbError, type JournalEvent} from '../../src/core/index.js';
import {type ChatFault, type RunningOpenAiServer, startOpenAiServer, unusedPort} from '../support/openai-compatible-server.js';
import {HOUR, useSampleStore} from '../support/sample-store.js';

const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2025, 0, 4);
const BARS = (TO - FROM) / HOUR;
/** The ensemble with an ML model that does not exist (that source abstains): TA + LLM. */
const BASE = {strategy: 'ensemble', params: {model: 'absent@1'}, symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: FROM, toMs: TO};
const models = (cutoff: string | null) => ({'test-model': {cutoff, inputPerMTok: 1, outputPerMTok: 2}});
const llmConfig = (extra: Record<string, unknown> = {}, cutoff: string | null = '2024-01-01') => ({model: 'test-model', models: models(cutoff), ...extra});
const errors = (journal: readonly JournalEvent[], code: string) => journal.filter((e) => e.type === 'error' && e.code === code);

describe('LLM source: record, replay, call', () => {
  const sample = useSampleStore();
  let server: RunningOpenAiServer;
  const endpoint = () => ({baseUrl: server.url, apiKey: 'test-key'});
  const faulty: RunningOpenAiServer[] = [];
  const withFaults = async (fault: (n: number) => ChatFault | null, slowMs = 2000) => {
    const s = await startOpenAiServer({fault, slowMs});
    faulty.push(s);
    return {baseUrl: s.url, apiKey: 'test-key'};
  };

  beforeAll(async () => {
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    await server.close();
    for (const s of faulty) await s.close();
  });

  it('records a range (resumably), then replays it with no endpoint: byte-identical run.json twice', async () => {
    const config = {...BASE, llm: llmConfig()};
    const first = await recordLlmAnswers(sample.store(), {config, llm: {endpoint: endpoint()}});
    expect(first).toMatchObject({promptIds: ['market-read@v1'], model: 'test-model', targets: BARS, alreadyRecorded: 0, ok: BARS, calls: BARS, stopped: null});
    expect(first.costUsd).toBeGreaterThan(0);
    expect(server.chatCount()).toBe(BARS);
    const again = await recordLlmAnswers(sample.store(), {config, llm: {endpoint: endpoint()}});
    expect(again).toMatchObject({alreadyRecorded: BARS, ok: 0, calls: 0});
    expect(server.chatCount()).toBe(BARS);

    const a = summarizeRun(await runBacktest(sample.store(), config));
    const b = summarizeRun(await runBacktest(sample.store(), config));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(server.chatCount()).toBe(BARS);
    expect(a.llm).toMatchObject({model: 'test-model', mode: 'replay', bars: BARS, replayed: BARS, called: 0, misses: 0, calls: 0, costUsd: 0,
      contaminated: false, contaminatedBars: 0, cutoff: '2024-01-01'});
    expect(a.llm!.replayedCostUsd).toBeCloseTo(first.costUsd, 12);
    expect(a.llm!.latencyMsP50).not.toBeNull();
    const llm = a.sources.find((s) => s.source === 'llm')!;
    expect(llm).toMatchObject({status: 'active', activeBars: BARS});
    expect(llm.note).toBeUndefined();
    expect(llm.accuracy.samples).toBeGreaterThan(0);
  });

  it('abstains on bars with no recorded answer (a miss), and a held answer fills `holdBars` bars after it', async () => {
    const longer = {...BASE, toMs: TO + 24 * HOUR, llm: llmConfig()};
    const run = summarizeRun(await runBacktest(sample.store(), longer));
    expect(run.llm).toMatchObject({replayed: BARS, misses: 24, calls: 0});
    expect(run.sources.find((s) => s.source === 'llm')!.activeBars).toBe(BARS);
    const held = summarizeRun(await runBacktest(sample.store(), {...longer, llm: llmConfig({holdBars: 5})}));
    expect(held.llm).toMatchObject({replayed: BARS, held: 5, misses: 19});
  });

  it('passes the look-ahead check on replayed answers', async () => {
    const report = await checkLookahead(sample.store(), {...BASE, llm: llmConfig()}, {points: 4});
    expect(report.violations).toEqual([]);
    expect(report.prepare.analyzers.some((id) => id.startsWith('llm.'))).toBe(true);
    expect(report.prepare.cuts).toBeGreaterThan(0);
  });

  it('calls the endpoint on misses with --llm call, and its prompts are exactly what `llm record` sends', async () => {
    const config = {...BASE, llm: {...llmConfig({mode: 'call'}), model: 'test-model-c', models: {'test-model-c': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 2}}}};
    const before = server.chatCount();
    const run = summarizeRun(await runBacktest(sample.store(), config, {llm: {endpoint: endpoint()}}));
    expect(run.llm).toMatchObject({mode: 'call', called: BARS, replayed: 0, misses: 0, calls: BARS, failedCalls: 0});
    expect(run.llm!.tokens.total).toBeGreaterThan(0);
    expect(server.chatCount() - before).toBe(BARS);
    const record = await recordLlmAnswers(sample.store(), {config, llm: {endpoint: endpoint()}});
    expect(record).toMatchObject({alreadyRecorded: BARS, calls: 0});
  });

  it('puts the answers a replay used into the run id: re-recording a bar changes it, answers outside the range do not', async () => {
    const model = 'test-model-id';
    const config = {...BASE, llm: {...llmConfig(), model, models: {[model]: {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 2}}}};
    await recordLlmAnswers(sample.store(), {config, llm: {endpoint: endpoint()}});
    const first = await runBacktest(sample.store(), config);
    expect(first.llm).toMatchObject({replayed: BARS});
    expect((await runBacktest(sample.store(), config)).runId).toBe(first.runId);
    // Without answers (llm off, or nothing recorded for the model) the data hash is the market data's alone.
    const off = await runBacktest(sample.store(), {...config, llm: {...config.llm, mode: 'off'}});
    const unrecorded = await runBacktest(sample.store(), {...config, llm: {...config.llm, model: 'never-recorded'}});
    expect(unrecorded.llm).toMatchObject({replayed: 0});
    expect(unrecorded.dataHash).toBe(off.dataHash);
    expect(first.dataHash).not.toBe(off.dataHash);

    const key = {promptId: 'market-read@v1', model, exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' as const};
    const rows = await sample.store().llmAnswers.rows(key, FROM, TO);
    const last = rows.at(-1)!;
    const answer = JSON.parse(last.answerJson!);
    const rerecord = (changes: Partial<typeof last>) => sample.store().llmAnswers.append({...last, ...changes});

    // An answer for a bar after the range is never read: same id.
    await rerecord({barCloseMs: TO + 5 * HOUR});
    expect((await runBacktest(sample.store(), config)).runId).toBe(first.runId);

    // A new recording of the last bar (the latest ok row wins in replay): same config, new data hash and run id.
    await rerecord({answerJson: JSON.stringify({...answer, direction: answer.direction === 'long' ? 'short' : 'long'})});
    const second = await runBacktest(sample.store(), config);
    expect(second.configHash).toBe(first.configHash);
    expect(second.dataHash).not.toBe(first.dataHash);
    expect(second.runId).not.toBe(first.runId);

    // The same answer to a different prompt (other headlines in it): the request hash is part of it too.
    await rerecord({answerJson: JSON.stringify({...answer, direction: answer.direction === 'long' ? 'short' : 'long'}), requestHash: 'f'.repeat(64)});
    const third = await runBacktest(sample.store(), config);
    expect(third.runId).not.toBe(second.runId);
    expect(third.llm).toMatchObject({replayed: BARS});
  });

  it('stops calling at the budget, journals why, and the rest abstain', async () => {
    const config = {...BASE, llm: {...llmConfig({mode: 'call', maxCalls: 10, concurrency: 2}), model: 'test-model-b', models: {'test-model-b': {cutoff: null, inputPerMTok: 0, outputPerMTok: 0}}}};
    const run = await runBacktest(sample.store(), config, {llm: {endpoint: endpoint()}});
    expect(run.llm).toMatchObject({calls: 10, called: 10, misses: BARS - 10, stopped: 'LLM budget exhausted (max calls 10 reached)'});
    const [budget] = errors(run.journal.toArray(), ErrorCode.LLM_BUDGET);
    expect(budget).toMatchObject({timeMs: FROM + 11 * HOUR});
    expect((budget as {message: string}).message).toMatch(/max calls 10 reached\); 62 later bars without a recorded answer abstain/);
    // USD budget: each answer here costs far more than $0.01, so one call spends it.
    const dear = {...BASE, llm: {...llmConfig({mode: 'call', budgetUsd: 0.01, concurrency: 1}), model: 'dear', models: {dear: {cutoff: '2024-01-01', inputPerMTok: 1e4, outputPerMTok: 1e4}}}};
    const spent = await runBacktest(sample.store(), dear, {llm: {endpoint: endpoint()}});
    expect(spent.llm).toMatchObject({calls: 1, called: 1});
    expect(spent.llm!.stopped).toMatch(/^LLM budget exhausted \(budget \$0\.01 spent/);
  });

  it('flags answers from before the model cutoff as contaminated, and --strict refuses them', async () => {
    const config = {...BASE, llm: llmConfig({}, '2025-01-02')};
    const run = await runBacktest(sample.store(), config);
    // Bars closing before 2025-01-02T00:00: 01:00 … 23:00 on Jan 1.
    expect(run.llm).toMatchObject({contaminated: true, contaminatedBars: 23, cutoff: '2025-01-02'});
    await expect(runBacktest(sample.store(), config, {strict: true})).rejects.toSatisfy((e) =>
      isIftbError(e, ErrorCode.LLM_CONTAMINATED) &&
      /--strict: 23 bars \(2025-01-01T01:00Z … 2025-01-01T23:00Z\) would use test-model answers from before its training cutoff 2025-01-02/.test((e as Error).message));
    const unknown = await runBacktest(sample.store(), {...BASE, llm: llmConfig({}, null)});
    expect(unknown.llm).toMatchObject({contaminated: true, contaminatedBars: BARS, cutoff: null});
    await expect(runBacktest(sample.store(), {...BASE, llm: llmConfig({}, null)}, {strict: true})).rejects.toThrow(/has no known training cutoff/);
    // Out of sample and strict: fine.
    expect((await runBacktest(sample.store(), {...BASE, llm: llmConfig()}, {strict: true})).llm!.contaminated).toBe(false);
  });

  it('abstains on a 429, a 500, a slow answer, malformed and schema-invalid content, journals each, stores every attempt', async () => {
    // Concurrency 1 numbers the requests: bar 1: 429 → retried, ok; bar 2: 500, 500; bar 3: malformed, schema-invalid; bar 4: slow (not retried).
    const faults: Record<number, ChatFault> = {1: 'rate-limit', 3: 'server-error', 4: 'server-error', 5: 'malformed', 6: 'schema-invalid', 7: 'slow'};
    const ep = await withFaults((n) => faults[n] ?? null);
    const config = {...BASE, llm: {...llmConfig({mode: 'call', concurrency: 1, timeoutMs: 800}), model: 'test-faults', models: {'test-faults': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 1}}}};
    const started = Date.now();
    const run = await runBacktest(sample.store(), config, {llm: {endpoint: ep}});
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.llm).toMatchObject({called: BARS - 3, misses: 3, calls: BARS + 3, failedCalls: 6});
    const failed = errors(run.journal.toArray(), ErrorCode.LLM_FAILED).map((e) => (e as {message: string}).message);
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatch(/llm\.market-read@v1 2025-01-01T02:00Z: server error \(500 The server had an error.*\) \(2 requests\); the bar abstains/);
    expect(failed[1]).toMatch(/2025-01-01T03:00Z: invalid answer: schema: direction: .*\(2 requests\)/);
    expect(failed[2]).toMatch(/2025-01-01T04:00Z: no answer from .* within the timeout \(1 request\)/);
    const r = run.engine.recorder.signals.find((s) => s.source === 'llm')!;
    const at = (close: number) => run.bars.openTime.indexOf(close - HOUR);
    expect([1, 2, 3, 4, 5].map((h) => r.active[at(FROM + h * HOUR)])).toEqual([1, 0, 0, 0, 1]);
    const rows = await sample.store().llmAnswers.rows({promptId: 'market-read@v1', model: 'test-faults', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h'});
    expect(rows.slice(0, 8).map((x) => x.status)).toEqual(['error', 'ok', 'error', 'error', 'invalid', 'invalid', 'error', 'ok']);
    expect(rows[0].error).toMatch(/rate limited \(429 Rate limit reached/);
  });

  it('feeds its request/error counts to the circuit breaker: an error-rate trip when most calls fail', async () => {
    const ep = await withFaults((n) => (n % 5 === 0 ? null : 'server-error'));
    const config = {...BASE, llm: {...llmConfig({mode: 'call', concurrency: 1, maxConsecutiveFailures: 1000}), model: 'test-flaky', models: {'test-flaky': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 1}}}};
    const run = await runBacktest(sample.store(), config, {llm: {endpoint: ep}});
    const trips = run.journal.toArray().filter((e) => e.type === 'breaker' && e.rule === 'error-rate' && e.level === 'trip');
    expect(trips.length).toBeGreaterThan(0);
    expect((trips[0] as {detail: string}).detail).toMatch(/venue error rate \d+(\.\d+)? % of \d+ requests/);
    expect(run.llm!.failedCalls / run.llm!.calls).toBeGreaterThan(0.5);
    // The same bars replayed: no requests, no trip.
    const replay = await runBacktest(sample.store(), {...config, llm: {...config.llm, mode: 'replay'}});
    expect(replay.journal.toArray().some((e) => e.type === 'breaker' && e.rule === 'error-rate')).toBe(false);
  });

  it('refuses a bad API key, a missing endpoint and an unreachable one with clear errors, fast', async () => {
    const call = {...BASE, llm: {...llmConfig({mode: 'call'}), model: 'never-recorded', models: {'never-recorded': {cutoff: '2024-01-01', inputPerMTok: 1, outputPerMTok: 1}}}};
    const refusal = (re: RegExp, code: string = ErrorCode.LLM_UNAVAILABLE) => (e: unknown) => isIftbError(e) && e.code === code && re.test((e as Error).message);
    await expect(runBacktest(sample.store(), call, {llm: {endpoint: {baseUrl: server.url, apiKey: 'sk-wrong'}}}))
      .rejects.toSatisfy(refusal(/refused the API key \(401 Incorrect API key provided: sk-\*\*\*ng.*\): check OPENAI_API_KEY/));
    await expect(recordLlmAnswers(sample.store(), {config: call, llm: {endpoint: {baseUrl: server.url, apiKey: 'sk-wrong'}}}))
      .rejects.toSatisfy(refusal(/refused the API key \(401/));
    await expect(runBacktest(sample.store(), call)).rejects.toSatisfy(refusal(/--llm call needs an LLM endpoint: set IFTB_LLM_BASE_URL/));
    await expect(recordLlmAnswers(sample.store(), {config: call})).rejects.toSatisfy(refusal(/no LLM endpoint configured: set IFTB_LLM_BASE_URL/));
    const port = await unusedPort();
    const started = Date.now();
    await expect(runBacktest(sample.store(), call, {llm: {endpoint: {baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: null}}} satisfies RunOptions))
      .rejects.toSatisfy(refusal(new RegExp(`LLM endpoint unreachable: cannot reach http://127.0.0.1:${port}/v1: connect ECONNREFUSED`)));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
