import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkLookahead} from '../../src/app/lookahead-check.js';
import {listStrategies} from '../../src/decision/index.js';
import {useSampleStore} from '../support/sample-store.js';

const RANGE = {symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 3, 1)};

describe('iftb check lookahead', () => {
  const sample = useSampleStore();

  it('finds the shipped strategies', () => {
    expect(listStrategies()).toEqual(expect.arrayContaining(['ensemble', 'rsi-bollinger', 'sma-cross']));
  });

  for (const strategy of ['ensemble', 'rsi-bollinger', 'sma-cross']) {
    it(`passes for the shipped ${strategy} strategy`, async () => {
      const report = await checkLookahead(sample.store(), {...RANGE, strategy}, 8);
      expect(report.points.length).toBe(8);
      expect(report.violations).toEqual([]);
    });
  }

  it('catches a strategy that reads the next candle', async () => {
    const bait = resolve(import.meta.dirname, '../fixtures/strategies/peek-ahead.ts');
    const report = await checkLookahead(sample.store(), {...RANGE, strategy: bait}, 4);
    expect(report.violations.length).toBeGreaterThan(0);
    // It cheats exactly at the last bar before each cut: the bar whose "next" candle vanished.
    for (const v of report.violations) expect(v.barIndex).toBe(v.truncatedAt - 1);
  });
});
