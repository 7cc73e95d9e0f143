import {describe, expect, it} from 'vitest';
import {allocateBarColumns} from '../../src/core/index.js';
import {classificationMetrics, parseLabel, quantile, splitDataset} from '../../src/ml/index.js';

const HOUR = 3_600_000;

describe('labels and the purged time split', () => {
  it('parses sign(return, h bars) and refuses anything else', () => {
    expect(parseLabel('sign(return, 12 bars)')).toMatchObject({kind: 'sign-return', horizonBars: 12, definition: 'sign(return, 12 bars)'});
    expect(parseLabel(' SIGN( return,3 bar )').horizonBars).toBe(3);
    for (const bad of ['sign(return)', 'return(12)', 'sign(return, 0 bars)', 'sign(return, -2 bars)']) {
      expect(() => parseLabel(bad)).toThrow(/unknown label/);
    }
  });

  it('labels close[t+h] > close[t], drops rows whose future is unknown, purges h bars before validation', () => {
    const n = 200;
    const bars = allocateBarColumns(n);
    const t0 = Date.UTC(2024, 0, 1);
    for (let i = 0; i < n; i++) {
      bars.openTime[i] = t0 + i * HOUR;
      bars.close[i] = 100 + Math.sin(i / 3) * 10;
    }
    const h = 5;
    const fromMs = t0 + 20 * HOUR;
    const toMs = t0 + 120 * HOUR;
    const split = splitDataset({bars, timeframeMs: HOUR, label: parseLabel(`sign(return, ${h} bars)`), fromMs, toMs, warmupBars: 30});
    expect(split.splitMs).toBe(t0 + 100 * HOUR); // 80 % of the 100-bar window
    expect(split.train[0]).toBe(30); // warm-up first
    expect(split.train[split.train.length - 1]).toBe(100 - h - 1); // purge: label bar before the first validation bar
    expect(split.purged).toBe(h);
    expect(split.validation[0]).toBe(100);
    expect(split.validation[split.validation.length - 1]).toBe(120 - h - 1); // label bar inside the window
    for (const i of [...split.train, ...split.validation]) expect(split.labels[i]).toBe(bars.close[i + h] > bars.close[i] ? 1 : 0);
    expect(split.labels[119]).toBeNaN();
  });
});

describe('classification metrics', () => {
  it('computes AUC with ties, log-loss, accuracy, Brier and decile calibration', () => {
    const p = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2];
    const y = [0, 0, 1, 1, 0, 1];
    const m = classificationMetrics(p, y, 3);
    // Positive/negative pairs ranked right: 0.35 > 0.1; 0.8 > 0.1, 0.4 and ties 0.8 (½); 0.2 > 0.1 → 4.5 of 9.
    expect(m.auc).toBeCloseTo(4.5 / 9, 5);
    const ll = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8) + Math.log(0.2) + Math.log(0.2)) / 6;
    expect(m.logLoss).toBeCloseTo(ll, 5);
    expect(m.accuracy).toBeCloseTo(3 / 6, 6);
    expect(m.positiveRate).toBe(0.5);
    expect(m.calibration.map((b) => b.count)).toEqual([2, 2, 2]);
    expect(m.calibration[0]).toMatchObject({pMin: 0.1, pMax: 0.2, meanPredicted: 0.15, observedRate: 0.5});
    expect(classificationMetrics([0.3, 0.6], [1, 1]).auc).toBeNull();
  });

  it('takes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.9)).toBe(5);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
  });
});
