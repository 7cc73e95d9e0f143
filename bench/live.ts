/**
 * Live-loop speed and memory (issue 12 "Speed"): paper sessions fed by the local Binance USDⓈ-M
 * exchange (its own process, real HTTP and WebSocket on 127.0.0.1) over a simulated day of 1m bars
 * (BENCH_BARS, default 1440), driven as fast as the bot decides them, in two cases:
 *  - `sma-cross`: two SMAs;
 *  - `ensemble`: TA composite + the ML source scoring every bar with the shipped XGBoost model's
 *    ONNX file (models/xgb-dir/1, 150 trees; registered for 1m bars in a temporary registry — the
 *    bench times inference, not skill), features over a 500-bar warm-up, funding settled by the
 *    exchange every 8 h. LLM off: no endpoint is given, so that source abstains.
 * Decision latency: the closing kline received → the step done and its orders handed to the venue,
 * on the monotonic clock (the loop's `decisionMs`, fractional; the breaker reads whole ms).
 * RSS is printed after the first simulated hour and at the end of each case.
 * Last line (the ensemble case): decision_p50_ms=… decision_p99_ms=… bars=… rss_start_mb=… rss_end_mb=…
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {Agent, request} from 'node:http';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseLiveConfig} from '../src/app/live-config.js';
import {startLive} from '../src/app/live-runner.js';
import type {Bar} from '../src/core/index.js';
import {MODEL_ONNX, MODEL_XGB_JSON, type ModelManifest} from '../src/ml/manifest.js';
import {ModelRegistry} from '../src/ml/registry.js';

const BARS = Number(process.env.BENCH_BARS ?? 1440);
const MINUTE = 60_000;
const T0 = Date.UTC(2025, 2, 3, 0, 0);
const ROOT = resolve(import.meta.dirname, '../..');

function waveBars(fromMs: number, n: number): Bar[] {
  const bars: Bar[] = [];
  let price = 30_000;
  let s = 1;
  const random = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
  for (let i = 0; i < n; i++) {
    const open = Math.round(price * 10) / 10;
    const close = Math.round((open + Math.sin(i / 9) * 35 + (random() - 0.5) * 20) * 10) / 10;
    bars.push({openTime: fromMs + i * MINUTE, open, high: Math.max(open, close) + 3, low: Math.min(open, close) - 3, close, volume: 10 + Math.round(random() * 50)});
    price = close;
  }
  return bars;
}

async function startExchange(options: unknown): Promise<{url: string; child: ChildProcess}> {
  const child = spawn(process.execPath, ['--import', join(ROOT, 'test/support/binance-exchange/ts-register.mjs'), join(ROOT, 'test/support/binance-exchange/main.ts'), '--options', JSON.stringify(options)], {stdio: ['ignore', 'pipe', 'inherit']});
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) done({url: (JSON.parse(out.slice(0, out.indexOf('\n'))) as {url: string}).url, child});
    });
    child.once('exit', (code) => fail(new Error(`local exchange exited (${code})`)));
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}


interface CaseResult {
  readonly name: string;
  readonly decisions: number[];
  readonly inferenceMs: number[];
  readonly seconds: number;
  readonly trades: number;
  /** Bars the ML source read (not abstaining), of the decided ones. */
  readonly mlActive: number;
  readonly rssStart: number;
  readonly rssEnd: number;
}

/** With --expose-gc (npm run bench:live), collected first: what stays, not what the collector has not reached yet. */
const gc = (globalThis as {gc?: () => void}).gc;
const rss = () => {
  gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
};
const heap = () => Math.round(process.memoryUsage().heapUsed / 1048576);

/** The shipped model's files, registered as a 1m model (a session refuses a model of another timeframe). */
function benchRegistry(dir: string): string {
  const modelsDir = join(dir, 'models');
  const shipped = join(ROOT, 'models/xgb-dir/1');
  const manifest = JSON.parse(readFileSync(join(shipped, 'manifest.json'), 'utf8')) as ModelManifest;
  const {files: _files, ...rest} = manifest;
  const registry = new ModelRegistry(modelsDir);
  registry.write('bench-xgb', '1', {[MODEL_ONNX]: readFileSync(join(shipped, MODEL_ONNX)), [MODEL_XGB_JSON]: readFileSync(join(shipped, MODEL_XGB_JSON))},
    {...rest, name: 'bench-xgb', version: '1', market: {...manifest.market, timeframe: '1m'}});
  registry.pin('bench-xgb', '1', 'live');
  return modelsDir;
}

