/**
 * `iftb live --shadow`: a challenger model version beside the pinned champion, against the local
 * Binance exchange. The two models read the last bar's return (feature ret_1; shadow-models.ts) and disagree: the
 * champion is bullish after an up bar, the challenger after a down bar, so their readings differ
 * bar by bar and depend on the candles (what `iftb compare --session` must reproduce).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../../src/adapters/duckdb/index.js';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import {shadowRunId} from '../../../src/app/live-shadow.js';
import {attachTelemetry} from '../../../src/app/live-telemetry.js';
import {promoteModel, rollbackModel} from '../../../src/app/model-promotion.js';
import {compareSession} from '../../../src/app/session-compare.js';
import type {Bar, JournalEvent} from '../../../src/core/index.js';
import {ModelRegistry} from '../../../src/ml/registry.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {MINUTE, waveBars} from '../../support/live-candles.js';
import {iftb} from '../../support/cli.js';
import {BUSY_ENSEMBLE} from '../../support/ensemble-params.js';
import {SHADOW_MODEL, writeSplitModel} from '../../support/shadow-models.js';
import {waitFor} from '../../support/wait.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const HISTORY = 560;
const LIVE_BARS = 24;
const MODEL = SHADOW_MODEL;
const SYMBOL = 'BTC/USDT:USDT';

const readingsOf = (journal: readonly JournalEvent[]) => journal.filter((e): e is Extract<JournalEvent, {type: 'reading'}> => e.type === 'reading');

/** Deletes the shadow run's last committed bar (its bar row, journal events, cash rows and closed trades); returns its open time. */
async function dropLastShadowCommit(db: string, sessionId: string): Promise<number> {
  const store = await DuckDbStore.open(db, {seed: false});
  try {
    const run = shadowRunId(sessionId);
    const rows = await store.sessions.bars(run);
    const [before, last] = rows.slice(-2);
    const t = last.barOpenMs;
    await store.db.run(`DELETE FROM session_bars WHERE session_id = '${run}' AND bar_open_ms = ${t}`);
    await store.db.run(`DELETE FROM run_journal WHERE run_id = '${run}' AND seq >= ${before.journalEnd}`);
    await store.db.run(`DELETE FROM run_cash WHERE run_id = '${run}' AND time_ms >= ${t}`);
    await store.db.run(`DELETE FROM run_trades WHERE run_id = '${run}' AND exit_time_ms >= ${t}`);
    expect((await store.sessions.bars(run)).length).toBe(rows.length - 1);
    return t;
  } finally {
    await store.close();
  }
}

