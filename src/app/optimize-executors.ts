/** Running trials in this thread, and the one mapping from a trial's run to its stored result. */
import {isIftbError} from '../core/index.js';
import type {StrategyDefinition} from '../decision/index.js';
import type {TrialExecutor, TrialRequest, TrialResult} from '../optimize/sweep.js';
import {runTrial, type SweepMarket, type TrialRunOptions} from './optimize-trial.js';

/** Runs one request; a trial that throws is a failed trial (its message kept), never a lost one. */
export async function executeTrial(market: SweepMarket, strategy: StrategyDefinition, request: TrialRequest, worker: string, options: TrialRunOptions = {}): Promise<TrialResult> {
  const started = performance.now();
  const base = {fold: request.fold, trial: request.trial, point: request.point, worker};
  try {
    const {run, metrics, returns} = await runTrial(market, strategy, request.config, options);
    return {
      ...base, status: 'done', error: null, runId: run.runId, configHash: run.configHash, dataHash: run.dataHash, metrics, returns,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    const message = isIftbError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    return {...base, status: 'failed', error: message, runId: null, configHash: null, dataHash: null, metrics: null, returns: null, seconds: (performance.now() - started) / 1000};
  }
}

/** Trials one after another in this thread (tests, `optimize show`, `--workers 0`). */
export function inlineExecutor(market: SweepMarket, strategy: StrategyDefinition, options: TrialRunOptions = {}): TrialExecutor {
  return {
    async run(requests, onResult) {
      for (const request of requests) {
        onResult(await executeTrial(market, strategy, request, 'main', options));
        // Let a progress bar redraw between trials.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
