/**
 * Every `curl` command of docs/RUNBOOK.md, extracted from the file and run as written through
 * bash and /usr/bin/curl (ADMIN_TOKEN, KILL_SWITCH_ADMIN_KEY, CONFIRMATION_CODE in its
 * environment) against `iftb live`'s operations API on 127.0.0.1:8000 over a paper session fed by
 * the local Binance exchange. curl's status line comes from a .curlrc, so the commands stay verbatim.
 */
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startOpsServer, type OpsServer} from '../../src/api/server.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {fromRoot} from '../../src/core/index.js';
import {ModelRegistry} from '../../src/ml/registry.js';
import {MINUTE} from '../support/live-candles.js';
import {ADMIN_KEY, ADMIN_TOKEN, MODEL, type PaperSession, startPaperSession, waitFor} from './paper-session.js';

const run = promisify(execFile);

export interface RunbookCurl {
  readonly command: string;
  readonly method: string;
  readonly path: string;
}

/** The curl commands of the runbook's ```bash blocks, continuation lines joined, in document order. */
export function runbookCurls(markdown: string): RunbookCurl[] {
  const out: RunbookCurl[] = [];
  for (const block of markdown.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const lines = block[1].replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim());
    for (const line of lines) {
      if (!line.startsWith('curl ')) continue;
      const url = /https?:\/\/[^\s'"]+/.exec(line)?.[0] ?? '';
      out.push({command: line, method: /-X\s+(\w+)/.exec(line)?.[1] ?? 'GET', path: new URL(url).pathname});
    }
  }
  return out;
}

