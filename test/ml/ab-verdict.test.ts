import {describe, expect, it} from 'vitest';
import {decideAb} from '../../src/ml/ab-verdict.js';
import {compareSharpe, type PairedHitTest, pairedHitTest, type SharpeComparison} from '../../src/ml/compare.js';
import {mulberry32} from '../../src/ml/sharpe-compare.js';

const HORIZON = 12;

/**
 * One synthetic A/B backtest pair. Prices: returns with a little autocorrelation (0.05) and
 * clustered volatility (log-vol AR(1) 0.98). Each model reads the next-12-bar move with skill
 * `skill` plus persistent noise (AR(1) φ = 0.9, half of it shared by the two models), the way
 * feature-driven scores persist; hits are judged on overlapping 12-bar moves, and each "backtest"
 * holds sign(score) × ½ for the next bar. With equal skill the models are equally good.
 */
function world(seed: number, n: number, skillA: number, skillB: number) {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const returns = new Float64Array(n + HORIZON + 1);
  let logVol = 0, previous = 0;
  for (let t = 0; t < returns.length; t++) {
    logVol = 0.98 * logVol + 0.2 * gauss();
    previous = 0.05 * previous + 0.01 * Math.exp(logVol / 2) * gauss();
    returns[t] = previous;
  }
  const move = new Float64Array(n);
  let ss = 0;
  for (let t = 0; t < n; t++) {
    for (let k = 1; k <= HORIZON; k++) move[t] += returns[t + k];
    ss += move[t] * move[t];
  }
  const sd = Math.sqrt(ss / n);
  const phi = 0.9, shared = 0.5, q = Math.sqrt(1 - phi * phi), own = Math.sqrt(1 - shared * shared);
  let common = 0, ua = 0, ub = 0;
  const hitsA = new Uint8Array(n), hitsB = new Uint8Array(n), equityA = new Float64Array(n), equityB = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    common = phi * common + q * gauss();
    ua = phi * ua + q * gauss();
    ub = phi * ub + q * gauss();
    const a = (skillA * move[t]) / sd + shared * common + own * ua;
    const b = (skillB * move[t]) / sd + shared * common + own * ub;
    hitsA[t] = Math.sign(a) === Math.sign(move[t]) ? 1 : 0;
    hitsB[t] = Math.sign(b) === Math.sign(move[t]) ? 1 : 0;
    equityA[t] = 0.5 * Math.sign(a) * returns[t + 1];
    equityB[t] = 0.5 * Math.sign(b) * returns[t + 1];
  }
  return {hitsA, hitsB, equityA, equityB};
}

function verdicts(seeds: number, n: number, skillA: number, skillB: number) {
  const out = {aBetter: 0, bBetter: 0, naiveHitRejects: 0, hitRejects: 0, sharpeRejects: 0};
  for (let s = 1; s <= seeds; s++) {
    const w = world(s * 7919, n, skillA, skillB);
    const hits = pairedHitTest(w.hitsA, w.hitsB, HORIZON);
    // The bootstrap only draws the per-run intervals; a few resamples keep the test fast.
    const sharpe = compareSharpe(w.equityA, w.equityB, 8760, {resamples: 10, seed: s});
    const v = decideAb(hits, sharpe).verdict;
    if (v === 'A better') out.aBetter++;
    if (v === 'B better') out.bBetter++;
    if (hits.naivePValue < 0.05) out.naiveHitRejects++;
    if (hits.pValue < 0.05) out.hitRejects++;
    if (sharpe.pValue < 0.05) out.sharpeRejects++;
  }
  return out;
}

