/**
 * Optimiser throughput (issue 16): 500 `sma-cross` trials on 4 years of hourly BTC from the
 * shipped sample, each a full-pipeline backtest, on a worker-thread pool over all cores; trials
 * stored in a DuckDB store as in `iftb optimize`. The sweep is run in three steps (100, 250, 500
 * trials, each extending the last, each with its summary and report) on one pool, as a research
 * process running several sweeps on the same data keeps its workers (`executor` option), to show
 * memory does not grow with trials. The pool's start (threads, imports, data hash check) is timed
 * once and counted in the total.
 * Memory after each step is taken after a full GC (the npm script passes --expose-gc): heap_mb is
 * what the process still holds (the stored results of the trials, ≈ 12 KB of daily returns each).
 * Last line: trials_per_s=<N> cores=<C> peak_rss_mb=<M> rss_mb_at_100=<a> rss_mb_at_500=<b> heap_mb_at_100=<c> heap_mb_at_500=<d> load_1m=<l>
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {DuckDbStore} from '../src/adapters/duckdb/index.js';
import {prepareSweep, runPrepared} from '../src/app/optimize.js';
import {TrialPool} from '../src/app/optimize-pool.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 500);
const WORKERS = Number(process.env.BENCH_WORKERS ?? availableParallelism());

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-bench-opt-'));
  const store = await DuckDbStore.open(join(dir, 'store.duckdb'));
  try {
    const request = {base: {strategy: 'sma-cross', fromMs: Date.UTC(2022, 2, 1), toMs: Date.UTC(2026, 2, 1)}, sampler: 'random', seed: 1, keep: 0};
    const prepared = await prepareSweep(store, request);
    const bars = prepared.market.bars.length;
    const steps = [Math.round(TRIALS / 5), Math.round(TRIALS / 2), TRIALS];
    const rss: number[] = [];
    const heap: number[] = [];
    const gc = (globalThis as {gc?: () => void}).gc;
    const started = performance.now();
    const pool = await TrialPool.start({market: prepared.market, strategy: prepared.strategyRef, modelsDir: prepared.modelsDir}, WORKERS);
    const poolSeconds = (performance.now() - started) / 1000;
    console.log(`pool of ${pool.size} worker threads started in ${poolSeconds.toFixed(2)} s`);
    const executor = async () => ({run: pool.run.bind(pool), close: async () => {}});
    let seconds = poolSeconds;
    let done = 0;
    for (const trials of steps) {
      const t0 = performance.now();
      const out = await runPrepared(store, prepared, trials, 0, {executor, reportsDir: join(dir, 'reports')});
      const s = (performance.now() - t0) / 1000;
      seconds += s;
      const ran = out.trials.length - done;
      done = out.trials.length;
      gc?.();
      const m = process.memoryUsage();
      rss.push(m.rss / 2 ** 20);
      heap.push(m.heapUsed / 2 ** 20);
      console.log(`${done} trials stored (+${ran} in ${s.toFixed(2)} s, ${(ran / s).toFixed(1)} trials/s; report and summary included); rss ${rss[rss.length - 1].toFixed(0)} MB, heap ${heap[heap.length - 1].toFixed(0)} MB`);
    }
    await pool.close();
    const peak = process.resourceUsage().maxRSS / 1024;
    console.log(`sweep ${prepared.sweepId}: ${done} sma-cross trials over ${bars.toLocaleString('en-US')} hourly bars on ${WORKERS} worker threads, ${seconds.toFixed(2)} s`);
    console.log(`trials_per_s=${(done / seconds).toFixed(1)} cores=${availableParallelism()} peak_rss_mb=${peak.toFixed(0)} rss_mb_at_${steps[0]}=${rss[0].toFixed(0)} rss_mb_at_${TRIALS}=${rss[rss.length - 1].toFixed(0)} heap_mb_at_${steps[0]}=${heap[0].toFixed(0)} heap_mb_at_${TRIALS}=${heap[heap.length - 1].toFixed(0)} load_1m=${loadavg()[0].toFixed(1)}`);
  } finally {
    store.close();
    rmSync(dir, {recursive: true, force: true});
  }
}

await main();
