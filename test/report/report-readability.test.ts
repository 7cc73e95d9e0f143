/**
 * The report read as a person would, in headless chromium: a trade table that fits 1280–1920 px,
 * calibration lines without few-sample buckets, legible heatmap text, fill markers that do not
 * bury the price line, and a time axis that shows times on a 1-minute run.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {saveBacktest, type SavedRun} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {reportInputOf} from '../../src/app/backtest-record.js';
import {loadVegaRuntime, renderRunReport, type ReportInput, runReportModel} from '../../src/report/index.js';
import {MIN_CALIBRATION_SAMPLES} from '../../src/report/specs-signals.js';
import {BUSY_ENSEMBLE} from '../support/ensemble-params.js';
import {type Browser, launchChromium, openReport} from '../support/browser.js';
import {emptyReportInput} from '../support/report-input.js';
import {useSampleStore} from '../support/sample-store.js';

/** The browser globals the page callbacks below use: they run in chromium, and the test tsconfig has no DOM lib. */
interface Box {
  readonly right: number;
  readonly height: number;
}
interface Cell {
  readonly textContent: string | null;
  getBoundingClientRect(): Box;
}
interface TableLike {
  readonly scrollWidth: number;
  closest(selector: string): {readonly clientWidth: number; getBoundingClientRect(): Box} | null;
  readonly tBodies: ArrayLike<{readonly rows: ArrayLike<{readonly cells: ArrayLike<Cell>} & Cell>}>;
  readonly tHead: {readonly rows: ArrayLike<{readonly cells: ArrayLike<Cell>}>} | null;
}
declare const getComputedStyle: (element: unknown) => {fill: string; opacity: string; fillOpacity: string; lineHeight: string};
declare const document: {querySelectorAll(selector: string): {readonly length: number}};

