import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {checkLookahead} from '../../src/app/lookahead-check.js';
import {ErrorCode} from '../../src/core/index.js';
import {listStrategies} from '../../src/decision/index.js';
import {useSampleStore} from '../support/sample-store.js';

const RANGE = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1)};
const fixture = (name: string) => resolve(import.meta.dirname, `../fixtures/strategies/${name}.ts`);

describe('look-ahead is impossible by construction', () => {
  const sample = useSampleStore();

  it('finds the shipped strategies', () => {
    expect(listStrategies()).toEqual(expect.arrayContaining(['ensemble', 'rsi-bollinger', 'sma-cross']));
  });

  for (const strategy of ['ensemble', 'rsi-bollinger', 'sma-cross']) {
    it(`passes for the shipped ${strategy} strategy, its prepare checked at every decision bar`, async () => {
      const report = await checkLookahead(sample.store(), {...RANGE, strategy}, {points: 4});
      expect(report.points.length).toBe(4);
      expect(report.violations).toEqual([]);
      if (strategy === 'ensemble') {
        expect(report.prepare.analyzers.some((id) => id.startsWith('ml.'))).toBe(true);
        expect(report.prepare.cuts).toBe(24 * 31);
      }
    });
  }

  it('shows a strategy that reads the next candle NaN: it never trades on it', async () => {
    const run = await runBacktest(sample.store(), {...RANGE, strategy: fixture('peek-ahead')});
    expect(run.journal.toArray().filter((e) => e.type === 'intent')).toEqual([]);
    expect(run.ledger.walletBalance).toBe(run.config.cash);
  });

  it('refuses a strategy that writes into its bars, and the venue never fills at a rigged price', async () => {
    await expect(runBacktest(sample.store(), {...RANGE, strategy: fixture('rig-future')})).rejects.toMatchObject({code: ErrorCode.STRATEGY_FAILED, message: expect.stringMatching(/failed in decide at the bar closing .*TypeError/)});
  });

  it("catches an analyzer whose batch prepare peeks on every 97th bar, and --strict refuses the run", async () => {
    const config = {...RANGE, strategy: fixture('peek-in-prepare')};
    const report = await checkLookahead(sample.store(), config, {points: 1});
    const prepareViolations = report.violations.filter((v) => v.what.includes('prepare'));
    expect(prepareViolations).toHaveLength(1);
    expect(prepareViolations[0].barIndex % 97).toBe(0);
    expect(prepareViolations[0].barIndex).toBe(prepareViolations[0].truncatedAt - 1);
    await expect(runBacktest(sample.store(), config, {strict: true})).rejects.toMatchObject({code: ErrorCode.LOOKAHEAD});
    // Without --strict the run goes through (the check is what catches it).
    await expect(runBacktest(sample.store(), config)).resolves.toBeDefined();
  });
});