async function runCase(name: string, trading: Record<string, unknown>, history: number, modelsDir?: string): Promise<CaseResult> {
  const all = waveBars(T0 - history * MINUTE, history + BARS);
  // Settlements in the day before T0 (the feature set reads the latest within 24 h); the exchange settles the later ones itself.
  const funding = [20, 12, 4].map((h) => ({fundingTime: T0 - h * 3_600_000, fundingRate: 0.0001, markPrice: 30_000}));
  const {url, child} = await startExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, history)}, funding: {BTCUSDT: funding}});
  // node:http on one kept-alive connection, not fetch: the driver's own work on the answer (which
  // arrives with the kline) lands inside the bot's decision whenever the loop yields (an ONNX run does).
  const agent = new Agent({keepAlive: true, maxSockets: 1});
  const control = (op: string, ...args: unknown[]) => new Promise<void>((done, fail) => {
    const body = JSON.stringify({op, args});
    const req = request(`${url}/__iftb/control`, {method: 'POST', agent, headers: {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)}}, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`control ${op}: ${res.statusCode} ${text}`))));
    });
    req.once('error', fail);
    req.end(body);
  });
  const dir = mkdtempSync(join(tmpdir(), `iftb-bench-live-${name}-`));
  try {
    const config = parseLiveConfig({...trading, symbol: 'BTC/USDT:USDT', timeframe: '1m', funding: false, breaker: {latency: {enabled: false}}, live: {pollGraceMs: 60_000, statusLines: false}});
    const env = {IFTB_BINANCE_REST_URL: url, IFTB_BINANCE_WS_URL: url.replace(/^http/, 'ws')};
    const handle = await startLive(config, {db: join(dir, 'bench.duckdb'), env, log: () => {}, ...(modelsDir === undefined ? {} : {modelsDir})});
    const decisions: number[] = [];
    const inferenceMs: number[] = [];
    let waiting: {openTime: number; done: () => void} | null = null;
    handle.loop.observe({slot: (s) => {
      decisions.push(s.decisionMs);
      for (const x of s.inference) inferenceMs.push(x.seconds * 1000);
      if (waiting !== null && s.openTimeMs === waiting.openTime) waiting.done();
    }});
    let rssStart = rss();
    const started = performance.now();
    for (const [k, bar] of all.slice(history).entries()) {
      const decided = new Promise<void>((done) => (waiting = {openTime: bar.openTime, done}));
      // The closing kline alone: Binance streams a forming update every 250 ms, never back to back with the close as the local exchange would.
      await control('advance', {symbol: 'BTCUSDT', bar, forming: false});
      await decided;
      if (k === 59) rssStart = rss(); // after the first simulated hour: JIT and buffers warm
      if ((k + 1) % 360 === 0) console.log(`${name}: ${k + 1} bars (${((k + 1) / 60).toFixed(0)} h simulated) rss ${rss()} MB heap ${heap()} MB`);
    }
    const seconds = (performance.now() - started) / 1000;
    const rssEnd = rss();
    const trades = handle.session.parts.ledger.trades.length;
    const engine = handle.session.parts.engine;
    const ml = engine.recorder.lanes[0].signals.find((x) => x.source === 'ml');
    let mlActive = 0;
    for (let i = engine.slots - decisions.length; ml !== undefined && i < engine.slots; i++) mlActive += ml.active[i];
    await handle.stop('bench end');
    return {name, decisions, inferenceMs, seconds, trades, mlActive, rssStart, rssEnd};
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    rmSync(dir, {recursive: true, force: true});
  }
}

const ms = (x: number) => x.toFixed(3);
function summary(r: CaseResult): string {
  const sorted = [...r.decisions].sort((a, b) => a - b);
  return `decision_p50_ms=${ms(percentile(sorted, 50))} decision_p99_ms=${ms(percentile(sorted, 99))} bars=${r.decisions.length} rss_start_mb=${r.rssStart} rss_end_mb=${r.rssEnd}`;
}
function report(r: CaseResult): void {
  const sorted = [...r.decisions].sort((a, b) => a - b);
  console.log(`${r.name}: ${r.decisions.length} bars in ${r.seconds.toFixed(1)} s wall (${(r.decisions.length / r.seconds).toFixed(0)} bars/s), ${r.trades} closed trades, decision max ${ms(sorted.at(-1) ?? NaN)} ms`);
  if (r.inferenceMs.length > 0) {
    const inf = [...r.inferenceMs].sort((a, b) => a - b);
    console.log(`${r.name}: ML per bar (features + ONNX) p50 ${ms(percentile(inf, 50))} ms p99 ${ms(percentile(inf, 99))} ms; the model read ${r.mlActive} of ${r.decisions.length} bars`);
  }
  console.log(`case=${r.name} ${summary(r)}`);
}

const work = mkdtempSync(join(tmpdir(), 'iftb-bench-live-models-'));
try {
  const sma = await runCase('sma-cross', {strategy: 'sma-cross', params: {fast: 5, slow: 20, qty: 0.01}}, 200);
  report(sma);
  const modelsDir = benchRegistry(work);
  const ensemble = await runCase('ensemble', {strategy: 'ensemble', params: {model: 'bench-xgb@live', entry: 0.1, exit: 0.02, minConfidence: 0.1}}, 600, modelsDir);
  if (ensemble.mlActive !== ensemble.decisions.length) throw new Error(`the ML source read ${ensemble.mlActive} of ${ensemble.decisions.length} bars: the case would not time inference`);
  report(ensemble);
  console.log(summary(ensemble));
} finally {
  rmSync(work, {recursive: true, force: true});
}