describe('report readability in chromium', () => {
  const sample = useSampleStore();
  let browser: Browser;
  let saved: SavedRun;
  let input: ReportInput;

  beforeAll(async () => {
    browser = await launchChromium();
    // A busy run (thousands of fills): the ensemble with low thresholds and no minimum holding time.
    const run = await runBacktest(sample.store(), {strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2025, 0, 1), params: BUSY_ENSEMBLE});
    saved = await saveBacktest(sample.store(), run, join(sample.dir(), 'reports-readability'));
    input = reportInputOf(run, saved.summary);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it.each([1280, 1440, 1920])('fits the trade table in a %i px window: one line per trade, every column in view', async (width) => {
    const {page} = await openReport(browser, saved.htmlPath);
    await page.setViewportSize({width, height: 900});
    const fit = await page.$eval('#trade-list', (element) => {
      const table = element as unknown as TableLike;
      const box = table.closest('.scroll')!;
      const rows = Array.from(table.tBodies[0].rows).slice(0, 200);
      const lineHeight = parseFloat(getComputedStyle(rows[0].cells[0]).lineHeight) || 18;
      const last = table.tHead!.rows[0].cells;
      return {
        overflow: table.scrollWidth - box.clientWidth,
        tallest: Math.max(...rows.map((r) => r.getBoundingClientRect().height)),
        lineHeight,
        lastHeaderRight: last[last.length - 1].getBoundingClientRect().right,
        boxRight: box.getBoundingClientRect().right,
        lastHeader: last[last.length - 1].textContent,
      };
    });
    expect(fit.overflow, 'horizontal scroll').toBeLessThanOrEqual(0);
    expect(fit.tallest, 'a row wraps').toBeLessThan(fit.lineHeight * 1.9);
    expect(fit.lastHeader).toBe('exit reason');
    expect(fit.lastHeaderRight).toBeLessThanOrEqual(fit.boxRight + 0.5);
    // A cut reason keeps its whole text on hover.
    const reason = await page.$eval('#trade-list td.why', (td) => [td.textContent, td.getAttribute('title')]);
    expect(reason[1]).toBe(reason[0]);
    await page.close();
  });

  it('leaves calibration buckets under the minimum count out of the line, and draws each apart as a hollow circle', async () => {
    type Panel = {title: string; layer: Array<{data?: {values: Array<{n: number}>}; layer?: unknown[]; mark?: {filled?: boolean}}>};
    const {specs} = runReportModel(input);
    const panels = Object.entries(specs).filter(([id]) => id.startsWith('accuracy-')).map(([, s]) => (s.hconcat as Panel[]).find((p) => p.title === 'calibration')!);
    expect(panels.length).toBeGreaterThan(0);
    let sparse = 0;
    for (const panel of panels) {
      const line = panel.layer.find((l) => l.layer !== undefined)!;
      expect(line.data!.values.every((b) => b.n >= MIN_CALIBRATION_SAMPLES)).toBe(true);
      sparse += panel.layer.find((l) => l.mark?.filled === false)?.data!.values.length ?? 0;
    }
    const {page} = await openReport(browser, saved.htmlPath);
    const hollow = await page.$$eval('[data-chart^="accuracy-"] g.mark-symbol.role-mark path', (paths) =>
      paths.filter((p) => getComputedStyle(p).fill === 'none' || getComputedStyle(p).fill === 'transparent' || getComputedStyle(p).fillOpacity === '0').length);
    expect(hollow).toBe(sparse);
    await page.close();
  });

  it('picks heatmap text colour by cell luminance: every label has a WCAG contrast of at least 4.5', async () => {
    const {page} = await openReport(browser, saved.htmlPath);
    const pairs = await page.$eval('[data-chart="monthly"]', (el) => {
      const cells = Array.from(el.querySelectorAll('g.mark-rect.role-mark path')).map((p) => getComputedStyle(p).fill);
      const texts = Array.from(el.querySelectorAll('g.mark-text.role-mark text')).map((t) => getComputedStyle(t).fill);
      return cells.map((cell, i) => [cell, texts[i]]);
    });
    expect(pairs.length).toBeGreaterThan(10);
    const rgb = (css: string) => css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
    const lum = (css: string) => {
      const [r, g, b] = rgb(css).map((v) => v / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: string, b: string) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const worst = Math.min(...pairs.map(([cell, text]) => contrast(cell, text)));
    expect(worst).toBeGreaterThanOrEqual(4.5);
    expect(new Set(pairs.map(([, text]) => text)).size, 'both black and white text in a run with dark cells').toBe(2);
    await page.close();
  });

  it('starts with thousands of fill markers hidden behind a checkbox that shows them', async () => {
    const {page} = await openReport(browser, saved.htmlPath);
    // Drawn and visible (a hidden layer keeps one invisible marker, so vega always has an extent).
    const markers = () => page.$$eval('[data-chart="price"] g.mark-symbol.role-mark path', (paths) => paths.filter((p) => parseFloat(getComputedStyle(p).opacity) > 0).length);
    const fills = saved.summary.events.fill;
    expect(fills).toBeGreaterThan(1000);
    expect(await markers()).toBe(0);
    await page.click('[data-chart="price"] input[type="checkbox"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-chart="price"] g.mark-symbol.role-mark path').length > 1);
    expect(await markers()).toBe(fills);
    await page.close();
  });

  it('labels a 1-minute run\'s time axis with times, not the same date over and over', async () => {
    const input = emptyReportInput(1_200, {timeframe: '1m', stepMs: 60_000});
    const file = join(sample.dir(), 'one-minute.html');
    writeFileSync(file, renderRunReport(input, loadVegaRuntime()));
    const {page, problems} = await openReport(browser, file);
    const labels = await page.$$eval('[data-chart="price"] g.role-axis-label text', (texts) => texts.map((t) => t.textContent ?? ''));
    expect(problems).toEqual([]);
    const xLabels = labels.filter((l) => /\d\d:\d\d|\d{4}-\d\d-\d\d/.test(l));
    expect(xLabels.filter((l) => /^\d\d:\d\d$/.test(l)).length).toBeGreaterThan(3);
    expect(new Set(xLabels).size).toBe(xLabels.length);
    await page.close();
  });
});
