import type {DuckDbStore} from '../adapters/duckdb/index.js';
import type {BacktestRun} from './backtest-runner.js';
import {runBacktest} from './backtest-runner.js';

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
  readonly points: readonly number[];
  readonly violations: readonly LookaheadViolation[];
}

/** Per-bar fingerprint of everything the pipeline computed at bar i: readings, ensemble, position, equity. */
function barState(run: BacktestRun, i: number): string {
  const r = run.engine.recorder;
  const signals = r.signals.map((s) => [s.score[i], s.confidence[i], s.active[i]]);
  return JSON.stringify([signals, r.ensembleScore[i], r.ensembleConfidence[i], r.positionQty[i], r.equity[i]]);
}

/**
 * Replays the run again on data truncated at `points` places and compares every earlier bar: the
 * analyzers' readings, the ensemble, the position, the equity and the journal (intents, orders,
 * fills). Any difference means something used a candle that had not closed yet.
 */
export async function checkLookahead(store: DuckDbStore, config: unknown, points = 24): Promise<LookaheadReport> {
  const full = await runBacktest(store, config);
  const n = full.bars.length;
  const cuts = new Set<number>();
  for (let k = 1; k <= points; k++) cuts.add(Math.max(full.firstIndex + 1, Math.floor((n * k) / (points + 1))));
  const violations: LookaheadViolation[] = [];
  for (const cut of [...cuts].sort((a, b) => a - b)) {
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
  return {strategy: full.strategy.name, bars: n, points: [...cuts], violations};
}
