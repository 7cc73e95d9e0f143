/**
 * trainXgboost in a worker thread: XGBoost's C calls block their thread for the whole training,
 * so anything that must stay responsive (an API server, a progress bar) trains through this.
 */
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {ErrorCode, fromRoot, IftbError} from '../../core/index.js';
import type {TrainRequest, TrainResult} from './train.js';

/** The compiled worker: beside this file when built, dist/ when running from sources (tests). */
function workerPath(): string {
  const here = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fromRoot('dist', 'src', 'ml', 'xgboost', 'worker.js');
  if (existsSync(built)) return built;
  throw new IftbError(ErrorCode.ML_FAILED, `the training worker is not built (${built}); run \`npm run build\``);
}

export function trainInWorker(request: TrainRequest): Promise<TrainResult> {
  // Set in the real environment (a worker's process.env is a copy): see loadXgboost.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerPath());
    let settled = false;
    worker.once('message', (message: {ok: true; result: TrainResult} | {ok: false; code?: ErrorCode; message: string}) => {
      settled = true;
      if (message.ok) resolve(message.result);
      else reject(new IftbError(message.code ?? ErrorCode.ML_FAILED, message.message));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(new IftbError(ErrorCode.ML_FAILED, `training worker failed: ${error.message}`, {cause: error}));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new IftbError(ErrorCode.ML_FAILED, `training worker exited with code ${code}`));
      settled = true;
    });
    // Copies, not transfers: the caller keeps its rows for the parity check.
    worker.postMessage(request);
  });
}
