import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {saveBacktest, type SavedRun} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {useSampleStore} from '../support/sample-store.js';

/** data-metric → data-value of every figure in a page. */
function figures(html: string): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of html.matchAll(/data-metric="([^"]+)" data-value="([^"]*)"/g)) out[m[1]] = m[2] === '' ? null : Number(m[2]);
  return out;
}

describe('report figures against the stored run', () => {
  const sample = useSampleStore();
  let saved: SavedRun;
  let page: Record<string, number | null>;
  beforeAll(async () => {
    const run = await runBacktest(sample.store(), {strategy: 'rsi-bollinger', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2025, 0, 1)});
    saved = await saveBacktest(sample.store(), run, join(sample.dir(), 'reports'));
    page = figures(readFileSync(saved.htmlPath, 'utf8'));
  });
  const one = async (sql: string) => (await sample.store().db.rows(sql, [saved.summary.runId]))[0];

  it('recomputes fees and funding from the cash ledger (run_cash)', async () => {
    const cash = await one(`SELECT -sum(amount) FILTER (kind = 'fee') AS fees, sum(amount) FILTER (kind = 'funding') AS funding,
      count(*) FILTER (kind = 'funding') AS payments FROM run_cash WHERE run_id = $1`);
    expect(Number(cash.payments)).toBeGreaterThan(0);
    expect(page.fees).toBeCloseTo(Number(cash.fees), 6);
    expect(page.funding).toBeCloseTo(Number(cash.funding), 6);
  });

  it('recomputes the trade count and net PnL from run_trades, and the attribution adds up to it', async () => {
    const trades = await one('SELECT count(*) AS n, sum(net_pnl) AS net, sum(fees) AS fees FROM run_trades WHERE run_id = $1');
    expect(page.tradeCount).toBe(Number(trades.n));
    expect(page.netPnl).toBeCloseTo(Number(trades.net), 6);
    expect(page['attribution.total']).toBeCloseTo(Number(trades.net), 6);
  });

  it('recomputes slippage and fill counts from the journal', async () => {
    const fills = await one(`SELECT sum(CAST(json_extract(event_json, '$.fill.slippage') AS DOUBLE)) AS slippage FROM run_journal
      WHERE run_id = $1 AND type = 'fill'`);
    expect(page.slippage).toBeCloseTo(Number(fills.slippage), 6);
  });

  it('exports trades and equity that match the store and the page', async () => {
    const dir = saved.reportDir;
    const db = sample.store().db;
    const [csv] = await db.rows(`SELECT count(*) AS n, sum(net_pnl) AS net FROM read_csv('${join(dir, 'trades.csv')}')`);
    const [pq] = await db.rows(`SELECT count(*) AS n, sum(net_pnl) AS net FROM read_parquet('${join(dir, 'trades.parquet')}')`);
    for (const t of [csv, pq]) {
      expect(Number(t.n)).toBe(page.tradeCount);
      expect(Number(t.net)).toBeCloseTo(page.netPnl!, 6);
    }
    const [equity] = await db.rows(`SELECT count(*) AS n, last(equity ORDER BY time_ms) AS final, max(drawdown) AS dd
      FROM read_parquet('${join(dir, 'equity.parquet')}')`);
    expect(Number(equity.n)).toBe(saved.summary.bars);
    expect(Number(equity.final)).toBe(page.finalEquity);
    expect(Number(equity.dd)).toBeCloseTo(page.maxDrawdown!, 12);
    const [head] = readFileSync(join(dir, 'equity.csv'), 'utf8').split('\n');
    expect(head).toBe('time_ms,time_utc,close,equity,drawdown,position_qty');
  });
});

describe('report size', () => {
  const sample = useSampleStore();

  it('keeps a 2-year hourly BTC report under 5 MB', async () => {
    const run = await runBacktest(sample.store(), {strategy: 'ensemble', fromMs: Date.UTC(2023, 0, 1), toMs: Date.UTC(2025, 0, 1)});
    expect(run.bars.length).toBeGreaterThan(17_000);
    const saved = await saveBacktest(sample.store(), run, join(sample.dir(), 'reports'));
    const bytes = statSync(saved.htmlPath).size;
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
  });
});
