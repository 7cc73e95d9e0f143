import {abstain, type Analyzer, type BarView, type SignalSlot, type SignalSource} from '../core/index.js';

/**
 * A source that is configured but cannot answer (no model registry or LLM endpoint yet, or none
 * configured): it abstains on every bar, so the ensemble renormalises over the other sources,
 * and it says why in `reason` for the run summary.
 */
export function unavailableAnalyzer(id: string, source: SignalSource, reason: string): Analyzer & {readonly unavailable: string} {
  return {
    id,
    source,
    warmupBars: 0,
    unavailable: reason,
    update(_bars: BarView, out: SignalSlot): void {
      abstain(out);
    },
  };
}
