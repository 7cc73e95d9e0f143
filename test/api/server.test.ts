import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildOpsServer, type OpsServer, startOpsServer} from '../../src/api/server.js';
import {TokenCheck} from '../../src/api/auth.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {ErrorCode, isIftbError, type Ops} from '../../src/core/index.js';
import {ADMIN_TOKEN, type PaperSession, startPaperSession} from './paper-session.js';

const auth = {authorization: `Bearer ${ADMIN_TOKEN}`};

async function call(server: OpsServer, method: string, path: string, options: {headers?: Record<string, string>; body?: string} = {}) {
  const res = await fetch(`${server.url}${path}`, {method, headers: options.headers, body: options.body});
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return {status: res.status, json: json as Record<string, unknown>, headers: res.headers};
}

describe('the operations API over a paper session', () => {
  let s: PaperSession;
  let ops: Ops;
  let server: OpsServer;
  beforeAll(async () => {
    s = await startPaperSession();
    ops = createLiveOps(s.handle, {maxDataAgeMs: 4000});
    server = await startOpsServer({ops, token: ADMIN_TOKEN, port: 0, authFailures: {max: 1000}});
    await s.advance();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await s?.close();
  });

  it('refuses to start without a token of at least 24 characters', async () => {
    for (const token of [undefined, '', 'short-token-123']) {
      const error = await buildOpsServer({ops, token}).then(() => null, (e: unknown) => e);
      expect(isIftbError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
      expect((error as Error).message).toMatch(/IFTB_ADMIN_TOKEN/);
    }
  });

  it('answers 401 without detail for a missing, wrong or wrong-length token, and accepts the right one', async () => {
    const body = JSON.stringify({reason: 'auth test'});
    const wrongs: Record<string, string>[] = [
      {}, {authorization: `Bearer ${ADMIN_TOKEN.replace(/.$/, 'X')}`}, {authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}`}, {authorization: `Bearer ${ADMIN_TOKEN}0`},
      {authorization: ADMIN_TOKEN}, {authorization: `Basic ${ADMIN_TOKEN}`}, {authorization: 'Bearer '},
    ];
    for (const headers of wrongs) {
      const r = await call(server, 'POST', '/api/trading/pause', {headers: {...headers, 'content-type': 'application/json'}, body});
      expect(r.status).toBe(401);
      expect(r.json).toEqual({error: 'unauthorized'});
    }
    expect(ops.status().paused).toBe(false);
    const ok = await call(server, 'POST', '/api/trading/pause', {headers: {...auth, 'content-type': 'application/json'}, body});
    expect(ok).toMatchObject({status: 200, json: {applied: true, trading_state: 'reducing'}});
    const again = await call(server, 'POST', '/api/trading/pause', {headers: auth});
    expect(again).toMatchObject({status: 200, json: {applied: false, outcome: 'already paused'}});
    expect(await call(server, 'POST', '/api/trading/resume', {headers: auth})).toMatchObject({status: 200, json: {applied: true, trading_state: 'active'}});
    // The token check itself: same answer whatever the length (both sides are hashed before the constant-time compare).
    const check = new TokenCheck(ADMIN_TOKEN);
    expect([check.accepts(`Bearer ${ADMIN_TOKEN}`), check.accepts(`bearer ${ADMIN_TOKEN}`), check.accepts(`Bearer ${ADMIN_TOKEN}x`), check.accepts(undefined)]).toEqual([true, true, false, false]);
  });

  it('rate-limits repeated failures from one address, even a right token then', async () => {
    const limited = await startOpsServer({ops, token: ADMIN_TOKEN, port: 0, authFailures: {max: 3, windowMs: 60_000}});
    try {
      for (let k = 0; k < 3; k++) expect((await call(limited, 'POST', '/api/trading/pause', {headers: {authorization: 'Bearer guess'}})).status).toBe(401);
      const blocked = await call(limited, 'POST', '/api/trading/pause', {headers: auth});
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ops.status().paused).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('names the field of a bad body (400), reading curl\'s form-urlencoded JSON as JSON', async () => {
    const cases: Array<[string, string, string | undefined, string]> = [
      ['/api/kill-switch', '{}', 'application/x-www-form-urlencoded', 'reason'],
      ['/api/kill-switch', '{"reason": 5}', 'application/json', 'reason'],
      ['/api/kill-switch', '{"reason": "x", "extra": 1}', 'application/json', 'extra'],
      ['/api/kill-switch', '{"reason": ', 'application/json', 'body'],
      ['/api/kill-switch/deactivate', '{"confirmation_code": "12"}', 'application/x-www-form-urlencoded', 'confirmation_code'],
      ['/api/kill-switch/force-deactivate', '{}', undefined, 'admin_key'],
    ];
    for (const [path, body, type, field] of cases) {
      const r = await call(server, 'POST', path, {headers: {...auth, ...(type ? {'content-type': type} : {})}, body});
      expect(r.status, `${path} ${body}`).toBe(400);
      expect(r.json).toMatchObject({error: 'invalid_request', field});
      expect(r.json.message).toMatch(new RegExp(`^${field}: `));
    }
    expect(ops.killSwitch().engaged).toBe(false);
  });

  it('engages once under 50 concurrent POST /api/kill-switch: one 200 with the code, 49 conflicts', async () => {
    const answers = await Promise.all(Array.from({length: 50}, (_, k) => call(server, 'POST', '/api/kill-switch', {headers: auth, body: JSON.stringify({reason: `concurrent ${k}`})})));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].json.confirmation_code).toMatch(/^[A-Z0-9]{6}$/);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(49);
    expect(answers.filter((a) => 'confirmation_code' in a.json && a.json.confirmation_code !== null)).toHaveLength(1);
    const code = ok[0].json.confirmation_code as string;
    const wrong = await call(server, 'POST', '/api/kill-switch/deactivate', {headers: auth, body: JSON.stringify({confirmation_code: code === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ'})});
    expect(wrong).toMatchObject({status: 403, json: {error: 'forbidden', outcome: 'refused: wrong confirmation code', kill_switch: {engaged: true}}});
    expect((await call(server, 'GET', '/api/kill-switch')).json).toMatchObject({engaged: true, reason: ok[0].json.kill_switch && (ok[0].json.kill_switch as {reason: string}).reason});
    expect(await call(server, 'POST', '/api/kill-switch/deactivate', {headers: auth, body: JSON.stringify({confirmation_code: code.toLowerCase()})})).toMatchObject({status: 200, json: {applied: true}});
    expect(await call(server, 'POST', '/api/kill-switch/deactivate', {headers: auth, body: JSON.stringify({confirmation_code: code})})).toMatchObject({status: 409, json: {outcome: 'refused: kill switch is not active'}});
  });

  it('publishes the OpenAPI document from the request schemas, and a UI', async () => {
    const doc = (await call(server, 'GET', '/docs/json')).json as {openapi: string; paths: Record<string, Record<string, {requestBody?: {content: Record<string, {schema: Record<string, unknown>}>}; security?: unknown}>>};
    expect(doc.openapi).toBe('3.0.3');
    for (const path of ['/health', '/metrics', '/api/kill-switch', '/api/kill-switch/deactivate', '/api/kill-switch/force-deactivate', '/api/circuit-breaker/status', '/api/circuit-breaker/reset', '/api/positions', '/api/positions/close-all', '/api/trading/pause', '/api/trading/resume', '/api/ml/reload-model']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const body = doc.paths['/api/kill-switch'].post.requestBody!.content['application/json'].schema;
    expect(body).toMatchObject({type: 'object', required: ['reason'], properties: {reason: {type: 'string', minLength: 1, maxLength: 500}}, additionalProperties: false});
    expect(doc.paths['/api/kill-switch/deactivate'].post.requestBody!.content['application/json'].schema).toMatchObject({required: ['confirmation_code']});
    expect(doc.paths['/api/kill-switch'].post.security).toEqual([{bearer: []}]);
    const ui = await fetch(`${server.url}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });

  it('serves /metrics only with a provider', async () => {
    expect((await call(server, 'GET', '/metrics')).status).toBe(404);
    const withMetrics = await startOpsServer({ops, token: ADMIN_TOKEN, port: 0, metrics: async () => ({contentType: 'text/plain; version=0.0.4', body: 'iftb_up{mode="paper"} 1\n'})});
    try {
      const res = await fetch(`${withMetrics.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toBe('iftb_up{mode="paper"} 1\n');
    } finally {
      await withMetrics.close();
    }
  });

  it('needs the token for reads from another machine when bound to a non-loopback address', async () => {
    const app = await buildOpsServer({ops, token: ADMIN_TOKEN, host: '0.0.0.0'});
    try {
      const remote = {remoteAddress: '10.1.2.3'};
      expect((await app.inject({method: 'GET', url: '/api/positions', ...remote})).statusCode).toBe(401);
      expect((await app.inject({method: 'GET', url: '/api/positions', headers: auth, ...remote})).statusCode).toBe(200);
      expect((await app.inject({method: 'GET', url: '/health', ...remote})).statusCode).not.toBe(401);
      // From this machine (the runbook's curl on the host) reads stay open; mutations never are.
      expect((await app.inject({method: 'GET', url: '/api/positions', remoteAddress: '127.0.0.1'})).statusCode).toBe(200);
      expect((await app.inject({method: 'POST', url: '/api/trading/pause', remoteAddress: '127.0.0.1'})).statusCode).toBe(401);
    } finally {
      await app.close();
    }
    expect((await call(server, 'GET', '/api/positions')).status).toBe(200);
  });

  it('says 200 on /health while bars arrive, 503 once they stop, and 503 when the venue is unreachable', async () => {
    await s.advance();
    const fresh = await call(server, 'GET', '/health');
    expect(fresh).toMatchObject({status: 200, json: {status: 'ok', ok: true, problems: [], max_data_age_ms: 4000, venue: {reachable: true}, store: {reachable: true}}});
    expect(fresh.json.last_bar_ms).toBe(s.bars[s.next - 1].openTime);
    let stale = fresh;
    for (const deadline = Date.now() + 30_000; stale.status !== 503 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      stale = await call(server, 'GET', '/health');
    }
    expect(stale.status).toBe(503);
    expect(stale.json).toMatchObject({status: 'unhealthy', ok: false, problems: [expect.stringMatching(/^data is stale: the last bar closed \d+ s ago \(limit 4 s\)$/)]});
    // A new bar: healthy again.
    await s.advance();
    expect((await call(server, 'GET', '/health')).status).toBe(200);
    // The venue gone: 503 naming it (a fresh probe, not the cached one).
    const probeNow = createLiveOps(s.handle, {venueCacheMs: 0, venueTimeoutMs: 1000});
    const probing = await startOpsServer({ops: probeNow, token: ADMIN_TOKEN, port: 0});
    try {
      await s.exchange.close();
      const down = await call(probing, 'GET', '/health');
      expect(down.status).toBe(503);
      expect((down.json.problems as string[]).some((p) => p.startsWith('venue unreachable'))).toBe(true);
      expect(down.json.venue).toMatchObject({reachable: false});
    } finally {
      await probing.close();
    }
  }, 90_000);
});
