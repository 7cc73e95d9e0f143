import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {type LocalTelegram, startLocalTelegram} from '../support/alert-servers.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {CLI} from '../support/candle-files.js';
import {iftb} from '../support/cli.js';
import {MINUTE, waveBars} from '../support/live-candles.js';
import {waitFor} from '../support/wait.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const HISTORY = 60;
const SECRETS = {
  BINANCE_API_KEY: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
  BINANCE_API_SECRET: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j',
  KILL_SWITCH_ADMIN_KEY: 'admin-key-0123456789abcdef',
  IFTB_ADMIN_TOKEN: 'tok_9f8e7d6c5b4a39281706fedcba',
};


describe('iftb live logs', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let telegram: LocalTelegram | null = null;
  let child: ChildProcess | null = null;
  afterEach(async () => {
    if (child !== null && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    await exchange?.close();
    await telegram?.close();
    child = null;
    exchange = null;
    telegram = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('are JSON lines on stdout (status lines as info records), at --log-level, with no secret in them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-live-logs-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 10);
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    telegram = await startLocalTelegram();
    const config = join(dir, 'bot.yaml');
    writeFileSync(config, [
      'strategy: sma-cross', 'symbol: BTC/USDT:USDT', 'timeframe: 1m', 'funding: false', 'params: {fast: 5, slow: 20, qty: 0.01}',
      'breaker: {latency: {enabled: false}}', 'live: {pollGraceMs: 60000}',
      'alerts:', '  telegram:', '    enabled: true', '    chat_id: "${TELEGRAM_CHAT_ID}"', '    token: "${TELEGRAM_BOT_TOKEN}"', '    commands: true',
    ].join('\n'));
    const env = {
      ...process.env, IFTB_DB: undefined, IFTB_WAIT: undefined, ...SECRETS, IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl,
      TELEGRAM_CHAT_ID: '4242', TELEGRAM_BOT_TOKEN: telegram.token, IFTB_TELEGRAM_API_URL: telegram.url,
    };
    let stdout = '';
    let stderr = '';
    child = spawn(process.execPath, [CLI, 'live', '--config', config, '--db', join(dir, 'bot.duckdb'), '--log-level', 'debug'], {env, stdio: ['ignore', 'pipe', 'pipe']});
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const records = () => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as {level: string; time: string; msg: string; session?: string});
    await waitFor(() => records().some((r) => r.msg.includes('running (paper)')), 'the session to start', 30_000);
    for (const bar of all.slice(HISTORY, HISTORY + 3)) {
      exchange.advance({symbol: 'BTCUSDT', bar});
      const close = new Date(bar.openTime + MINUTE).toISOString();
      await waitFor(() => records().some((r) => r.msg.startsWith(`${close} close`)), `the status line of ${close}`);
    }
    // A chat command is answered (and logged) by the running bot.
    telegram.push(4242, '/status');
    await waitFor(() => telegram!.sent.some((m) => m.text.startsWith('session p')), 'the /status reply');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(0);

    const rs = records();
    const status = rs.filter((r) => / close \d+(\.\d+)? position BTC\/USDT:USDT/.test(r.msg));
    expect(status).toHaveLength(3);
    expect(status.every((r) => r.level === 'info')).toBe(true);
    expect(rs.every((r) => typeof r.time === 'string' && typeof r.level === 'string')).toBe(true);
    expect(rs.some((r) => r.msg.includes('telegram /status from chat 4242'))).toBe(true);
    expect(rs.some((r) => /stopped \(SIGTERM\)/.test(r.msg))).toBe(true);
    expect(stderr).toBe('');
    for (const secret of [...Object.values(SECRETS), telegram.token]) expect(stdout).not.toContain(secret);
  }, 90_000);

  it('refuses an unknown --log-level', async () => {
    const run = await iftb(['live', '--log-level', 'loud']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--log-level <level>' argument 'loud' is invalid\. Allowed choices are trace, debug, info, warn, error, fatal, silent/);
  });
});
