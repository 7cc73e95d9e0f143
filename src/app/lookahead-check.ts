import type {DuckDbStore} from '../adapters/duckdb/index.js';
import type {BacktestRun} from './backtest-runner.js';
import {runBacktest} from './backtest-runner.js';
import {refusePortfolio} from './backtest-config.js';
import {checkPrepareCausality, type CutPlan, prepareCuts} from './prepare-causality.js';

export interface LookaheadViolation {
  readonly truncatedAt: number;
  /** First bar whose signals, decisions or journal differ. */
  readonly barIndex: number;
  readonly timeMs: number;
  readonly what: string;
}

export interface LookaheadReport {
  readonly strategy: string;
  readonly bars: number;
  /** Truncation points of the end-to-end replays. */
  readonly points: readonly number[];
  /** Analyzers whose batch `prepare` was re-run on truncated series, and at how many cut points. */
  readonly prepare: {readonly analyzers: readonly string[]; readonly cuts: number};
  readonly violations: readonly LookaheadViolation[];
}

export interface LookaheadOptions {
  /** End-to-end replays of the whole pipeline on truncated data (default 24). */
  readonly points?: number;
  /** Cut points of the `prepare` check (default: every decision bar up to 3000, else intents + a seeded sample). */
  readonly prepare?: CutPlan;
}

/** Per-bar fingerprint of everything the pipeline computed at bar i: readings, ensemble, position, equity. */
function barState(run: BacktestRun, i: number): string {
  const r = run.engine.recorder;
  const signals = r.signals.map((s) => [s.score[i], s.confidence[i], s.active[i]]);
  return JSON.stringify([signals, r.ensembleScore[i], r.ensembleConfidence[i], r.positionQty[i], r.equity[i]]);
}

/**
 * Two checks that something used a candle that had not closed yet. Strategies, indicators and
 * analyzers' `update` see a view bounded at the current bar, so the remaining ways to look ahead
 * are batch computations: (1) every analyzer's `prepare` is re-run on the series cut after each
 * decision bar and must give that bar the same reading; (2) the whole pipeline is replayed on data
 * truncated at `points` places and every earlier bar's readings, ensemble, position, equity and
 * journal must be unchanged.
 */
export async function checkLookahead(store: DuckDbStore, config: unknown, options: LookaheadOptions = {}): Promise<LookaheadReport> {
  refusePortfolio(config, 'check lookahead');
  const points = options.points ?? 24;
  const full = await runBacktest(store, config);
  const n = full.bars.length;
  const violations: LookaheadViolation[] = [];

  const cuts = prepareCuts(full, options.prepare);
  const prepared = full.probe.analyzers().filter((a) => typeof a.prepare === 'function').map((a) => a.id);
  for (const v of await checkPrepareCausality(full, cuts)) {
    violations.push({truncatedAt: v.truncatedAt, barIndex: v.barIndex, timeMs: v.timeMs, what: v.what});
  }

  const replayCuts = new Set<number>();
  const first = full.firstIndex;
  for (let k = 1; k <= points; k++) replayCuts.add(first + 1 + Math.floor(((n - first - 1) * k) / (points + 1)));
  for (const cut of [...replayCuts].sort((a, b) => a - b)) {
    if (cut >= n) continue;
    const part = await runBacktest(store, config, {truncateBars: cut, runId: full.runId});
    for (let i = 0; i < cut; i++) {
      const events = (run: BacktestRun) => JSON.stringify(run.journal.slice(i === 0 ? 0 : run.journalEnds[i - 1], run.journalEnds[i]));
      const what = barState(full, i) !== barState(part, i) ? 'signals, position or equity' : events(full) !== events(part) ? 'journal events' : null;
      if (what) {
        violations.push({truncatedAt: cut, barIndex: i, timeMs: full.bars.openTime[i], what});
        break;
      }
    }
  }
  return {strategy: full.strategy.name, bars: n, points: [...replayCuts], prepare: {analyzers: prepared, cuts: prepared.length > 0 ? cuts.length : 0}, violations};
}