describe('a shadow challenger beside the pinned champion', () => {
  let dir = '';
  let modelsDir = '';
  let bars: Bar[] = [];
  const exchanges: LocalBinanceExchange[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iftb-shadow-'));
    modelsDir = join(dir, 'models');
    const registry = new ModelRegistry(modelsDir);
    writeSplitModel(registry, '1', -0.8, 1.2); // champion: bullish after an up bar
    writeSplitModel(registry, '2', 1.2, -0.8); // challenger: the opposite
    writeSplitModel(registry, '3', -0.8, 1.2, {timeframe: '1h'});
    writeSplitModel(registry, '4', -0.8, 1.2, {featureSet: 'ohlcv-v0'});
    writeSplitModel(registry, '5', 0.9, -0.3);
    registry.pin(MODEL, '1', 'live');
    bars = waveBars(T0 - HISTORY * MINUTE, HISTORY + LIVE_BARS + 4, 4); // seed 4: the wave turns within the live bars
  });
  afterAll(async () => {
    for (const e of exchanges) await e.close();
    rmSync(dir, {recursive: true, force: true});
  });

  async function session(name: string, mode: 'paper' | 'live', shadow?: string) {
    const settlements = [20, 12, 4].map((h) => ({fundingTime: T0 - h * 3_600_000, fundingRate: 0.0001, markPrice: 30_000}));
    const exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars.slice(0, HISTORY)}, funding: {BTCUSDT: settlements}, walletBalance: 20_000});
    exchanges.push(exchange);
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, ...(mode === 'live' ? {BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret} : {})};
    const db = join(dir, `${name}.duckdb`);
    const config = parseLiveConfig({
      strategy: 'ensemble', symbol: SYMBOL, timeframe: '1m', params: {model: `${MODEL}@live`, ...BUSY_ENSEMBLE, entry: 0.1, exit: 0.02, minConfidence: 0.1}, funding: false,
      breaker: {latency: {enabled: false}}, live: {mode, pollGraceMs: 60_000, statusLines: false, ...(shadow === undefined ? {} : {shadow})},
    });
    const lines: string[] = [];
    const start = (other = config) => {
      if (other.live.shadow !== undefined && config.live.shadow === undefined && shadowFrom === 0) shadowFrom = next - HISTORY;
      return startLive(other, {db, env, modelsDir, log: (l) => lines.push(l), ...(mode === 'live' ? {confirmLive: SYMBOL} : {})});
    };
    let next = HISTORY;
    // Bars decided before the shadow joined (a shadow added on resume).
    let shadowFrom = 0;
    const s = {
      db, exchange, lines, start, config, handle: null as LiveHandle | null,
      async advance(n: number) {
        for (let k = 0; k < n; k++) {
          const bar = bars[next++];
          exchange.advance({symbol: 'BTCUSDT', bar});
          await waitFor(() => s.handle!.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()} (log: ${lines.slice(-3).join(' | ')})`);
          // The shadow steps the slot after the champion: wait for its commit too.
          await waitFor(() => {
            const shadow = s.handle!.loop.status().shadow;
            return shadow === undefined || (shadow.bars === next - HISTORY - shadowFrom && shadow.pendingCommits === 0);
          }, 'the shadow commit');
        }
      },
    };
    return s;
  }

  it('paper: records both readings, the shadow trades only its simulated venue, survives a restart, and compare --session reproduces the readings', async () => {
    const s = await session('paper', 'paper', `${MODEL}@2`);
    s.handle = await s.start();
    const sessionId = s.handle.session.session.sessionId;
    await s.advance(LIVE_BARS - 4);
    await s.handle.stop('test restart');
    // As if the bot died between the champion's commit of the last bar and the shadow's: that commit is removed.
    const lost = await dropLastShadowCommit(s.db, sessionId);
    s.handle = await s.start();
    expect(s.handle.session.session.sessionId).toBe(sessionId);
    expect(s.lines.some((l) => /replayed \d+ committed bars .*journal identical/.test(l))).toBe(true);
    await s.advance(4);
    const status = s.handle.loop.status();
    // The restart replayed the shadow's committed bars (no commit twice, none deferred) and checked its journal.
    expect(status.shadow).toMatchObject({runId: shadowRunId(sessionId), challenger: `${MODEL}@2`, replayMismatch: null, bars: LIVE_BARS, pendingCommits: 0});
    expect(s.lines.filter((l) => /shadow/.test(l) && /deferred|failed|DIFFERS/.test(l))).toEqual([]);
    expect(s.handle.session.shadow!.journal.some((e) => e.type === 'reading' && e.barOpenMs === lost)).toBe(true);
    // The champion's journal carries no shadow event; the shadow's carries one reading per bar with both models.
    const champion = s.handle.loop.journal;
    expect(champion.some((e) => e.type === 'reading')).toBe(false);
    await s.handle.stop('test end');
    // Resumed with another challenger: refused (the shadow run would mix two models).
    await expect(s.start({...s.config, live: {...s.config.live, shadow: `${MODEL}@5`}})).rejects.toThrow(/--shadow: session .*'s shadow ran tiny@2 .*start with --shadow tiny@2, or pass --new-session/);

    // The CLI (built): the same comparison, as JSON and a page.
    const page = join(dir, 'reports', 'cli.html');
    const cli = await iftb(['compare', '--session', sessionId, '--db', s.db, '--models-dir', modelsDir, '--resamples', '200', '--json', '--html', page]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({sessionId, shadowRunId: shadowRunId(sessionId), readings: {reproduced: true, differing: []}, html: page});
    expect(readFileSync(page, 'utf8')).toContain('Champion and shadow on the live bars');

    const store = await DuckDbStore.open(s.db, {seed: false});
    try {
      const shadowBars = await store.sessions.bars(shadowRunId(sessionId));
      expect(shadowBars.map((b) => b.barOpenMs)).toEqual((await store.sessions.bars(sessionId)).map((b) => b.barOpenMs));
      expect(shadowBars).toHaveLength(LIVE_BARS);
      const readings = readingsOf(await store.sessions.journal(shadowRunId(sessionId)));
      expect(readings).toHaveLength(LIVE_BARS);
      const scores = readings.map((r) => [r.readings.find((x) => x.role === 'champion')!, r.readings.find((x) => x.role === 'challenger')!]);
      for (const [a, b] of scores) {
        expect(a.model).toBe(`${MODEL}@1`);
        expect(b.model).toBe(`${MODEL}@2`);
        expect(a.score).not.toBeNull();
        expect(Math.sign(a.score!)).toBe(-Math.sign(b.score!));
      }
      // Both signs occur: the readings follow the candles.
      expect(new Set(scores.map(([a]) => Math.sign(a.score!))).size).toBe(2);
      // The shadow's intents are its own (the champion never acted on them): opposite sides on the same bars.
      const shadowJournal = await store.sessions.journal(shadowRunId(sessionId));
      const sides = (j: readonly JournalEvent[]) => j.filter((e) => e.type === 'order').map((e) => (e.type === 'order' ? `${e.timeMs} ${e.order.side}` : ''));
      expect(sides(shadowJournal).length).toBeGreaterThan(0);
      expect(sides(shadowJournal)).not.toEqual(sides(champion));
      expect((await store.runs.get(shadowRunId(sessionId)))?.mode).toBe('paper');

      const out = join(dir, 'reports', 'shadow.html');
      const c = await compareSession(store, store, sessionId, {modelsDir, out, resamples: 200});
      expect(c.readings).toMatchObject({recorded: LIVE_BARS, checked: 2 * LIVE_BARS, reproduced: true, differing: []});
      expect(c.champion.model).toBe(`${MODEL}@1`);
      expect(c.challenger.model).toBe(`${MODEL}@2`);
      expect(c.mlHits.bars).toBeGreaterThan(0);
      expect(c.mlHits.hitRateA! + c.mlHits.hitRateB!).toBeCloseTo(1, 9);
      expect(c.verdictMethod).toMatch(/Holm/);
      expect(c.champion.calibration?.rows).toBeGreaterThan(0);
      expect(readFileSync(out, 'utf8')).toContain('Readings reproduced');

      // A stored candle edited afterwards (its move mirrored, so ret_1 flips sign): that bar no longer reproduces, and compare says so.
      const edited = bars[HISTORY + 5];
      const mirrored = 2 * bars[HISTORY + 4].close - edited.close;
      await store.db.run(`UPDATE candles SET close = ${mirrored}, high = greatest(high, ${mirrored}), low = least(low, ${mirrored}) WHERE timeframe = '1m' AND open_time_ms = ${edited.openTime}`);
      const again = await compareSession(store, store, sessionId, {modelsDir, out: join(dir, 'reports', 'edited.html'), resamples: 200});
      expect(again.readings.reproduced).toBe(false);
      expect(again.readings.differing.map((d) => [d.barOpenMs, d.role])).toContainEqual([edited.openTime, 'champion']);
      expect(again.readings.differing.map((d) => [d.barOpenMs, d.role])).toContainEqual([edited.openTime, 'challenger']);
      expect(readFileSync(join(dir, 'reports', 'edited.html'), 'utf8')).toContain('NOT reproduced');
      await store.db.run(`UPDATE candles SET close = ${edited.close}, high = ${edited.high}, low = ${edited.low} WHERE timeframe = '1m' AND open_time_ms = ${edited.openTime}`);

      // The promotion cites the shadow comparison: challenger = the version promoted, champion = the channel's pin.
      await expect(promoteModel(store, {ref: `${MODEL}@3`, channel: 'live', evidence: `shadow:${sessionId}`, config: {strategy: 'ensemble', symbol: SYMBOL, timeframe: '1m', params: {model: `${MODEL}@live`}}}, {modelsDir, reportsDir: join(dir, 'reports')}))
        .rejects.toThrow(/shadow challenger tiny@2, not tiny@3/);
      // The fixture models fail the row gates (20 validation rows, AUC 0.5): forced, and the history keeps the shadow's gate and evidence.
      const outcome = await promoteModel(store, {
        ref: `${MODEL}@2`, channel: 'live', evidence: `shadow:${sessionId}`, force: true, reason: 'shadow session evidence', by: 'test',
        config: {strategy: 'ensemble', symbol: SYMBOL, timeframe: '1m', params: {model: `${MODEL}@live`, ...BUSY_ENSEMBLE, entry: 0.1, exit: 0.02, minConfidence: 0.1}, funding: false},
      }, {modelsDir, reportsDir: join(dir, 'reports')});
      const gate = outcome.gates.find((g) => g.gate === 'champion')!;
      expect(gate.figure).toMatch(/vs tiny@1 \(shadow session .*, 24 live bars\)/);
      expect(outcome.evidence.shadow).toMatchObject({session: sessionId, champion: `${MODEL}@1`, challenger: `${MODEL}@2`, readingsReproduced: true, bars: LIVE_BARS});
      const entry = new ModelRegistry(modelsDir).history(MODEL).at(-1)!;
      expect(entry).toMatchObject({action: 'force', version: '2', from: '1', reason: 'shadow session evidence'});
      expect(entry.gates.find((g) => g.gate === 'champion')?.figure).toBe(gate.figure);
      expect(entry.evidence?.shadow).toMatchObject({session: sessionId, challenger: `${MODEL}@2`});
      // Back to the champion for the other tests (recorded as a rollback).
      rollbackModel(new ModelRegistry(modelsDir), MODEL, 'live', {by: 'test', reason: 'test done'});
    } finally {
      await store.close();
    }
  });

  it('live: only the champion orders reach the exchange', async () => {
    const s = await session('live', 'live', `${MODEL}@2`);
    s.handle = await s.start();
    const sessionId = s.handle.session.session.sessionId;
    const telemetry = attachTelemetry(s.handle, {defaultMetrics: false});
    await s.advance(12);
    // /metrics: the shadow's latest ML score and would-be equity beside the champion's.
    const body = (await telemetry.metrics()).body;
    const shadowStatus = s.handle.loop.status().shadow!;
    expect(body).toContain(`iftb_shadow_equity_usdt{model="tiny@2"} ${shadowStatus.equity}`);
    const recorded = readingsOf(s.handle.session.shadow!.journal).at(-1)!.readings.find((r) => r.role === 'challenger')!.score;
    expect(body).toContain(`iftb_shadow_signal_score{model="tiny@2"} ${recorded}`);
    await telemetry.close();
    const championOrders = s.handle.loop.journal.filter((e) => e.type === 'order');
    const shadowOrders = s.handle.session.shadow!.journal.filter((e) => e.type === 'order');
    expect(championOrders.length).toBeGreaterThan(0);
    expect(shadowOrders.length).toBeGreaterThan(0);
    await s.handle.stop('test end');
    // The exchange's order log: every request is one of the champion's client ids, none of the shadow's.
    const sent = s.exchange.requestLog('/fapi/v1/order').filter((r) => r.method === 'POST');
    const ids = new Set(championOrders.map((e) => (e.type === 'order' ? e.order.clientOrderId : '')));
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r.params.newClientOrderId).toMatch(new RegExp(`^${sessionId}-\\d+$`));
      expect(ids.has(r.params.newClientOrderId)).toBe(true);
    }
    expect(sent.some((r) => JSON.stringify(r.params).includes('shadow'))).toBe(false);
    expect(s.exchange.orders().length + s.exchange.algoOrders().length).toBeGreaterThanOrEqual(championOrders.length);
  });

  it('a shadow added when a session resumes decides from the next bar', async () => {
    const s = await session('added', 'paper');
    s.handle = await s.start();
    const sessionId = s.handle.session.session.sessionId;
    await s.advance(3);
    await s.handle.stop('test restart');
    s.handle = await s.start({...s.config, live: {...s.config.live, shadow: `${MODEL}@2`}});
    expect(s.handle.session.session.sessionId).toBe(sessionId);
    await s.advance(14);
    await s.handle.stop('test end');
    const store = await DuckDbStore.open(s.db, {seed: false});
    try {
      const champion = (await store.sessions.bars(sessionId)).map((b) => b.barOpenMs);
      const shadow = (await store.sessions.bars(shadowRunId(sessionId))).map((b) => b.barOpenMs);
      expect(champion).toHaveLength(17);
      expect(shadow).toEqual(champion.slice(3));
      expect((await store.sessions.session(shadowRunId(sessionId)))?.firstBarMs).toBe(champion[3]);
      const c = await compareSession(store, store, sessionId, {modelsDir, out: join(dir, 'reports', 'added.html'), resamples: 200});
      expect(c.readings).toMatchObject({recorded: 14, reproduced: true});
      expect(c.window.bars).toBe(14);
    } finally {
      await store.close();
    }
  });

  it('refuses a challenger with another timeframe or feature set, a missing one, or the champion itself, with one line', async () => {
    for (const [ref, pattern] of [
      [`${MODEL}@3`, /--shadow: tiny@3 was trained on 1h bars, the champion tiny@1 on 1m/],
      [`${MODEL}@4`, /--shadow: tiny@4 reads feature set ohlcv-v0, the champion tiny@1 ohlcv-v1/],
      [`${MODEL}@9`, /--shadow: tiny@9: .*no .*tiny@9/i],
      [`${MODEL}@1`, /--shadow: tiny@1 is the champion itself/],
    ] as const) {
      const s = await session(`refused-${ref.replace('@', '-')}`, 'paper', ref);
      await expect(s.start()).rejects.toThrow(pattern);
    }
  });
});
