import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {saveBacktest} from '../../src/app/backtest-report.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import type {JournalEvent} from '../../src/core/index.js';
import {useSampleStore} from '../support/sample-store.js';

const RANGE = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 6, 1), toMs: Date.UTC(2025, 0, 1)};

describe('backtest invariants', () => {
  const sample = useSampleStore();

  it('keeps the ledger equal to the venue, equity = wallet + unrealised PnL, and leverage within limits at every bar', async () => {
    let checked = 0;
    const run = await runBacktest(
      sample.store(),
      {...RANGE, strategy: 'ensemble', leverage: 5, risk: {maxLeverage: 2, sizing: {mode: 'equity-pct', pct: 150}}},
      {
        onStep: (i, {bars, venue, ledger, engine}) => {
          const r = engine.recorder;
          expect(ledger.walletBalance).toBeCloseTo(venue.walletBalance(), 6);
          expect(ledger.positionQty).toBeCloseTo(venue.position().qty, 9);
          const close = bars.close[i];
          expect(r.equity[i]).toBeCloseTo(ledger.walletBalance + ledger.positionQty * (close - ledger.entryPrice), 6);
          // Sized at the decision close, filled at the next open: allow the bar's move on top of the 2x cap.
          expect(Math.abs(ledger.positionQty) * close).toBeLessThanOrEqual(2 * r.equity[i] * 1.2);
          checked++;
        },
      },
    );
    expect(checked).toBe(run.bars.length);
    expect(run.ledger.trades.length).toBeGreaterThan(5);
  });

  it('can trace every figure to the journal: cash entries sum to the venue wallet, fees and funding to the fills and payments', async () => {
    // A close-all two days before the end leaves the run flat, so every cash change belongs to a closed trade.
    let venueWallet = NaN;
    const run = await runBacktest(
      sample.store(),
      {...RANGE, strategy: 'rsi-bollinger', operatorActions: [{atMs: RANGE.toMs - 2 * 86_400_000, action: 'close-all'}]},
      {onStep: (_i, {venue}) => (venueWallet = venue.walletBalance())},
    );
    expect(run.ledger.positionQty).toBe(0);
    const wallet = run.ledger.entries.reduce((sum, e) => sum + e.amount, 0);
    expect(wallet).toBeCloseTo(venueWallet, 6);
    const fills = run.journal.toArray().filter((e): e is Extract<JournalEvent, {type: 'fill'}> => e.type === 'fill');
    const funding = run.journal.toArray().filter((e): e is Extract<JournalEvent, {type: 'funding'}> => e.type === 'funding');
    const cashOf = (kind: string) => run.ledger.entries.filter((e) => e.kind === kind).reduce((s, e) => s + e.amount, 0);
    expect(fills.reduce((s, e) => s + e.fill.fee, 0)).toBeCloseTo(-cashOf('fee'), 6);
    expect(funding.reduce((s, e) => s + e.funding.amount, 0)).toBeCloseTo(cashOf('funding'), 6);
    expect(funding.length).toBeGreaterThan(0);
    // Closed trades carry every realised cash change of a run that ends flat.
    const net = run.ledger.trades.reduce((s, t) => s + t.netPnl, 0);
    expect(100_000 + net).toBeCloseTo(venueWallet, 6);
  });

  it('writes a byte-identical run.json for the same inputs', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'iftb-runjson-')), mkdtempSync(join(tmpdir(), 'iftb-runjson-'))];
    try {
      const texts = [];
      for (const dir of dirs) {
        const run = await runBacktest(sample.store(), {...RANGE, strategy: 'ensemble'});
        texts.push(readFileSync((await saveBacktest(sample.store(), run, dir)).runJsonPath, 'utf8'));
      }
      expect(texts[0]).toBe(texts[1]);
      const summary = JSON.parse(texts[0]);
      expect(summary.finalEquity).toBe(summary.metrics.finalEquity);
      expect(summary.bars).toBeGreaterThan(4000);
      // TA and the shipped XGBoost model (models/xgb-dir, pinned live) answer; the LLM abstains.
      expect(summary.sources.map((s: {id: string; status: string}) => [s.id, s.status])).toEqual([
        ['ta.composite@1', 'active'], ['ml.xgb-dir@1', 'active'], ['llm.market-read@v1', 'abstained'],
      ]);
      expect(summary.ml).toMatchObject({model: 'xgb-dir@1', inSample: false});
    } finally {
      for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
    }
  });
});