describe('A/B verdict false-positive rate by simulation', () => {
  const SEEDS = 400;

  it('two models of identical skill on autocorrelated data: "B better" in ≤ 5 % of seeds, any verdict near 5 %', () => {
    const r = verdicts(SEEDS, 1000, 0.3, 0.3);
    // The data are hard: McNemar, assuming independent pairs, "finds" a difference in a quarter of the seeds or more.
    expect(r.naiveHitRejects / SEEDS).toBeGreaterThan(0.2);
    // Each test alone holds its 5 % (± sampling error of 400 seeds).
    expect(r.hitRejects / SEEDS).toBeLessThan(0.075);
    expect(r.sharpeRejects / SEEDS).toBeLessThan(0.075);
    expect(r.bBetter / SEEDS).toBeLessThanOrEqual(0.05);
    // Holm keeps the whole verdict near 5 % (either test at 5 % without it gave 10 % here).
    expect((r.aBetter + r.bBetter) / SEEDS).toBeLessThanOrEqual(0.065);
  });

  it('still finds a clearly better model', () => {
    const r = verdicts(100, 1000, 0.3, 1.2);
    expect(r.bBetter).toBeGreaterThanOrEqual(80);
    expect(r.aBetter).toBe(0);
  });
});

describe('A/B verdict (Holm across the two tests)', () => {
  const hits = (aOnly: number, bOnly: number, pValue: number): PairedHitTest => ({
    aOnly, bOnly, bothRight: 0, bothWrong: 0, method: 'EWC HAR t-test', horizonBars: 12, dof: 30, lag1Autocorrelation: 0.2,
    varianceInflation: 1.8, statistic: 0, pValue, naivePValue: pValue / 10,
  });
  const sharpe = (estimate: number, pValue: number): SharpeComparison => {
    const i = {estimate, low: estimate - 1, high: estimate + 1};
    return {a: i, b: i, difference: i, method: 'Ledoit–Wolf delta method with EWC HAR variance', dof: 30, statistic: 0, pValue, aBetterShare: 0.5, resamples: 100, blockBars: 24, confidence: 0.95};
  };

  it('rejects the smaller p only below α/2, then the larger below α', () => {
    // 0.03 alone is not enough (Holm: 0.06).
    expect(decideAb(hits(60, 30, 0.03), sharpe(0, 0.6))).toMatchObject({verdict: 'no significant difference', reason: expect.stringMatching(/^neither test/)});
    expect(decideAb(hits(60, 30, 0.02), sharpe(0.1, 0.6))).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^by the ML hits/)});
    expect(decideAb(hits(30, 60, 0.02), sharpe(0.1, 0.6)).verdict).toBe('B better');
    expect(decideAb(hits(40, 45, 0.6), sharpe(0.5, 0.001))).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^by the Sharpe difference/)});
    expect(decideAb(hits(40, 45, 0.6), sharpe(-0.5, 0.001)).verdict).toBe('B better');
    // Both: the first at 0.01 < 0.025, then 0.04 < 0.05.
    const both = decideAb(hits(60, 30, 0.01), sharpe(0.5, 0.04));
    expect(both).toMatchObject({verdict: 'A better', reason: expect.stringMatching(/^both/)});
    expect(both.tests.map((t) => [t.name, t.adjustedPValue, t.rejected])).toEqual([['ML hits', 0.02, true], ['Sharpe difference', 0.04, true]]);
    expect(decideAb(hits(60, 30, 0.001), sharpe(-0.5, 0.01))).toMatchObject({verdict: 'no significant difference', reason: expect.stringMatching(/disagree/)});
    // The second is only tested once the first rejected: 0.04 then 0.045 → nothing.
    expect(decideAb(hits(60, 30, 0.04), sharpe(0.5, 0.045)).verdict).toBe('no significant difference');
  });

  it('states the method and gives no direction without a difference', () => {
    const v = decideAb(hits(30, 30, 1), sharpe(0, 1));
    expect(v.verdict).toBe('no significant difference');
    expect(v.method).toBe('Holm across two tests at 5 %: ML hits by EWC HAR t-test, ν = 30, moves over 12 bars; Sharpe difference by Ledoit–Wolf delta method with EWC HAR variance, ν = 30');
    expect(v.tests.map((t) => t.favours)).toEqual([null, null]);
  });
});
