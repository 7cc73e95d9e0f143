/**
 * A trial worker thread: receives the sweep's market data once (shared memory, not a copy),
 * checks its hash, loads the strategy, then runs trials as they come.
 */
import {parentPort, threadId} from 'node:worker_threads';
import type {StrategyDefinition} from '../decision/index.js';
import type {TrialRequest} from '../optimize/sweep.js';
import {executeTrial} from './optimize-executors.js';
import {loadTrialStrategy, marketOf, type SweepMarket} from './optimize-trial.js';
import type {PoolInit, WorkerMessage} from './optimize-pool.js';

let market: SweepMarket | null = null;
let strategy: StrategyDefinition | null = null;
let modelsDir: string | undefined;

const post = (message: WorkerMessage) => parentPort!.postMessage(message);

parentPort!.on('message', (message: {type: 'init'; init: PoolInit} | {type: 'trial'; request: TrialRequest}) => {
  void (async () => {
    if (message.type === 'init') {
      try {
        const {bars, mark, funding, analyzerFunding, usesAnalyzerFunding, dataHash} = message.init.market;
        market = marketOf(bars, mark, funding, analyzerFunding, usesAnalyzerFunding);
        if (market.dataHash !== dataHash) throw new Error(`data hash ${market.dataHash.slice(0, 12)} differs from the coordinator's ${dataHash.slice(0, 12)}`);
        strategy = await loadTrialStrategy(message.init.strategy);
        modelsDir = message.init.modelsDir;
        post({type: 'ready'});
      } catch (error) {
        post({type: 'init-failed', error: (error as Error).message});
      }
      return;
    }
    const result = await executeTrial(market!, strategy!, message.request, `thread-${threadId}`, {modelsDir});
    post({type: 'result', result});
  })();
});
