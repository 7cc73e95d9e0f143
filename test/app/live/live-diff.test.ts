/**
 * `iftb live diff`: a session's trades next to a backtest replay of its stored candles. A paper
 * session replays exactly (every pair identical); a live session's fills come from the exchange,
 * so its differences are attributed, and the causes add up to the whole gap. The CLI writes the page.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {diffLiveSession} from '../../../src/app/live-diff.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {iftb} from '../../support/cli.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const LIVE_BARS = 120;
const CONFIG = SMA_CROSS_1M;


describe('iftb live diff', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    handle = null;
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  /** Runs a session over LIVE_BARS bars and stops it; returns its id and store path. */
  async function session(mode: 'paper' | 'live'): Promise<{sessionId: string; db: string}> {
    dir = mkdtempSync(join(tmpdir(), 'iftb-live-diff-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + LIVE_BARS);
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    const db = join(dir, 'bot.duckdb');
    handle = await startLive(parseLiveConfig({...CONFIG, live: {mode, pollGraceMs: 60_000}}), {db, env, confirmLive: 'BTC/USDT:USDT', log: () => {}});
    const sessionId = handle.session.session.sessionId;
    for (const bar of all.slice(HISTORY)) {
      exchange.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => handle!.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
    }
    await handle.stop('test');
    handle = null;
    return {sessionId, db};
  }

  it('pairs every trade of a paper session with an identical replay trade', async () => {
    const {sessionId, db} = await session('paper');
    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const report = await diffLiveSession(store, store, sessionId);
      expect(report).toMatchObject({sessionId, mode: 'paper', bars: {decided: LIVE_BARS, missed: []}, rejectedOrders: 0});
      expect(report.diff.live.trades).toBeGreaterThan(2);
      expect(report.diff.replay.trades).toBe(report.diff.live.trades);
      expect(report.diff.pairs.every((p) => p.cause === 'identical')).toBe(true);
      expect(report.diff.live.netPnl).toBe(report.diff.replay.netPnl);
    } finally {
      store.close();
    }
  });

  it('attributes a live session\'s differences, the causes adding up to the gap, and writes the page', async () => {
    const {sessionId, db} = await session('live');
    const store = await DuckDbStore.open(db, {seed: false});
    let report;
    try {
      report = await diffLiveSession(store, store, sessionId);
    } finally {
      store.close();
    }
    const d = report.diff;
    expect(report.mode).toBe('live');
    expect(d.live.trades).toBeGreaterThan(2);
    // Live fills are the exchange's (at its last price, its commission), the replay's the simulator's next-open fills with slippage.
    expect(d.pairs.some((p) => p.live !== null && p.replay !== null && p.cause !== 'identical')).toBe(true);
    const attributed = Object.values(d.attribution).reduce((a, b) => a + b, 0);
    expect(attributed).toBeCloseTo(d.live.netPnl - d.replay.netPnl, 9);
    for (const p of d.pairs) {
      if (p.live === null || p.replay === null) continue;
      expect(Math.abs(p.entryDelayMs!)).toBeLessThan(MINUTE);
    }

    const out = join(dir, 'diff.html');
    const cli = await iftb(['live', 'diff', sessionId, '--db', db, '--out', out]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`session ${sessionId} (live, sma-cross, BTC/USDT:USDT 1m): ${LIVE_BARS} bars decided, 0 missed`);
    expect(cli.stdout).toMatch(/net PnL: session -?\d+\.\d{2} \(\d+ trades\), replay -?\d+\.\d{2} \(\d+ trades\), difference -?\d+\.\d{2}/);
    expect(existsSync(out)).toBe(true);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`Session ${sessionId} vs its backtest replay`);
    expect((html.match(/<tr>/g) ?? []).length).toBeGreaterThan(d.pairs.length);
    const json = await iftb(['live', 'diff', sessionId, '--db', db, '--out', out, '--json']);
    expect(JSON.parse(json.stdout).diff.pairs).toHaveLength(d.pairs.length);
  });
});
