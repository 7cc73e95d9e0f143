import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {saveBacktest} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {loadReportInput} from '../../src/app/run-artifacts.js';
import type {ClosedTrade, Fill, JournalEvent, VenueEvent} from '../../src/core/index.js';
import {Ledger} from '../../src/portfolio/ledger.js';
import {checksSection, reconciliations} from '../../src/report/checks.js';
import {renderRunReport, type ReportInput} from '../../src/report/index.js';
import {costTotals} from '../../src/report/journal-views.js';
import {reconcile} from '../../src/report/reconcile.js';
import {useSampleStore} from '../support/sample-store.js';

const H = 3_600_000;
const SYMBOL = 'BTC/USDT:USDT';
const failing = (input: ReportInput) => reconciliations(input).filter((r) => !r.ok).map((r) => r.check);

describe('report checks on a real run', () => {
  const sample = useSampleStore();
  let input: ReportInput;
  let stored: ReportInput;
  beforeAll(async () => {
    // sma-cross is always in the market: the run ends with a position open, so the final-equity line has unrealised PnL in it.
    const run = await runBacktest(sample.store(), {strategy: 'sma-cross', symbol: SYMBOL, timeframe: '1h', fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 6, 1)});
    const saved = await saveBacktest(sample.store(), run, join(sample.dir(), 'reports'));
    ({input: stored} = await loadReportInput(sample.store(), saved.summary.runId, join(sample.dir(), 'reports')));
    const {reportInputOf} = await import('../../src/app/backtest-record.js');
    input = reportInputOf(run, saved.summary);
  });

  it('reconciles the cash ledger, the trades table and the journal, in memory and as stored', () => {
    const last = input.bars.length - 1;
    expect(input.bars.position[last]).not.toBe(0);
    expect(input.trades.length).toBeGreaterThan(5);
    expect(input.journal.some((e) => e.type === 'funding')).toBe(true);
    for (const x of [input, stored]) {
      const recs = reconciliations(x);
      expect(recs.map((r) => r.check)).toEqual([
        'cash ledger: running balance', 'fees: cash ledger = journal fills', 'funding: cash ledger = journal payments',
        'liquidation fees: cash ledger = journal', 'realised PnL: cash ledger = journal fills replayed', 'closed trades: gross PnL',
        'closed trades: net PnL', 'closed trades: count', 'final cash', 'position at the last close', 'final equity',
      ]);
      expect(recs.filter((r) => !r.ok)).toEqual([]);
    }
    expect(stored.cash.length).toBe(input.cash.length);
    const [equity] = reconciliations(input).slice(-1);
    expect(equity.formula).toMatch(/^run\.json [\d,.]+ = cash [\d,.]+ \(ledger\) [+−] [\d,.]+ unrealised \(-?[\d.]+ × \([\d.]+ − [\d,.]+\), journal\)$/);
    expect(equity.left).toBe(input.summary.metrics.finalEquity);
  });

  it('marks the page data-checks="ok" and shows every reconciliation with its formula', () => {
    const html = renderRunReport(input, {vega: '', vegaLite: ''});
    expect(html).toContain('data-checks="ok"');
    expect(html.match(/<tr data-reconcile="\d+" data-ok="true">/g)).toHaveLength(11);
    expect(html).toMatch(/cash ledger balance [\d,.]+ = deposit 100,000\.000000 [+−] [\d,.]+ realised − [\d,.]+ fees [+−] [\d,.]+ funding − 0\.000000 liquidation fees \(journal\)/);
  });

  it('catches a cash ledger that disagrees with the journal even when equity and run.json agree with each other', () => {
    // A realised-PnL row booked 1 USDT short, balances carried on consistently: the old checks (all from
    // per-bar equity and journal totals) would all match.
    const k = input.cash.findIndex((c) => c.kind === 'realized-pnl');
    const cash = input.cash.map((c, i) => (i < k ? c : {...c, amount: i === k ? c.amount - 1 : c.amount, balance: c.balance - 1}));
    const tampered = {...input, cash};
    expect(failing(tampered)).toEqual(['realised PnL: cash ledger = journal fills replayed', 'final cash', 'final equity']);
    expect(checksSection(tampered, costTotals(tampered.journal))).toContain('data-checks="mismatch"');
    // A dropped fee row breaks the running balance and the fee total.
    const f = input.cash.findIndex((c) => c.kind === 'fee');
    expect(failing({...input, cash: input.cash.filter((_, i) => i !== f)})).toEqual(['cash ledger: running balance', 'fees: cash ledger = journal fills']);
  });

  it('catches a trades table and a journal that disagree with the ledger', () => {
    const trades = input.trades.map((t, i) => (i === 2 ? {...t, netPnl: t.netPnl + 0.5} : t));
    expect(failing({...input, trades})).toEqual(['closed trades: net PnL']);
    expect(failing({...input, trades: input.trades.slice(1)})).toEqual(['closed trades: gross PnL', 'closed trades: net PnL', 'closed trades: count']);
    const k = input.journal.findIndex((e) => e.type === 'fill');
    const journal = input.journal.map((e, i) => (i === k && e.type === 'fill' ? {...e, fill: {...e.fill, price: e.fill.price + 1}} : e));
    expect(failing({...input, journal})).toEqual(expect.arrayContaining(['realised PnL: cash ledger = journal fills replayed', 'final cash']));
  });
});

