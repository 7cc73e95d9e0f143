/**
 * Size and open time of the HTML report of a 4-year hourly BTC backtest on the shipped sample
 * (2022-01-01 → 2026-01-01; BENCH_YEARS=2 for the older 2-year figure).
 * Targets: < 5 MB (issue: HTML reports), load event + every chart rendered in < 2 s in headless
 * Debian chromium (issue 10: a 4-year hourly report took 2.8 s). Open time = navigation start → the page's "all charts rendered" flag, from a
 * fresh page each time (the first open, with a cold browser, is reported separately).
 * Needs /usr/bin/chromium and `npm run build`; last line: report_bytes=… open_ms_median=… open_ms_max=…
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {chromium} from 'playwright-core';
import {DuckDbStore} from '../src/adapters/duckdb/index.js';
import {saveBacktest} from '../src/app/backtest-report.js';
import {runBacktest} from '../src/app/backtest-runner.js';

const CHROMIUM = process.env.IFTB_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const OPENS = Number(process.env.BENCH_OPENS ?? 7);
const YEARS = Number(process.env.BENCH_YEARS ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'iftb-bench-report-'));

async function main(): Promise<void> {
  const store = await DuckDbStore.open(join(dir, 'store.duckdb'));
  const t0 = performance.now();
  const run = await runBacktest(store, {strategy: 'ensemble', fromMs: Date.UTC(2026 - YEARS, 0, 1), toMs: Date.UTC(2026, 0, 1)});
  const saved = await saveBacktest(store, run, join(dir, 'reports'));
  store.close();
  const bytes = statSync(saved.htmlPath).size;
  console.log(`report: ${saved.summary.bars} bars, ${saved.summary.trades} trades, ${(bytes / 1e6).toFixed(2)} MB, backtest + report ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {executablePath: CHROMIUM, args: ARGS, headless: true});
  const url = pathToFileURL(saved.htmlPath).href;
  const times: number[] = [];
  try {
    for (let i = 0; i <= OPENS; i++) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(url, {waitUntil: 'load'});
      await page.waitForSelector('body[data-rendered]', {timeout: 60_000});
      const ms = await page.evaluate(() => (globalThis as unknown as {__iftbRenderedMs: number}).__iftbRenderedMs);
      const charts = await page.getAttribute('body', 'data-rendered');
      await page.close();
      if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
      if (i === 0) console.log(`cold open (first page of a fresh browser): ${ms.toFixed(0)} ms, ${charts} charts`);
      else times.push(ms);
    }
  } finally {
    await context.close();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const max = times[times.length - 1];
  console.log(`warm opens (${times.length}): median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${max.toFixed(0)} ms`);
  console.log(`report_bytes=${bytes} open_ms_median=${median.toFixed(0)} open_ms_max=${max.toFixed(0)}`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, {recursive: true, force: true}));
