import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {runBacktest} from '../../../src/app/backtest-runner.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 120;
const LIVE_BARS = 160;
const CONFIG = SMA_CROSS_1M;


describe('paper trading on the one loop', () => {
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

  it('gives the journal and trades of a backtest over the same candles (parity by construction)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-live-'));
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + LIVE_BARS);
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl};
    const db = join(dir, 'bot.duckdb');
    const lines: string[] = [];
    handle = await startLive(parseLiveConfig({...CONFIG, live: {pollGraceMs: 60_000}}), {db, env, log: (l) => lines.push(l)});
    const sessionId = handle.session.session.sessionId;
    expect(handle.session.session.firstBarMs).toBe(T0);
    for (const bar of all.slice(HISTORY)) {
      exchange.advance({symbol: 'BTCUSDT', bar});
      await waitFor(() => handle!.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
    }
    const liveJournal = JSON.stringify(handle.loop.journal);
    const liveTrades = handle.session.parts.ledger.trades.map((t) => ({...t}));
    expect(liveTrades.length).toBeGreaterThan(2);
    expect(lines.some((l) => /close 3\d{4}(\.\d)? position BTC\/USDT:USDT/.test(l))).toBe(true);
    await handle.stop('test');
    handle = null;

    // The session's candles are in the store: a backtest over them from the session's first bar.
    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const run = await runBacktest(store, {...CONFIG, fromMs: T0}, {runId: sessionId});
      expect(JSON.stringify(run.journal)).toBe(liveJournal);
      expect(run.ledger.trades).toEqual(liveTrades);
      // The session is a run: its rows are in the run tables.
      const stored = await store.runs.get(sessionId);
      expect(stored?.mode).toBe('paper');
      expect(await store.runs.journal(sessionId)).toEqual(JSON.parse(liveJournal));
    } finally {
      store.close();
    }
  });
});
