/** Worker-thread entry: trains one model so a server's event loop keeps running meanwhile. */
import {parentPort} from 'node:worker_threads';
import {isIftbError} from '../../core/index.js';
import {type TrainRequest, trainXgboost} from './train.js';

parentPort?.once('message', (request: TrainRequest) => {
  try {
    const result = trainXgboost(request);
    parentPort!.postMessage({ok: true, result}, [result.modelJson.buffer as ArrayBuffer, result.predictions.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({
      ok: false,
      code: isIftbError(error) ? error.code : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
