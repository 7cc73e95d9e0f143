import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {saveBacktest} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {reportInputOf} from '../../src/app/backtest-record.js';
import {loadReportInput} from '../../src/app/run-artifacts.js';
import {consistencyChecks, reconciliations} from '../../src/report/checks.js';
import {renderRunReport, type ReportInput, type ReportSummary} from '../../src/report/index.js';
import {costTotals} from '../../src/report/journal-views.js';
import {useSampleStore} from '../support/sample-store.js';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const failing = (input: ReportInput) => [
  ...reconciliations(input).filter((r) => !r.ok).map((r) => r.check),
  ...consistencyChecks(input, costTotals(input.journal)).filter((c) => !c.ok).map((c) => c.figure),
];

describe('report of a portfolio run', () => {
  const sample = useSampleStore();
  let input: ReportInput;
  let stored: ReportInput;
  beforeAll(async () => {
    // sma-cross is always in the market: both symbols end with a position open.
    const run = await runBacktest(sample.store(), {
      strategy: 'sma-cross', symbols: [BTC, {symbol: ETH, params: {qty: 0.2}}], timeframe: '1h', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 3, 1),
      breaker: {lossStreak: {enabled: false}},
    });
    const saved = await saveBacktest(sample.store(), run, join(sample.dir(), 'reports'));
    ({input: stored} = await loadReportInput(sample.store(), saved.summary.runId, join(sample.dir(), 'reports')));
    input = reportInputOf(run, saved.summary);
  });

  it('reconciles per symbol: each position marked at its own last close, each symbol\'s cash rows against its journal', () => {
    const last = input.bars.length - 1;
    expect(input.bars.lanes!.map((l) => l.position[last] !== 0)).toEqual([true, true]);
    for (const x of [input, stored]) {
      const checks = reconciliations(x).map((r) => r.check);
      expect(checks).toEqual(expect.arrayContaining([
        `position at the last close: ${BTC}`, `position at the last close: ${ETH}`, 'final equity', `${BTC}: cash ledger = journal`, `${ETH}: cash ledger = journal`,
      ]));
      expect(failing(x)).toEqual([]);
    }
    const equity = reconciliations(input).find((r) => r.check === 'final equity')!;
    expect(equity.formula).toMatch(new RegExp(`unrealised \\(${BTC.replace('/', '\\/')} -?[\\d.]+ × \\([\\d.]+ − [\\d,.]+\\), ${ETH.replace('/', '\\/')} -?[\\d.]+ ×`));
    expect(stored.bars.lanes!.map((l) => l.symbol)).toEqual([BTC, ETH]);
    expect(stored.bars.lanes![1].position).toEqual(input.bars.lanes![1].position);
  });

  it('recomputes every per-symbol figure of run.json, so an edited one is caught', () => {
    const s = input.summary;
    const figures = consistencyChecks(input, costTotals(input.journal)).map((c) => c.figure);
    expect(figures).toEqual(expect.arrayContaining([`${ETH} P&L`, `${ETH} fees`, `${ETH} exposure`, `${BTC} ensemble hit rate`,
      'Σ symbol P&L', `correlation ${BTC} · ${ETH}`, 'account maxGrossLeverage']));
    const edited = (change: (p: NonNullable<ReportSummary['portfolio']>) => NonNullable<ReportSummary['portfolio']>): ReportInput =>
      ({...input, summary: {...s, portfolio: change(s.portfolio!)}});
    const symbols = s.portfolio!.symbols;
    expect(failing(edited((p) => ({...p, symbols: [symbols[0], {...symbols[1], fees: symbols[1].fees + 0.01}]})))).toEqual([`${ETH} fees`]);
    expect(failing(edited((p) => ({...p, symbols: [{...symbols[0], pnl: symbols[0].pnl + 1}, symbols[1]]})))).toEqual([`${BTC} P&L`, 'Σ symbol P&L']);
    const matrix = s.portfolio!.correlation.matrix.map((row) => [...row]);
    matrix[0][1] = (matrix[0][1] ?? 0) + 0.01;
    expect(failing(edited((p) => ({...p, correlation: {...p.correlation, matrix}})))).toEqual([`correlation ${BTC} · ${ETH}`]);
    // A fill booked on the wrong symbol in the journal breaks both symbols' books.
    const k = input.journal.findIndex((e) => e.type === 'fill' && e.fill.symbol === ETH);
    const moved = input.journal.map((e, i) => (i === k && e.type === 'fill' ? {...e, fill: {...e.fill, symbol: BTC}} : e));
    expect(failing({...input, journal: moved})).toEqual(expect.arrayContaining([`${BTC}: cash ledger = journal`, `${ETH}: cash ledger = journal`]));
  });

  it('shows the symbols section, pooled signals and a symbol column in the trade table', () => {
    const html = renderRunReport(stored, {vega: '', vegaLite: ''});
    expect(html).toContain('data-checks="ok"');
    expect(html).toContain('<section id="symbols">');
    for (const symbol of [BTC, ETH]) {
      const p = stored.summary.portfolio!.symbols.find((x) => x.symbol === symbol)!;
      expect(html).toContain(`data-metric="symbol.${symbol}.pnl" data-value="${p.pnl}"`);
    }
    expect(html).toMatch(/data-metric="correlation\.BTC\/USDT:USDT\.ETH\/USDT:USDT" data-value="0\.\d+"/);
    expect(html).toMatch(/<thead><tr><th class="n" data-type="num">#<\/th><th>symbol<\/th><th>side<\/th>/);
    expect(html).toContain(`2 symbols on one account (${BTC}, ${ETH})`);
    expect(html).not.toContain('close with fills');
    const netPnl = stored.summary.portfolio!.symbols.reduce((sum, x) => sum + x.pnl, 0);
    expect(netPnl).toBeCloseTo(stored.summary.metrics.finalEquity - 100_000, 6);
  });
});
