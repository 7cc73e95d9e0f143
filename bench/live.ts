/**
 * Live-loop speed and memory (issue 12 "Speed"): a paper session of `sma-cross` fed by the local
 * Binance USDⓈ-M exchange (its own process, real HTTP and WebSocket on 127.0.0.1) over a simulated
 * day of 1m bars (BENCH_BARS, default 1440), driven as fast as the bot decides them. Decision
 * latency is the loop's own measure: closing kline received → the step done and its orders handed
 * to the venue (what the breaker's latency rule reads). RSS is printed after the warm-up and at the end.
 * Last line: decision_p50_ms=… decision_p99_ms=… bars=… rss_start_mb=… rss_end_mb=…
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseLiveConfig} from '../src/app/live-config.js';
import {startLive} from '../src/app/live-runner.js';
import type {Bar} from '../src/core/index.js';

const BARS = Number(process.env.BENCH_BARS ?? 1440);
const HISTORY = 200;
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

const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + BARS);
const {url, child} = await startExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}});
const control = async (op: string, ...args: unknown[]) => {
  const response = await fetch(`${url}/__iftb/control`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({op, args})});
  if (!response.ok) throw new Error(`control ${op}: ${response.status} ${await response.text()}`);
};
const dir = mkdtempSync(join(tmpdir(), 'iftb-bench-live-'));
try {
  const config = parseLiveConfig({
    strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1m', params: {fast: 5, slow: 20, qty: 0.01}, funding: false, breaker: {latency: {enabled: false}},
    live: {pollGraceMs: 60_000, statusLines: false},
  });
  const handle = await startLive(config, {db: join(dir, 'bench.duckdb'), env: {IFTB_BINANCE_REST_URL: url, IFTB_BINANCE_WS_URL: url.replace(/^http/, 'ws')}, log: () => {}});
  const latencies: number[] = [];
  let waiting: {openTime: number; done: () => void} | null = null;
  handle.loop.observe({slot: (s) => {
    latencies.push(s.decisionLatencyMs);
    if (waiting !== null && s.openTimeMs === waiting.openTime) waiting.done();
  }});
  // With --expose-gc (npm run bench:live), collected first: what stays, not what the collector has not reached yet.
  const gc = (globalThis as {gc?: () => void}).gc;
  const rss = () => {
    gc?.();
    return Math.round(process.memoryUsage().rss / 1048576);
  };
  const heap = () => Math.round(process.memoryUsage().heapUsed / 1048576);
  let rssStart = rss();
  const started = Date.now();
  for (const [k, bar] of all.slice(HISTORY).entries()) {
    const decided = new Promise<void>((done) => (waiting = {openTime: bar.openTime, done}));
    await control('advance', {symbol: 'BTCUSDT', bar});
    await decided;
    if (k === 59) rssStart = rss(); // after the first simulated hour: JIT and buffers warm
    if ((k + 1) % 360 === 0) console.log(`${k + 1} bars (${((k + 1) / 60).toFixed(0)} h simulated) rss ${rss()} MB heap ${heap()} MB`);
  }
  const seconds = (Date.now() - started) / 1000;
  const rssEnd = rss();
  const trades = handle.session.parts.ledger.trades.length;
  await handle.stop('bench end');
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`${latencies.length} bars in ${seconds.toFixed(1)} s wall (${(latencies.length / seconds).toFixed(0)} bars/s), ${trades} closed trades`);
  console.log(`decision_p50_ms=${percentile(sorted, 50)} decision_p99_ms=${percentile(sorted, 99)} bars=${latencies.length} rss_start_mb=${rssStart} rss_end_mb=${rssEnd}`);
} finally {
  child.kill('SIGTERM');
  rmSync(dir, {recursive: true, force: true});
}