describe('the runbook\'s curl commands against a running paper session', () => {
  let s: PaperSession;
  let api: OpsServer;
  let curlHome = '';
  const env: Record<string, string> = {};

  beforeAll(async () => {
    // The stale-data rule trips on a bar decided more than 10 s after its close.
    s = await startPaperSession({pollGraceMs: 5000, breaker: {staleData: {maxDataAgeMs: 10_000}}});
    api = await startOpsServer({ops: createLiveOps(s.handle), token: ADMIN_TOKEN, host: '127.0.0.1', port: 8000});
    await s.advance(2);
    curlHome = mkdtempSync(join(tmpdir(), 'iftb-curl-'));
    writeFileSync(join(curlHome, '.curlrc'), 'silent\nshow-error\nmax-time = 30\nwrite-out = "\\n%{http_code}"\n');
    Object.assign(env, {PATH: process.env.PATH ?? '/usr/bin:/bin', CURL_HOME: curlHome, HOME: curlHome, ADMIN_TOKEN, KILL_SWITCH_ADMIN_KEY: ADMIN_KEY});
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await s?.close();
    if (curlHome) rmSync(curlHome, {recursive: true, force: true});
  });

  async function curl(c: RunbookCurl): Promise<{status: number; body: Record<string, unknown>}> {
    const {stdout} = await run('/bin/bash', ['-c', c.command], {env, timeout: 60_000});
    const cut = stdout.lastIndexOf('\n');
    return {status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) as Record<string, unknown>};
  }

  it('work as written, each with the answer the runbook promises', async () => {
    const curls = runbookCurls(readFileSync(fromRoot('docs/RUNBOOK.md'), 'utf8'));
    // The document and the API cannot drift apart: these are the runbook's calls, in its order.
    expect(curls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/kill-switch', 'POST /api/kill-switch/deactivate', 'POST /api/kill-switch/force-deactivate', 'GET /api/kill-switch',
      'GET /api/circuit-breaker/status', 'POST /api/circuit-breaker/reset', 'POST /api/positions/close-all', 'POST /api/ml/reload-model',
      'GET /health', 'POST /api/trading/pause', 'GET /api/positions', 'POST /api/positions/close-all',
    ]);
    const ops = createLiveOps(s.handle);
    const [activate, deactivate, force, killStatus, breakerStatus, reset, closeAllEmergency, reload, health, pause, positions, closeAll] = curls;

    // Kill switch: engaged with the reason, a code returned; released with that code.
    let r = await curl(activate);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({applied: true, outcome: 'ok', confirmation_code: expect.stringMatching(/^[A-Z0-9]{6}$/), kill_switch: {engaged: true, reason: '긴급 중단 사유', by: 'api:127.0.0.1'}});
    expect(ops.status().tradingState).toBe('halted');
    env.CONFIRMATION_CODE = r.body.confirmation_code as string;
    r = await curl(deactivate);
    expect(r).toMatchObject({status: 200, body: {applied: true, kill_switch: {engaged: false}}});

    // Force-deactivate releases an engaged switch with KILL_SWITCH_ADMIN_KEY (the body must expand it).
    await ops.activateKillSwitch('drill before force-deactivate', 'test');
    r = await curl(force);
    expect(r).toMatchObject({status: 200, body: {applied: true, outcome: 'ok', kill_switch: {engaged: false}}});
    r = await curl(killStatus);
    expect(r).toMatchObject({status: 200, body: {engaged: false, force_deactivate_configured: true, last: {action: 'force-deactivate'}}});

    // Circuit breaker: a bar missed on the stream is fetched over REST 20 s after its close: stale, the rule trips (OPEN).
    // The session's clock is moved as the exchange's would show it (the feed learns exchange time only from closed bars).
    const missed = s.bars[s.next++];
    s.exchange.advance({symbol: 'BTCUSDT', bar: missed, missClosed: true});
    s.handle.session.clock.observe(missed.openTime + MINUTE + 20_000);
    await waitFor(() => s.handle.loop.status().lastBarMs === missed.openTime, 'the missed bar over REST');
    r = await curl(breakerStatus);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({state: 'OPEN', tripped_rule: 'stale-data', open_rules: ['stale-data'], imposed_state: 'halted', since: expect.any(Number)});
    expect((r.body.figures as Array<{rule: string}>).map((f) => f.rule)).toEqual(['drawdown', 'daily-loss', 'loss-streak', 'error-rate', 'latency', 'stale-data']);
    expect(r.body.figures).toContainEqual({rule: 'stale-data', enabled: true, value: true, warn: null, trip: 10_000});
    r = await curl(reset);
    expect(r).toMatchObject({status: 200, body: {applied: true, breaker: {state: 'CLOSED'}}});
    // From CLOSED the runbook's reset is refused.
    r = await curl(reset);
    expect(r).toMatchObject({status: 409, body: {applied: false, outcome: 'refused: the circuit breaker is CLOSED'}});

    // Close-all with the emergency reason: flat afterwards.
    r = await curl(closeAllEmergency);
    expect(r.status).toBe(200);
    expect(r.body.outcome).toMatch(/^(ok|nothing to close)$/);
    expect((r.body.positions as Array<{qty: number}>).every((p) => p.qty === 0)).toBe(true);

    // ML rollback: version 2 went live and was reloaded; `iftb models rollback` returns the channel to 1, the reload serves it.
    const registry = new ModelRegistry(s.modelsDir);
    registry.pin(MODEL, '2', 'live');
    expect((await ops.reloadModel('test', 'deploy v2')).models[0].model).toBe(`${MODEL}@2`);
    registry.rollback(MODEL, 'live');
    r = await curl(reload);
    expect(r).toMatchObject({status: 200, body: {applied: true, outcome: 'ok', models: [{ref: `${MODEL}@live`, model: `${MODEL}@1`, sha256: s.sha256['1']}]}});
    expect(s.handle.loop.journal.filter((e) => e.type === 'model').map((e) => (e as {model: string; sha256: string}).sha256)).toEqual([s.sha256['2'], s.sha256['1']]);

    await s.advance();
    r = await curl(health);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({status: 'ok', ok: true, last_bar_ms: s.bars[s.next - 1].openTime, venue: {reachable: true}, store: {reachable: true}, trading_state: 'active'});
    expect(r.body.data_age_ms).toEqual(expect.any(Number));
    expect(r.body.last_bar_time).toBe(new Date(s.bars[s.next - 1].openTime).toISOString());

    // Shutdown procedure.
    r = await curl(pause);
    expect(r).toMatchObject({status: 200, body: {applied: true, trading_state: 'reducing'}});
    r = await curl(positions);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({positions: [{symbol: 'BTC/USDT:USDT', side: expect.stringMatching(/^(long|short|flat)$/)}], equity: expect.any(Number)});
    r = await curl(closeAll);
    expect(r.status).toBe(200);
    expect(r.body.outcome).toMatch(/^(ok|nothing to close)$/);

    // The seed runbook's lines that were wrong: the single-quoted admin key is sent literally, the shutdown pause had no token.
    await ops.activateKillSwitch('drill for the seed lines', 'test');
    const seedForce = `curl -X POST http://localhost:8000/api/kill-switch/force-deactivate -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"admin_key": "$KILL_SWITCH_ADMIN_KEY"}'`;
    expect(await curl({command: seedForce, method: 'POST', path: '/api/kill-switch/force-deactivate'})).toMatchObject({status: 403, body: {outcome: 'refused: wrong admin key'}});
    expect(await curl({command: 'curl -X POST http://localhost:8000/api/trading/resume', method: 'POST', path: '/api/trading/resume'})).toEqual({status: 401, body: {error: 'unauthorized'}});
    await ops.forceDeactivateKillSwitch(ADMIN_KEY, 'test');

    // Who, when and why of each command is stored with the session.
    const journalReasons = s.handle.loop.journal.filter((e) => e.type === 'kill-switch').map((e) => (e as {reason: string}).reason);
    expect(journalReasons).toContain('긴급 중단 사유');
  }, 180_000);
});
