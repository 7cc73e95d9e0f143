import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createOpenAiClient, parseDotEnv, readLlmEnvironment} from '../../../src/adapters/openai/index.js';
import {isIftbError, type LlmRequest} from '../../../src/core/index.js';
import {LLM_ANSWER_JSON_SCHEMA, parseAnswer} from '../../../src/signals/llm/index.js';
import {type ChatFault, type RunningOpenAiServer, startOpenAiServer, unusedPort} from '../../support/openai-compatible-server.js';

const REQUEST: LlmRequest = {
  model: 'test-model',
  temperature: 0,
  messages: [{role: 'system', content: 'You are a test.'}, {role: 'user', content: 'BTC closed at 42000. Direction?'}],
  responseFormat: {name: 'market_read', strict: true, schema: LLM_ANSWER_JSON_SCHEMA},
};

describe('OpenAI-compatible client', () => {
  const servers: RunningOpenAiServer[] = [];
  const start = async (fault: ChatFault | null = null, options: Parameters<typeof startOpenAiServer>[0] = {}) => {
    const server = await startOpenAiServer({fault: () => fault, slowMs: 3000, ...options});
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('sends what the API expects (model, messages, json_schema response_format, bearer key) and reads content and usage', async () => {
    const server = await start();
    const client = createOpenAiClient({baseUrl: server.url, apiKey: 'test-key'}, {timeoutMs: 5000});
    const completion = await client.complete(REQUEST);
    expect(completion.ok).toBe(true);
    if (!completion.ok) return;
    expect(parseAnswer(completion.content).ok).toBe(true);
    expect(completion.promptTokens).toBeGreaterThan(0);
    expect(completion.completionTokens).toBeGreaterThan(0);
    expect(completion.responseModel).toBe('test-model');
    const [received] = server.requests;
    expect(received).toMatchObject({method: 'POST', path: '/v1/chat/completions', authorization: 'Bearer test-key', outcome: 'ok'});
    expect(received.contentType).toMatch(/^application\/json/);
    expect(received.body).toMatchObject({
      model: 'test-model',
      temperature: 0,
      messages: REQUEST.messages,
      response_format: {type: 'json_schema', json_schema: {name: 'market_read', strict: true, schema: LLM_ANSWER_JSON_SCHEMA}},
    });
  });

  it('turns 429, 500 and a slow answer into failure values, without retrying', async () => {
    const cases: Array<[ChatFault, object]> = [
      ['rate-limit', {kind: 'rate-limit', status: 429, fatal: false, retryAfterMs: 0}],
      ['server-error', {kind: 'server', status: 500, fatal: false}],
      ['slow', {kind: 'timeout', status: null, fatal: false}],
      // Headers at once, then a body that never finishes: the SDK's own timeout stops at the headers.
      ['stall', {kind: 'timeout', status: null, fatal: false}],
    ];
    for (const [fault, expected] of cases) {
      const server = await start(fault);
      const client = createOpenAiClient({baseUrl: server.url, apiKey: 'test-key'}, {timeoutMs: 300});
      const started = Date.now();
      const completion = await client.complete(REQUEST);
      expect(completion, fault).toMatchObject({ok: false, ...expected});
      expect(Date.now() - started, fault).toBeLessThan(2000);
      expect(server.chatCount(), fault).toBe(1);
    }
    const limited = await start('rate-limit');
    const c = await createOpenAiClient({baseUrl: limited.url, apiKey: 'test-key'}, {timeoutMs: 1000}).complete(REQUEST);
    expect(!c.ok && c.message).toMatch(/Rate limit reached for test-model/);
  });

  it('passes malformed and schema-invalid content through for validation to refuse', async () => {
    for (const [fault, reason] of [['malformed', /not JSON/], ['schema-invalid', /schema: direction: .*confidence/]] as const) {
      const server = await start(fault);
      const completion = await createOpenAiClient({baseUrl: server.url, apiKey: 'test-key'}, {timeoutMs: 1000}).complete(REQUEST);
      expect(completion.ok).toBe(true);
      const parsed = completion.ok ? parseAnswer(completion.content) : null;
      expect(parsed?.ok).toBe(false);
      expect(parsed && !parsed.ok && parsed.reason).toMatch(reason);
    }
  });

  it('says clearly when the API key is refused (401) or the path or model does not exist (404): fatal', async () => {
    const server = await start();
    const bad = await createOpenAiClient({baseUrl: server.url, apiKey: 'sk-wrong'}, {timeoutMs: 1000}).complete(REQUEST);
    expect(bad).toMatchObject({ok: false, kind: 'auth', status: 401, fatal: true});
    expect(!bad.ok && bad.message).toMatch(/refused the API key \(401 Incorrect API key provided: .*\): check OPENAI_API_KEY/);
    const missing = await createOpenAiClient({baseUrl: server.url.replace(/\/v1$/, ''), apiKey: 'test-key'}, {timeoutMs: 1000}).complete(REQUEST);
    expect(missing).toMatchObject({ok: false, kind: 'not-found', status: 404, fatal: true});
  });

  it('fails fast on an unused port with the connection error', async () => {
    const port = await unusedPort();
    const started = Date.now();
    const completion = await createOpenAiClient({baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: null}, {timeoutMs: 10_000}).complete(REQUEST);
    expect(completion).toMatchObject({ok: false, kind: 'connection', status: null});
    expect(!completion.ok && completion.message).toMatch(new RegExp(`cannot reach http://127.0.0.1:${port}/v1: .*ECONNREFUSED`));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('LLM environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-env-'));
  afterEach(() => rmSync(join(dir, '.env'), {force: true}));

  it('parses .env lines: comments, export, quotes', () => {
    expect(parseDotEnv('# c\nexport A=1\nB = "two words"\nC=\'x#y\'\nD=plain # trailing\n\nnot a line')).toEqual({A: '1', B: 'two words', C: 'x#y', D: 'plain'});
  });

  it('prefers the environment over .env, defaults to OpenAI with a key alone, and is null with nothing', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'IFTB_LLM_BASE_URL=http://127.0.0.1:9/v1/\nOPENAI_API_KEY=from-file\nIFTB_LLM_MODEL=file-model\n');
    expect(readLlmEnvironment({}, file)).toEqual({endpoint: {baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'from-file'}, model: 'file-model'});
    expect(readLlmEnvironment({OPENAI_API_KEY: 'env-key', IFTB_LLM_MODEL: 'env-model'}, file)).toEqual({
      endpoint: {baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'env-key'}, model: 'env-model',
    });
    const none = join(dir, 'missing.env');
    expect(readLlmEnvironment({OPENAI_API_KEY: 'k'}, none).endpoint).toEqual({baseUrl: 'https://api.openai.com/v1', apiKey: 'k'});
    expect(readLlmEnvironment({}, none)).toEqual({endpoint: null, model: null});
    try {
      readLlmEnvironment({IFTB_LLM_BASE_URL: 'localhost:8000'}, none);
      expect.unreachable();
    } catch (error) {
      expect(isIftbError(error)).toBe(true);
      expect((error as Error).message).toMatch(/IFTB_LLM_BASE_URL 'localhost:8000' is not an http\(s\) URL/);
    }
  });
});
