/**
 * A paper session of the ensemble strategy fed by the local Binance exchange, scoring with tiny
 * hand-written ONNX models (one constant-output tree each: version 1 reads bullish, version 2
 * bearish, so which model scored a bar shows in its ML score), for the operations API tests.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseLiveConfig} from '../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../src/app/live-runner.js';
import type {Bar} from '../../src/core/index.js';
import {MODEL_ONNX, MODEL_XGB_JSON} from '../../src/ml/manifest.js';
import {xgboostJsonToOnnx} from '../../src/ml/onnx-export.js';
import {ModelRegistry} from '../../src/ml/registry.js';
import {OHLCV_V1} from '../../src/signals/ml/index.js';
import {BUSY_ENSEMBLE} from '../support/ensemble-params.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../support/binance-exchange/exchange.js';
import {MINUTE, waveBars} from '../support/live-candles.js';
import {fixtureManifest} from '../support/ml-fixtures.js';

export const T0 = Date.UTC(2025, 2, 3, 12, 0);
export const HISTORY = 560;
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const ADMIN_KEY = 'test-kill-switch-admin-key';
export const MODEL = 'tiny';

/** One tree whose two leaves are both `leaf`: P = sigmoid(leaf) on every row. */
function constantXgboost(leaf: number): string {
  const width = OHLCV_V1.names.length;
  return JSON.stringify({
    version: [1, 7, 4],
    learner: {
      objective: {name: 'binary:logistic'},
      learner_model_param: {base_score: '5E-1', num_class: '0', num_feature: String(width), num_target: '1'},
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: {num_parallel_tree: '1', num_trees: '1'},
          tree_info: [0],
          trees: [{left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [0, 0, 0], split_conditions: [0, leaf, leaf], default_left: [1, 0, 0], split_type: [0, 0, 0], tree_param: {num_nodes: '3'}}],
        },
      },
    },
  });
}

/** The ML score a version's model gives every bar (score scale 1). */
export const scoreOf = (leaf: number) => 2 * Math.fround(1 / (1 + Math.exp(-leaf))) - 1;
export const LEAF = {'1': 1, '2': -1} as const;

export function writeModel(registry: ModelRegistry, version: string, leaf: number): string {
  const json = constantXgboost(leaf);
  const onnx = xgboostJsonToOnnx(json, {featureNames: OHLCV_V1.names, metadata: {feature_set: OHLCV_V1.id}});
  const base = fixtureManifest(MODEL, version);
  const manifest = registry.write(MODEL, version, {[MODEL_ONNX]: onnx, [MODEL_XGB_JSON]: new TextEncoder().encode(json)}, {...base, market: {...base.market, timeframe: '1m'}});
  return manifest.files[MODEL_ONNX].sha256;
}

export interface PaperSession {
  readonly dir: string;
  readonly modelsDir: string;
  readonly db: string;
  readonly exchange: LocalBinanceExchange;
  readonly bars: readonly Bar[];
  readonly sha256: Readonly<Record<'1' | '2', string>>;
  /** What the session logged. */
  readonly lines: string[];
  handle: LiveHandle;
  /** Next live bar index into `bars`. */
  next: number;
  /** Sends the next closed bar and waits until the session decided it (`missClosed`: not on the stream, only over REST). */
  advance(n?: number, missClosed?: boolean): Promise<void>;
  /** Stops the session (SIGTERM semantics) and starts it again on the same store. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startPaperSession(options: {live?: number; breaker?: Record<string, unknown>; pollGraceMs?: number} = {}): Promise<PaperSession> {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-api-'));
  const modelsDir = join(dir, 'models');
  const registry = new ModelRegistry(modelsDir);
  const sha256 = {'1': writeModel(registry, '1', LEAF['1']), '2': writeModel(registry, '2', LEAF['2'])};
  registry.pin(MODEL, '1', 'live');
  const bars = waveBars(T0 - HISTORY * MINUTE, HISTORY + (options.live ?? 60));
  // Settlements at 16:00 the day before, 00:00 and 08:00 (the feature set reads funding).
  const settlements = [20, 12, 4].map((h) => ({fundingTime: T0 - h * 3_600_000, fundingRate: 0.0001, markPrice: 30_000}));
  const exchange = await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: bars.slice(0, HISTORY)}, funding: {BTCUSDT: settlements}});
  const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, KILL_SWITCH_ADMIN_KEY: ADMIN_KEY};
  const db = join(dir, 'bot.duckdb');
  const config = parseLiveConfig({
    strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {...BUSY_ENSEMBLE, model: `${MODEL}@live`, entry: 0.1, exit: 0.02, minConfidence: 0.1}, funding: false,
    // The latency rule is off: a loaded test machine must not trip the breaker.
    breaker: {latency: {enabled: false}, ...(options.breaker ?? {})},
    live: {pollGraceMs: options.pollGraceMs ?? 60_000, statusLines: false},
  });
  const lines: string[] = [];
  const start = () => startLive(config, {db, env, modelsDir, log: (l) => lines.push(l)});
  const session: PaperSession = {
    dir, modelsDir, db, exchange, bars, sha256, lines, handle: await start(), next: HISTORY,
    async advance(n = 1, missClosed = false) {
      for (let k = 0; k < n; k++) {
        const bar = bars[session.next++];
        exchange.advance({symbol: 'BTCUSDT', bar, ...(missClosed ? {missClosed: true} : {})});
        await waitFor(() => session.handle.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()} (last decided ${session.handle.loop.status().lastBarMs}; log: ${lines.slice(-5).join(' | ')})`);
      }
    },
    async restart() {
      await session.handle.stop('test restart');
      session.handle = await start();
    },
    async close() {
      await session.handle.stop('test end').catch(() => undefined);
      await exchange.close();
      rmSync(dir, {recursive: true, force: true});
    },
  };
  return session;
}

/** The ML source's score at the session's latest slot (NaN when it abstained). */
export function latestMlScore(handle: LiveHandle): number {
  const engine = handle.session.parts.engine;
  const slot = engine.slots - 1;
  const ml = engine.recorder.lanes[0].signals.find((s) => s.source === 'ml');
  if (ml === undefined) throw new Error('no ML source');
  return ml.active[slot] === 1 ? ml.score[slot] : Number.NaN;
}
