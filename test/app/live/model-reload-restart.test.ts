/**
 * A model reload mid-session, then kill -9 and a restart, with a real `iftb live` process and its
 * operations API: the journal records which model scored each bar (the swap lands exactly at a bar
 * boundary), the restart replays the bars before the swap with the old model and the bars after it
 * with the new one (journal identical, trading active), continues with the swapped-in model, and
 * `iftb live diff` replays every bar with the model that scored it.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {runBacktest} from '../../../src/app/backtest-runner.js';
import type {Bar, ClosedTrade, JournalEvent, SessionBar, SessionRecord} from '../../../src/core/index.js';
import {modelSwaps, modelsAt, modelTimeline} from '../../../src/live/model-timeline.js';
import {ModelRegistry} from '../../../src/ml/registry.js';
import {diffTrades} from '../../../src/portfolio/trade-diff.js';
import {ADMIN_TOKEN, HISTORY, LEAF, MODEL, scoreOf, writeModel} from '../../api/paper-session.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {iftb} from '../../support/cli.js';
import {MINUTE, waveBars} from '../../support/live-candles.js';
import {apiUrlOf, type BotProcess, botEnv, killBots, startBot, statusLineOf, writeBotConfig} from '../../support/live-bot.js';

const SYMBOL = 'BTC/USDT:USDT';
// After the shipped sample's funding history: `iftb live diff` seeds the store with it, and made-up settlements must not contradict real ones.
const T0 = Date.UTC(2031, 0, 6, 12, 0);
const CONFIG = {
  strategy: 'ensemble', symbol: SYMBOL, timeframe: '1m', params: {model: `${MODEL}@live`, entry: 0.1, exit: 0.02, minConfidence: 0.1}, funding: false,
  breaker: {latency: {enabled: false}}, live: {pollGraceMs: 60_000},
};
/** The ML score in a status line says which model read the bar (version 1 bullish, version 2 bearish). */
const ML_SCORE = / ml (-?\d+\.\d+)/;

interface Stored {
  session: SessionRecord;
  bars: SessionBar[];
  journal: JournalEvent[];
  trades: ClosedTrade[];
}

async function readStore(db: string): Promise<Stored> {
  const store = await DuckDbStore.open(db, {seed: false});
  try {
    const [row] = await store.db.rows(`SELECT session_id AS id FROM sessions ORDER BY started_ms DESC LIMIT 1`);
    const id = String(row.id);
    return {session: (await store.sessions.session(id))!, bars: await store.sessions.bars(id), journal: await store.sessions.journal(id), trades: await store.runs.trades(id, SYMBOL)};
  } finally {
    store.close();
  }
}

