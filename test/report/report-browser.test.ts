import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {saveBacktest, type SavedRun} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {compareRuns} from '../../src/app/run-review.js';
import {type Browser, chartStats, launchChromium, openReport, pageMetrics} from '../support/browser.js';
import {useSampleStore} from '../support/sample-store.js';

const RANGE = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2025, 0, 1)};

/** The charts a run's page must draw: the fixed ones, plus an accuracy chart per answering source and the ensemble. */
function expectedCharts(summary: SavedRun['summary']): string[] {
  const accuracy = summary.sources.flatMap((s, k) => (s.status === 'active' ? [`accuracy-${k}`] : []));
  return ['equity', 'funding', 'monthly', 'pnl', 'price', 'risk', 'rolling-sharpe', 'underwater', ...accuracy, `accuracy-${summary.sources.length}`].sort();
}

describe('HTML report in chromium', () => {
  const sample = useSampleStore();
  let browser: Browser;
  let saved: SavedRun;
  let other: SavedRun;
  const reportsDir = () => join(sample.dir(), 'reports');

  beforeAll(async () => {
    browser = await launchChromium();
    saved = await saveBacktest(sample.store(), await runBacktest(sample.store(), {...RANGE, strategy: 'ensemble'}), reportsDir());
    other = await saveBacktest(sample.store(), await runBacktest(sample.store(), {...RANGE, strategy: 'sma-cross'}), reportsDir());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens from the file system with every chart rendered and nothing logged', async () => {
    const requests: string[] = [];
    browser.context.on('request', (r) => requests.push(r.url()));
    const {page, problems} = await openReport(browser, saved.htmlPath);
    const stats = await chartStats(page);
    expect(stats.map((s) => s.id).sort()).toEqual(expectedCharts(saved.summary));
    for (const s of stats) {
      expect(s, s.id).toMatchObject({svgs: 1, failed: false});
      expect(s.items, s.id).toBeGreaterThan(0);
    }
    expect(await page.getAttribute('body', 'data-rendered')).toBe(String(stats.length));
    expect(problems).toEqual([]);
    // Offline: the page loads nothing but itself.
    expect(requests.filter((url) => url !== pathToFileURL(saved.htmlPath).href)).toEqual([]);
    expect(readFileSync(saved.htmlPath, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    await page.close();
  });

  it('shows the headline figures of run.json exactly', async () => {
    const {page} = await openReport(browser, saved.htmlPath);
    const shown = await pageMetrics(page);
    const summary = JSON.parse(readFileSync(saved.runJsonPath, 'utf8'));
    const metrics = summary.metrics as Record<string, number | null>;
    for (const [name, value] of Object.entries(metrics)) {
      expect(shown[name], name).toBe(value === null ? '' : String(value));
    }
    const net = summary.tradeList.reduce((s: number, t: {netPnl: number}) => s + t.netPnl, 0);
    expect(Number(shown.netPnl)).toBeCloseTo(net, 6);
    expect(Number(shown['attribution.total'])).toBe(Number(shown.netPnl));
    expect(shown['hitRate.ta.composite@1']).toBe(String(summary.sources[0].accuracy.hitRate));
    expect(await page.getAttribute('[data-checks]', 'data-checks')).toBe('ok');
    await page.close();
  });

  it('says why sources abstained instead of drawing empty charts', async () => {
    const {page} = await openReport(browser, saved.htmlPath);
    const notes = await page.$$eval('[data-abstained]', (els) => els.map((el) => [el.getAttribute('data-abstained'), el.textContent]));
    const abstained = saved.summary.sources.filter((s) => s.status === 'abstained');
    expect(abstained.length).toBeGreaterThan(0);
    expect(notes).toEqual(abstained.map((s) => [s.id, `abstained: ${s.note}`]));
    expect(notes.find(([id]) => id === 'llm.market-read@v1')?.[1]).toMatch(/^abstained: .*LLM/);
    // The shipped model answers on this range (it abstaining is covered in specs.test.ts): its version, file hash and window are listed.
    expect(saved.summary.sources.filter((s) => s.source === 'ml').map((s) => [s.id, s.status])).toEqual([['ml.xgb-dir@1', 'active']]);
    expect(saved.summary.ml?.inSample).toBe(true);
    expect(await page.textContent('#run')).toMatch(/model versions\s*xgb-dir@1 \(onnx sha256 [0-9a-f]{12}…\), trained 2022-01-01 → 2024-07-01: IN SAMPLE on [\d,]+ decision bars/);
    await page.close();
  });

  it('sorts the trade list by a clicked header', async () => {
    const {page} = await openReport(browser, saved.htmlPath);
    const column = await page.$$eval('#trade-list thead th', (ths) => ths.findIndex((th) => th.textContent === 'net PnL'));
    const netPnl = () => page.$$eval('#trade-list tbody tr', (rows, k) => rows.map((r) => Number(r.cells[k].getAttribute('data-v'))), column);
    const before = await netPnl();
    await page.click(`#trade-list th:nth-child(${column + 1})`);
    const ascending = await netPnl();
    expect(ascending).toEqual([...before].sort((a, b) => a - b));
    await page.click(`#trade-list th:nth-child(${column + 1})`);
    expect(await netPnl()).toEqual([...before].sort((a, b) => b - a));
    await page.close();
  });

  it('renders the comparison page with both runs side by side', async () => {
    const file = await compareRuns(sample.store(), [saved.summary.runId, other.summary.runId], reportsDir());
    const {page, problems} = await openReport(browser, file);
    const stats = await chartStats(page);
    expect(stats.map((s) => s.id)).toEqual(['growth', 'drawdown']);
    for (const s of stats) expect(s.items, s.id).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    const shown = await pageMetrics(page);
    for (const run of [saved, other]) {
      expect(shown[`${run.summary.runId}.sharpe`]).toBe(String(run.summary.metrics.sharpe));
      expect(shown[`${run.summary.runId}.tradeCount`]).toBe(String(run.summary.metrics.tradeCount));
    }
    await page.close();
  });
});
