/**
 * ML source speed: the shipped model (models/xgb-dir, live pin) through onnxruntime-node.
 *   - batch inference rows/s (the backtest path: one prepare, one batch; target ≥ 250 k rows/s)
 *   - single-row latency p50/p99 (the live path: one bar, one row; target p99 < 1 ms)
 *   - ohlcv-v1 feature throughput, columnar (replay/training) and per bar (live)
 * on synthetic 1h random-walk candles with 8-hourly funding. Run `npm run build` first.
 * Last line: batch_rows_per_s=<N> single_row_p50_ms=<a> single_row_p99_ms=<b> features_rows_per_s=<c>
 */
import {defaultModelsDir, openRegistry} from '../src/app/models.js';
import {allocateBarColumns} from '../src/core/index.js';
import {OnnxModel} from '../src/ml/onnx-model.js';
import {computeFeatures, FeatureStream, toFloat32Rows} from '../src/signals/ml/index.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 500_000);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 20_000);
const HOUR = 3_600_000;

function syntheticMarket(n: number) {
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bars = allocateBarColumns(n);
  const start = Date.UTC(2000, 0, 1);
  let price = 30_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp(-0.0005 * Math.log(open / 30_000) + (random() - 0.5) * 0.02);
    bars.openTime[i] = start + i * HOUR;
    bars.open[i] = open;
    bars.close[i] = close;
    bars.high[i] = Math.max(open, close) * (1 + random() * 0.005);
    bars.low[i] = Math.min(open, close) * (1 - random() * 0.005);
    bars.volume[i] = 100 + random() * 5_000;
    price = close;
  }
  const count = Math.floor(n / 8);
  const funding = {length: count, time: new Float64Array(count), rate: new Float64Array(count)};
  for (let k = 0; k < count; k++) {
    funding.time[k] = start + (k + 1) * 8 * HOUR;
    funding.rate[k] = (random() - 0.4) * 0.0002;
  }
  return {bars, funding};
}

const percentile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  const registry = openRegistry(defaultModelsDir());
  const loaded = registry.load('xgb-dir@live');
  const m = loaded.manifest;
  console.log(`model ${loaded.id}: ${m.trainer.trees} trees, max depth ${m.params.max_depth}, ${m.trainer.leaves} leaves, model.onnx ${(m.files['model.onnx'].bytes / 1024).toFixed(1)} KB`);

  const {bars, funding} = syntheticMarket(ROWS + 500);
  let t = performance.now();
  const matrix = computeFeatures(m.features.set, bars, funding, HOUR, 500, bars.length);
  const featureMs = performance.now() - t;
  const rows = toFloat32Rows(matrix);
  const stream = new FeatureStream(HOUR);
  const row = new Float64Array(matrix.names.length);
  t = performance.now();
  for (let i = 0; i < bars.length; i++) stream.update(bars, i, funding, row);
  const streamMs = performance.now() - t;
  const featuresPerS = matrix.rows / (featureMs / 1000);
  console.log(`features ohlcv-v1: columns ${Math.round(featuresPerS).toLocaleString('en-US')} rows/s, per bar ${Math.round(bars.length / (streamMs / 1000)).toLocaleString('en-US')} bars/s`);

  const model = await OnnxModel.load(loaded.onnx, {id: loaded.id, featureSet: m.features.set, featureNames: m.features.names});
  await model.predict(rows.subarray(0, 1_000 * matrix.names.length), 1_000); // warm up
  const batch: number[] = [];
  for (let k = 0; k < 5; k++) {
    t = performance.now();
    await model.predict(rows, matrix.rows);
    batch.push(matrix.rows / ((performance.now() - t) / 1000));
  }
  batch.sort((a, b) => a - b);
  const batchRate = batch[2];
  console.log(`batch inference (1 thread, ${matrix.rows.toLocaleString('en-US')} rows, median of 5): ${Math.round(batchRate).toLocaleString('en-US')} rows/s (best ${Math.round(batch[4]).toLocaleString('en-US')})`);

  const width = matrix.names.length;
  for (let k = 0; k < 500; k++) await model.predict(rows.subarray(k * width, (k + 1) * width), 1);
  const lat = new Float64Array(SINGLE);
  for (let k = 0; k < SINGLE; k++) {
    const r = (k * 7919) % matrix.rows;
    const one = rows.subarray(r * width, (r + 1) * width);
    const s = performance.now();
    await model.predict(one, 1);
    lat[k] = performance.now() - s;
  }
  lat.sort();
  const p50 = percentile(lat, 0.5), p99 = percentile(lat, 0.99);
  console.log(`single-row latency (${SINGLE.toLocaleString('en-US')} calls): p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${lat[lat.length - 1].toFixed(3)} ms`);
  await model.release();
  console.log(`batch_rows_per_s=${Math.round(batchRate)} single_row_p50_ms=${p50.toFixed(4)} single_row_p99_ms=${p99.toFixed(4)} features_rows_per_s=${Math.round(featuresPerS)}`);
}

await main();
