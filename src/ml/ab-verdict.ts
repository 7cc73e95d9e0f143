/**
 * The A/B verdict from two tests — the ML signal's hit rates and the Sharpe difference of the
 * equity returns, both HAR tests valid under overlapping horizons and autocorrelation — with Holm's
 * step-down correction across the two, so the chance of any verdict other than "no significant
 * difference" when A and B are equally good is at most α (5 %), not the ≈ 2α of "either test".
 *
 * Holm rather than one primary test: the two answer different questions (is the signal more often
 * right; does the strategy earn more per unit of risk), a user may care about either, and Holm
 * keeps both at the cost of a 2.5 % bar for the first rejection.
 */
import type {PairedHitTest, SharpeComparison} from './compare.js';

export const SIGNIFICANCE = 0.05;

export type Verdict = 'A better' | 'B better' | 'no significant difference';

export interface VerdictTest {
  readonly name: 'ML hits' | 'Sharpe difference';
  readonly method: string;
  readonly pValue: number;
  /** Holm-adjusted p-value: the test rejects when this is below α. */
  readonly adjustedPValue: number;
  /** The side the estimate points to (null: no difference at all). */
  readonly favours: 'A' | 'B' | null;
  readonly rejected: boolean;
}

export interface AbVerdict {
  readonly verdict: Verdict;
  /** Which test decided, or that none did, with the figures. */
  readonly reason: string;
  /** How the verdict is reached, in one line. */
  readonly method: string;
  readonly alpha: number;
  readonly tests: readonly [VerdictTest, VerdictTest];
}

const f4 = (x: number) => x.toFixed(4);

export function decideAb(hits: PairedHitTest, sharpe: SharpeComparison, alpha = SIGNIFICANCE): AbVerdict {
  const hitMethod = `${hits.method}, ν = ${hits.dof}, moves over ${hits.horizonBars} bars`;
  const sharpeMethod = `${sharpe.method}, ν = ${sharpe.dof}`;
  const d = sharpe.difference.estimate;
  const raw = [
    {name: 'ML hits' as const, method: hitMethod, pValue: hits.pValue, favours: hits.aOnly > hits.bOnly ? 'A' as const : hits.bOnly > hits.aOnly ? 'B' as const : null},
    {name: 'Sharpe difference' as const, method: sharpeMethod, pValue: sharpe.pValue, favours: d > 0 ? 'A' as const : d < 0 ? 'B' as const : null},
  ];
  // Holm: the smaller p is compared with α/2, the larger (only if the first rejected) with α.
  const order = raw[0].pValue <= raw[1].pValue ? [0, 1] : [1, 0];
  const adjusted = [0, 0];
  adjusted[order[0]] = Math.min(1, 2 * raw[order[0]].pValue);
  adjusted[order[1]] = Math.max(adjusted[order[0]], Math.min(1, raw[order[1]].pValue));
  const tests = raw.map((t, k) => ({...t, adjustedPValue: adjusted[k], rejected: adjusted[k] < alpha && t.favours !== null})) as [VerdictTest, VerdictTest];
  const [h, s] = tests;
  const ci = sharpe.difference;
  const describe = (t: VerdictTest) => `${t.name} p = ${f4(t.pValue)} (Holm ${f4(t.adjustedPValue)})`;
  const hitText = `${describe(h)}, A-only ${hits.aOnly}, B-only ${hits.bOnly}`;
  const sharpeText = `${describe(s)}, Sharpe A − B ${Math.round(sharpe.confidence * 100)}% CI [${ci.low.toFixed(2)}, ${ci.high.toFixed(2)}]`;
  const method = `Holm across two tests at ${Math.round(alpha * 100)} %: ML hits by ${hitMethod}; Sharpe difference by ${sharpeMethod}`;
  const base = {method, alpha, tests};
  const better = (side: 'A' | 'B'): Verdict => (side === 'A' ? 'A better' : 'B better');
  if (h.rejected && s.rejected && h.favours !== s.favours) {
    return {...base, verdict: 'no significant difference', reason: `the tests disagree: ${hitText} favours ${h.favours}; ${sharpeText} favours ${s.favours}`};
  }
  if (h.rejected && s.rejected) return {...base, verdict: better(h.favours!), reason: `both: ${hitText}; ${sharpeText}`};
  if (h.rejected) return {...base, verdict: better(h.favours!), reason: `by the ML hits: ${hitText}; ${sharpeText}`};
  if (s.rejected) return {...base, verdict: better(s.favours!), reason: `by the Sharpe difference: ${sharpeText}; ${hitText}`};
  return {...base, verdict: 'no significant difference', reason: `neither test below ${alpha} after Holm: ${hitText}; ${sharpeText}`};
}