describe('a model reload survives a restart', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    await killBots(bots);
    await exchange?.close();
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('swaps at a bar boundary, replays each bar with the model that scored it after kill -9, and live diff agrees', async () => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-model-restart-'));
    const modelsDir = join(dir, 'models');
    const registry = new ModelRegistry(modelsDir);
    const sha = {'1': writeModel(registry, '1', LEAF['1']), '2': writeModel(registry, '2', LEAF['2'])};
    registry.pin(MODEL, '1', 'live');
    const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 40);
    const future = all.slice(HISTORY);
    // Settlements at 16:00 the day before, 00:00 and 08:00 (the feature set reads funding).
    const settlements = [20, 12, 4].map((h) => ({fundingTime: T0 - h * 3_600_000, fundingRate: 0.0001, markPrice: 30_000}));
    exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, funding: {BTCUSDT: settlements}});
    const db = join(dir, 'bot.duckdb');
    const args = ['--config', writeBotConfig(dir, CONFIG), '--db', db, '--models-dir', modelsDir, '--api-port', '0'];
    const env = botEnv(exchange, {IFTB_ADMIN_TOKEN: ADMIN_TOKEN, IFTB_API_PORT: '', IFTB_LLM_BASE_URL: '', OPENAI_API_KEY: ''});

    const launch = async () => {
      const bot = startBot(args, env, {api: true});
      bots.push(bot);
      const url = await apiUrlOf(bot);
      await bot.waitFor(/session p[0-9a-f]{8} running/, 'the session to run');
      return {bot, url};
    };
    /** The ML score in the status line of each bar (the line comes after the bar's commit). */
    const scores = new Map<number, number>();
    const step = async (bot: BotProcess, bar: Bar) => {
      exchange!.advance({symbol: 'BTCUSDT', bar});
      const line = await bot.waitFor(statusLineOf(bar.openTime + MINUTE), `the status line of ${new Date(bar.openTime).toISOString()}`);
      scores.set(bar.openTime, Number(ML_SCORE.exec(line)?.[1]));
    };
    const reload = async (url: string) => {
      const r = await fetch(`${url}/api/ml/reload-model`, {method: 'POST', headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'}, body: JSON.stringify({reason: 'test'})});
      expect(r.status).toBe(200);
      return (await r.json()) as {outcome: string; models: {model: string; sha256: string}[]};
    };
    const status = async (url: string) => (await (await fetch(`${url}/api/status`)).json()) as {trading_state: string; restrictions: Record<string, string>; models: {model: string; sha256: string}[]};
    const v1 = Number(scoreOf(LEAF['1']).toFixed(2));
    const v2 = Number(scoreOf(LEAF['2']).toFixed(2));

    // Ten bars on version 1, a reload to version 2 between bars, ten more; then kill -9.
    let {bot, url} = await launch();
    for (const bar of future.slice(0, 10)) await step(bot, bar);
    registry.pin(MODEL, '2', 'live');
    expect(await reload(url)).toMatchObject({outcome: 'ok', models: [{model: `${MODEL}@2`, sha256: sha['2']}]});
    for (const bar of future.slice(10, 20)) await step(bot, bar);
    bot.kill('SIGKILL');
    expect((await bot.exited).signal).toBe('SIGKILL');

    // The stored records say which sha256 scored each bar: version 1 up to bar 9, version 2 from bar 10.
    let stored = await readStore(db);
    expect(stored.bars).toHaveLength(20);
    expect(stored.session.models).toEqual([{ref: `${MODEL}@live`, model: `${MODEL}@1`, sha256: sha['1']}]);
    const swaps = modelSwaps(stored.bars, stored.journal);
    expect(swaps).toEqual([expect.objectContaining({source: `ml.${MODEL}@1`, from: `${MODEL}@1`, model: `${MODEL}@2`, sha256: sha['2'], fromBarMs: future[10].openTime})]);
    const timeline = modelTimeline(stored.session, swaps);
    for (const [k, bar] of future.slice(0, 20).entries()) {
      expect(modelsAt(timeline, bar.openTime).get(`${MODEL}@live`), `bar ${k}`).toBe(k < 10 ? sha['1'] : sha['2']);
      expect(scores.get(bar.openTime), `bar ${k}`).toBe(k < 10 ? v1 : v2);
    }

    // The channel goes back to version 1 meanwhile: the restart still follows the journal, not the pin.
    registry.pin(MODEL, '1', 'live');
    ({bot, url} = await launch());
    await bot.waitFor(/replayed 20 committed bars of p[0-9a-f]{8}/, 'the replay');
    expect(bot.output()).toMatch(/replayed 20 committed bars of p[0-9a-f]{8}, journal identical/);
    let s = await status(url);
    expect(s.trading_state).toBe('active');
    expect(s.restrictions).toEqual({});
    expect(s.models).toEqual([expect.objectContaining({model: `${MODEL}@2`, sha256: sha['2']})]);
    for (const bar of future.slice(20, 25)) await step(bot, bar);
    for (const bar of future.slice(20, 25)) expect(scores.get(bar.openTime)).toBe(v2);
    // A later reload still works: the pin (version 1) serves from the next bar.
    expect(await reload(url)).toMatchObject({outcome: 'ok', models: [{model: `${MODEL}@1`, sha256: sha['1']}]});
    for (const bar of future.slice(25, 30)) await step(bot, bar);
    for (const bar of future.slice(25, 30)) expect(scores.get(bar.openTime)).toBe(v1);
    bot.kill('SIGKILL');
    await bot.exited;

    // Two swaps replayed: identical again, and trading active.
    ({bot, url} = await launch());
    await bot.waitFor(/replayed 30 committed bars of p[0-9a-f]{8}/, 'the second replay');
    expect(bot.output()).toMatch(/replayed 30 committed bars of p[0-9a-f]{8}, journal identical/);
    s = await status(url);
    expect(s.trading_state).toBe('active');
    expect(s.models).toEqual([expect.objectContaining({model: `${MODEL}@1`, sha256: sha['1']})]);
    bot.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    stored = await readStore(db);
    expect(stored.journal.filter((e) => e.type === 'error')).toEqual([]);
    expect(modelSwaps(stored.bars, stored.journal).map((w) => [w.model, w.fromBarMs])).toEqual([[`${MODEL}@2`, future[10].openTime], [`${MODEL}@1`, future[25].openTime]]);
    expect(stored.trades.length).toBeGreaterThan(0);

    // iftb live diff replays each bar with the model that scored it: every trade identical.
    const diff = await iftb(['live', 'diff', stored.session.sessionId, '--db', db, '--models-dir', modelsDir, '--out', join(dir, 'diff.html'), '--json']);
    expect(diff.code, diff.stderr).toBe(0);
    const report = JSON.parse(diff.stdout) as {models: unknown[]; diff: {pairs: {cause: string}[]; live: {trades: number; netPnl: number}; replay: {trades: number; netPnl: number}}};
    expect(report.models).toEqual([
      {ref: `${MODEL}@live`, model: `${MODEL}@1`, sha256: sha['1'], fromMs: stored.session.firstBarMs},
      {ref: `${MODEL}@live`, model: `${MODEL}@2`, sha256: sha['2'], fromMs: future[10].openTime},
      {ref: `${MODEL}@live`, model: `${MODEL}@1`, sha256: sha['1'], fromMs: future[25].openTime},
    ]);
    expect(report.diff.live.trades).toBe(stored.trades.length);
    expect(report.diff.pairs.map((p) => p.cause)).toEqual(report.diff.pairs.map(() => 'identical'));
    expect(report.diff.replay.netPnl).toBe(report.diff.live.netPnl);
    // One model for the whole session (what the diff did before) would not match: the swaps matter here.
    const store = await DuckDbStore.open(db, {seed: false});
    try {
      const {strategyVersion: _v, strategySource: _s, models: _m, instrumentSpec: _i, ...trading} = (stored.session.config as {trading: Record<string, unknown>}).trading;
      const single = await runBacktest(store, {...trading, fromMs: stored.session.firstBarMs, toMs: future[30].openTime}, {modelsDir});
      const pairs = diffTrades(stored.trades, single.ledger.trades, {timeframeMs: MINUTE, missedBars: new Map(), rejections: new Map()}).pairs;
      expect(pairs.some((p) => p.cause !== 'identical')).toBe(true);
    } finally {
      store.close();
    }
  }, 240_000);
});
