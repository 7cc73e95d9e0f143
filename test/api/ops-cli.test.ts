/**
 * `iftb ops …` (the built CLI as a real process) against the API of a paper session, and
 * `iftb live` starting and stopping its API: refused without a proper token, serving on
 * --api-port, closed on SIGTERM within the stop deadline.
 */
import {spawn} from 'node:child_process';
import {type AddressInfo, createServer} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type OpsServer, startOpsServer} from '../../src/api/server.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {CLI} from '../support/candle-files.js';
import {iftb} from '../support/cli.js';
import {MINUTE, waveBars} from '../support/live-candles.js';
import {ADMIN_TOKEN, type PaperSession, startPaperSession, T0} from './paper-session.js';

describe('iftb ops', () => {
  let s: PaperSession;
  let server: OpsServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    s = await startPaperSession();
    server = await startOpsServer({ops: createLiveOps(s.handle), token: ADMIN_TOKEN, port: 0});
    await s.advance();
    env = {IFTB_API_URL: server.url, IFTB_ADMIN_TOKEN: ADMIN_TOKEN};
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await s?.close();
  });

  it('operates the bot: status, kill switch, pause/resume, breaker, close-all, reload-model', async () => {
    const status = await iftb(['ops', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(s.handle.session.session.sessionId);
    expect(status.stdout).toMatch(/trading\s+active/);
    expect(status.stdout).toMatch(/tiny@1/);

    const activate = await iftb(['ops', 'kill-switch', 'activate', '--reason', 'cli drill'], env);
    expect(activate.code).toBe(0);
    const code = /confirmation code ([A-Z0-9]{6})/.exec(activate.stdout)?.[1];
    expect(code).toBeDefined();
    expect((await iftb(['ops', 'kill-switch', 'status'], env)).stdout).toMatch(/^ENGAGED since .* by api:127\.0\.0\.1: cli drill/);
    const twice = await iftb(['ops', 'kill-switch', 'activate', '--reason', 'again'], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr.trim()).toMatch(/^error: 409 POST \/api\/kill-switch: refused: kill switch already active/);
    expect((await iftb(['ops', 'kill-switch', 'deactivate', '--code', code!], env)).stdout).toMatch(/^kill switch released: done/);

    expect((await iftb(['ops', 'pause', '--reason', 'cli'], env)).stdout).toMatch(/^pause: done .*; trading reducing/);
    expect((await iftb(['ops', 'resume'], env)).stdout).toMatch(/^resume: done .*; trading active/);
    expect((await iftb(['ops', 'breaker', 'status'], env)).stdout).toMatch(/^CLOSED, imposes active[\s\S]*drawdown/);
    const reset = await iftb(['ops', 'breaker', 'reset'], env);
    expect(reset.stderr.trim()).toBe('error: 409 POST /api/circuit-breaker/reset: refused: the circuit breaker is CLOSED');
    expect((await iftb(['ops', 'close-all', '--reason', 'cli'], env)).stdout).toMatch(/^close-all: (done|nothing to close)/);
    expect((await iftb(['ops', 'reload-model'], env)).stdout).toMatch(/^reload-model: unchanged: tiny@1 already serving .*; serving tiny@1/);
    const json = await iftb(['ops', 'positions', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({positions: [{symbol: 'BTC/USDT:USDT'}]});
  }, 120_000);

  it('says in one line when the token is wrong or the bot is not there', async () => {
    const wrong = await iftb(['ops', 'pause'], {...env, IFTB_ADMIN_TOKEN: 'not-the-token-not-the-token'});
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe(`error: 401 unauthorized from ${server.url}: IFTB_ADMIN_TOKEN is wrong`);
    const none = await iftb(['ops', 'pause'], {IFTB_API_URL: server.url, IFTB_ADMIN_TOKEN: ''});
    expect(none.stderr.trim()).toBe(`error: 401 unauthorized from ${server.url}: IFTB_ADMIN_TOKEN is not set`);
    // A port nobody listens on: taken from the OS, then released.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = await iftb(['ops', 'status'], {...env, IFTB_API_URL: `http://127.0.0.1:${port}`});
    expect(gone.code).toBe(2);
    expect(gone.stderr.trim().split('\n')).toHaveLength(1);
    expect(gone.stderr.trim()).toBe(`error: cannot reach the bot's API at http://127.0.0.1:${port} (connection refused: is \`iftb live\` running with its API there?); set IFTB_API_URL`);
  }, 60_000);
});

describe('iftb live with its API', () => {
  it('refuses to start without a proper token, serves on --api-port, closes on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iftb-live-api-'));
    const bars = waveBars(T0 - 60 * MINUTE, 62);
    const exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars.slice(0, 60)}});
    const base = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, IFTB_DB: undefined as unknown as string};
    const args = ['live', '--strategy', 'sma-cross', '--timeframe', '1m', '--db', join(dir, 'bot.duckdb'), '--quiet', '--api-port', '0'];
    try {
      const refused = await iftb(args, {...base, IFTB_ADMIN_TOKEN: 'short'});
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toBe('error: IFTB_ADMIN_TOKEN is 5 characters; the operations API needs at least 24 (e.g. `openssl rand -hex 24`)');

      const child = spawn(process.execPath, [CLI, ...args], {env: {...process.env, ...base, IFTB_ADMIN_TOKEN: ADMIN_TOKEN, IFTB_API_PORT: undefined}, stdio: ['ignore', 'pipe', 'pipe']});
      // The line may come as plain text on stderr or inside a JSON log line on stdout.
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /operations API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (m) resolve(m[1]);
        };
        child.stderr!.on('data', read);
        child.stdout!.on('data', read);
        child.once('exit', (code) => reject(new Error(`iftb live exited with ${code}: ${output}`)));
      });
      const status = await fetch(`${url}/api/status`).then((r) => r.json() as Promise<{mode: string; strategy: string}>);
      expect(status).toMatchObject({mode: 'paper', strategy: 'sma-cross'});
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(9000);
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      await exchange.close();
      rmSync(dir, {recursive: true, force: true});
    }
  }, 120_000);
});