describe('reconciliation of partial closes, reversals, funding and liquidation (real Ledger books)', () => {
  let id = 0;
  const fill = (side: 'buy' | 'sell', qty: number, price: number, fee: number, t: number): VenueEvent => {
    const f: Fill = {orderId: ++id, clientOrderId: `r-${id}`, symbol: SYMBOL, side, qty, price, fee, liquidity: 'taker', slippage: 0, timeMs: t * H, reason: 'x', reduceOnly: false};
    return {type: 'fill', fill: f};
  };
  const funding = (amount: number, qty: number, t: number): VenueEvent => ({type: 'funding', funding: {symbol: SYMBOL, timeMs: t * H, rate: 0.0001, markPrice: 100, positionQty: qty, amount}});

  it('matches the ledger through several exits, a reversal, funding, a liquidation and an open position', () => {
    const ledger = new Ledger(SYMBOL, 10_000, 0, H);
    const events: VenueEvent[] = [
      fill('buy', 3, 100, 0.15, 1), fill('buy', 1, 104, 0.05, 2), funding(-0.04, 4, 3),
      fill('sell', 1, 110, 0.055, 4), fill('sell', 2, 98, 0.1, 5), // two partial exits, position still open
      fill('sell', 3, 95, 0.15, 6), // closes the last 1 and opens 2 short
      funding(0.02, -2, 7), {type: 'liquidation', liquidation: {symbol: SYMBOL, timeMs: 8 * H, qty: 2, price: 140, markPrice: 140, fee: 3.5}},
      fill('buy', 0.5, 120, 0.03, 9), fill('buy', 0.25, 122, 0.015, 10), fill('sell', 0.25, 125, 0.015, 11), // open at the end
    ];
    const journal: JournalEvent[] = [];
    const trades: ClosedTrade[] = [];
    for (const e of events) {
      const closed = ledger.apply(e);
      if (closed) trades.push(closed);
      journal.push(e.type === 'fill' ? {type: 'fill', timeMs: e.fill.timeMs, fill: e.fill} : e.type === 'funding'
        ? {type: 'funding', timeMs: e.funding.timeMs, funding: e.funding} : {type: 'liquidation', timeMs: 8 * H, liquidation: (e as Extract<VenueEvent, {type: 'liquidation'}>).liquidation});
    }
    expect(trades).toHaveLength(2);
    expect(ledger.positionQty).toBe(0.5);
    const recs = reconcile({cash: ledger.entries, trades, journal, finalEquity: ledger.equityAt(130), symbol: SYMBOL, lastClose: 130, lastPosition: ledger.positionQty});
    expect(recs.filter((r) => !r.ok)).toEqual([]);
    expect(recs.find((r) => r.check === 'closed trades: gross PnL')!.right).toBeCloseTo(trades[0].grossPnl + trades[1].grossPnl, 9);
    expect(recs.find((r) => r.check === 'liquidation fees: cash ledger = journal')!.left).toBe(3.5);
    // Marked at another price than the engine used, the final equity no longer reconciles.
    expect(reconcile({cash: ledger.entries, trades, journal, finalEquity: ledger.equityAt(131), symbol: SYMBOL, lastClose: 130, lastPosition: 0.5})
      .filter((r) => !r.ok).map((r) => r.check)).toEqual(['final equity']);
  });
});
