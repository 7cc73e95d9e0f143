import {describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError, type LlmAnswerRow, type LlmAnswerStore, type LlmClient, type LlmCompletion, type LlmRequest} from '../../../src/core/index.js';
import {askAll, LLM_ANSWER_JSON_SCHEMA, LlmBudget, LlmRequester, prepareRequest} from '../../../src/signals/llm/index.js';

const REQUEST: LlmRequest = {model: 'm', temperature: 0, messages: [{role: 'user', content: 'hi'}], responseFormat: {name: 'market_read', strict: true, schema: LLM_ANSWER_JSON_SCHEMA}};
const PREPARED = prepareRequest(REQUEST);
const KEY = {promptId: 'market-read@v1', model: 'm', exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' as const};
const PRICE = {cutoff: '2023-10-01', inputPerMTok: 1_000, outputPerMTok: 2_000};
const GOOD = JSON.stringify({direction: 'short', confidence: 0.6, horizon: '1d', rationale: 'lower highs'});

const ok = (content = GOOD): LlmCompletion => ({ok: true, content, responseModel: 'm', promptTokens: 100, completionTokens: 20, latencyMs: 5});
const fail = (kind: Extract<LlmCompletion, {ok: false}>['kind'], status: number | null, extra: Partial<Extract<LlmCompletion, {ok: false}>> = {}): LlmCompletion => ({
  ok: false, kind, status, message: `${kind} ${status ?? ''}`.trim(), fatal: false, retryAfterMs: null, latencyMs: 3, ...extra,
});

function scripted(steps: LlmCompletion[]): LlmClient & {calls: number; inFlight: number; maxInFlight: number} {
  const client = {
    endpoint: 'http://test/v1', calls: 0, inFlight: 0, maxInFlight: 0,
    async complete(): Promise<LlmCompletion> {
      const step = steps[Math.min(client.calls, steps.length - 1)];
      client.calls++;
      client.inFlight++;
      client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      client.inFlight--;
      return step;
    },
  };
  return client;
}

function memoryStore(): LlmAnswerStore & {rows: LlmAnswerRow[]} {
  const rows: LlmAnswerRow[] = [];
  return {
    rows,
    async append(row) {
      rows.push(row);
    },
    async recorded() {
      return [];
    },
    async answeredRequests() {
      return new Set();
    },
  };
}

const requester = (client: LlmClient, store = memoryStore(), budget = new LlmBudget(100, 100, true)) => ({
  r: new LlmRequester({client, store, key: KEY, model: PRICE, budget, maxRetryDelayMs: 50}), store, budget,
});

describe('LLM requester', () => {
  it('stores an ok answer with its tokens, cost and request hash', async () => {
    const {r, store, budget} = requester(scripted([ok()]));
    const outcome = await r.ask(1000, PREPARED);
    expect(outcome).toMatchObject({status: 'ok', requests: 1, errors: 0, answer: {direction: 'short', confidence: 0.6}, costUsd: 0.14});
    expect(store.rows).toEqual([expect.objectContaining({...KEY, barCloseMs: 1000, status: 'ok', requestHash: PREPARED.requestHash, costUsd: 0.14,
      promptTokens: 100, completionTokens: 20, answerJson: GOOD, error: null})]);
    expect(JSON.parse(store.rows[0].requestJson)).toEqual(JSON.parse(JSON.stringify(REQUEST)));
    expect(budget).toMatchObject({calls: 1, spentUsd: 0.14});
  });

  it('retries an invalid answer once, then gives up; both attempts are stored and paid for', async () => {
    const twice = requester(scripted([ok('{"direction":"up"}'), ok('not json')]));
    const outcome = await twice.r.ask(1000, PREPARED);
    expect(outcome).toMatchObject({status: 'invalid', requests: 2, errors: 2, answer: null});
    expect(outcome.error).toMatch(/invalid answer: not JSON/);
    expect(twice.store.rows.map((row) => [row.status, row.answerJson])).toEqual([['invalid', '{"direction":"up"}'], ['invalid', 'not json']]);
    const then = requester(scripted([ok('{}'), ok()]));
    expect(await then.r.ask(1000, PREPARED)).toMatchObject({status: 'ok', requests: 2, errors: 1});
  });

  it('retries 429 (after its Retry-After, capped), 5xx and empty answers once; never a timeout or a 400', async () => {
    const limited = requester(scripted([fail('rate-limit', 429, {retryAfterMs: 30}), ok()]));
    const started = Date.now();
    expect(await limited.r.ask(1, PREPARED)).toMatchObject({status: 'ok', requests: 2, errors: 1});
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(await requester(scripted([fail('server', 503), fail('server', 500)])).r.ask(1, PREPARED)).toMatchObject({status: 'error', requests: 2, errors: 2});
    expect(await requester(scripted([fail('empty', 200), ok()])).r.ask(1, PREPARED)).toMatchObject({status: 'ok', requests: 2});
    const first = scripted([ok(), fail('timeout', null), ok()]);
    const {r} = requester(first);
    await r.ask(1, PREPARED);
    expect(await r.ask(2, PREPARED)).toMatchObject({status: 'error', requests: 1, error: 'timeout'});
    expect(await requester(scripted([fail('bad-request', 400), ok()])).r.ask(1, PREPARED)).toMatchObject({status: 'error', requests: 1});
  });

  it('throws on what no retry fixes: a refused key, an endpoint never reached', async () => {
    const auth = requester(scripted([fail('auth', 401, {fatal: true, message: 'http://test/v1 refused the API key (401 bad): check OPENAI_API_KEY'})]));
    await expect(auth.r.ask(1, PREPARED)).rejects.toSatisfy((e) => isIftbError(e, ErrorCode.LLM_UNAVAILABLE) && /refused the API key/.test((e as Error).message));
    expect(auth.store.rows).toEqual([]);
    const refused = requester(scripted([fail('connection', null, {message: 'cannot reach http://test/v1: connect ECONNREFUSED'})]));
    await expect(refused.r.ask(1, PREPARED)).rejects.toThrow(/LLM endpoint unreachable: cannot reach .* ECONNREFUSED/);
    const silent = requester(scripted([fail('timeout', null)]));
    await silent.r.ask(1, PREPARED);
    await silent.r.ask(2, PREPARED);
    await expect(silent.r.ask(3, PREPARED)).rejects.toThrow(/did not answer 3 requests within the timeout/);
    // Once the endpoint answered, a dropped connection is one bar's failure, retried once.
    const flaky = requester(scripted([ok(), fail('connection', null), fail('connection', null)]));
    await flaky.r.ask(1, PREPARED);
    expect(await flaky.r.ask(2, PREPARED)).toMatchObject({status: 'error', requests: 2});
  });

  it('stops at the budget: no retry past maxCalls, nothing asked after it', async () => {
    const {r} = requester(scripted([ok('{}'), ok()]), memoryStore(), new LlmBudget(1, 100, true));
    expect(await r.ask(1, PREPARED)).toMatchObject({status: 'invalid', requests: 1});
    expect(await r.ask(2, PREPARED)).toMatchObject({status: 'skipped', requests: 0, error: 'not asked: max calls 1 reached'});
    const dollars = new LlmBudget(100, 0.1, true);
    dollars.spentUsd = 0.1;
    expect(dollars.exhausted).toBe('budget $0.1 spent ($0.1000)');
    expect(new LlmBudget(100, 0, false).exhausted).toBeNull();
  });
});

describe('askAll', () => {
  const tasks = Array.from({length: 20}, (_, k) => ({barCloseMs: (k + 1) * 1000}));

  it('keeps at most `concurrency` requests in flight and skips what prepare declines', async () => {
    const client = scripted([ok()]);
    const {r} = requester(client);
    const done: number[] = [];
    const skipped: number[] = [];
    const result = await askAll(r, tasks, {
      concurrency: 3, maxConsecutiveFailures: 5,
      prepare: (t) => (t.barCloseMs % 5000 === 0 ? null : PREPARED),
      onOutcome: (t) => done.push(t.barCloseMs),
      onSkip: (t) => skipped.push(t.barCloseMs),
    });
    expect(result).toEqual({stopped: null, stoppedAt: 20});
    expect(client.maxInFlight).toBe(3);
    expect(skipped).toEqual([5000, 10000, 15000, 20000]);
    expect(done.sort((a, b) => a - b)).toHaveLength(16);
  });

  it('stops after maxConsecutiveFailures bars in a row fail, and at the budget', async () => {
    const {r} = requester(scripted([ok(), fail('server', 500)]));
    const failing = await askAll(r, tasks, {concurrency: 1, maxConsecutiveFailures: 3, prepare: () => PREPARED});
    expect(failing.stopped).toMatch(/stopped calling after 3 bars in a row without an answer \(last: server 500\)/);
    expect(failing.stoppedAt).toBe(4);
    const budgeted = requester(scripted([ok()]), memoryStore(), new LlmBudget(5, 100, true)).r;
    const spent = await askAll(budgeted, tasks, {concurrency: 2, maxConsecutiveFailures: 3, prepare: () => PREPARED});
    expect(spent).toEqual({stopped: 'LLM budget exhausted (max calls 5 reached)', stoppedAt: expect.any(Number)});
    expect(budgeted.budget.calls).toBe(5);
  });

  it('rethrows a fatal error after the requests in flight settle', async () => {
    const {r} = requester(scripted([ok(), fail('auth', 401, {fatal: true})]));
    await expect(askAll(r, tasks, {concurrency: 2, maxConsecutiveFailures: 3, prepare: () => PREPARED})).rejects.toSatisfy((e) => isIftbError(e, ErrorCode.LLM_UNAVAILABLE));
  });
});
