/**
 * Headless Debian chromium through playwright-core, for tests that open generated pages from the
 * file system. A fresh user-data-dir per launch; no network features.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {type BrowserContext, chromium, type Page} from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the report browser tests need Debian's chromium (apt-get install -y chromium; .ci/run installs it)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'iftb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, args: ARGS, headless: true});
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, {recursive: true, force: true});
    },
  };
}

export interface OpenedPage {
  readonly page: Page;
  /** Console errors and warnings, and uncaught page errors. */
  readonly problems: string[];
  /** Milliseconds from navigation start until every chart had rendered (the page's own clock). */
  readonly renderedMs: number;
}

/** Opens a file, waits for the load event and for the page to flag that all charts rendered. */
export async function openReport(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(pathToFileURL(file).href, {waitUntil: 'load'});
  await page.waitForSelector('body[data-rendered]', {timeout: 30_000});
  const renderedMs = await page.evaluate(() => (globalThis as unknown as {__iftbRenderedMs: number}).__iftbRenderedMs);
  return {page, problems, renderedMs};
}

/** Per chart: how many SVGs it holds and how many mark items they draw. */
export function chartStats(page: Page): Promise<Array<{id: string; svgs: number; items: number; failed: boolean}>> {
  return page.$$eval('[data-chart]', (els) => els.map((el) => ({
    id: el.getAttribute('data-chart') ?? '',
    svgs: el.querySelectorAll('svg').length,
    items: el.querySelectorAll('svg g.role-mark > path, svg g.role-mark > text, svg g.role-mark > line, svg g.role-mark > rect').length,
    failed: el.classList.contains('failed'),
  })));
}

/** Every data-metric on the page with its exact value ('' for none). */
export function pageMetrics(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((el) => [el.getAttribute('data-metric'), el.getAttribute('data-value') ?? ''])));
}
