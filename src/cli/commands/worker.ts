import {Command, Option} from 'commander';
import {defaultModelsDir} from '../../app/models.js';
import {serveCompareBacktests} from '../../app/compare-queue.js';
import {serveTrials} from '../../app/optimize-queue.js';
import {serveTraining} from '../../app/train-queue.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {numberOption} from '../options.js';

export function workerCommand(io: CliIo): Command {
  return storeOptions(
    new Command('worker')
      .description('process optimisation trials (iftb optimize --queue), walk-forward training folds (iftb train --walk-forward --queue) and A/B backtests (iftb compare --queue) from a BullMQ queue until stopped (SIGINT/SIGTERM)')
      .requiredOption('--queue <url>', 'Redis URL of the queue, e.g. redis://127.0.0.1:6379')
      .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (default iftb)')
      .option('--concurrency <n>', 'trials in flight in this process (default 1; start one worker per core)', numberOption('--concurrency', 1))
      .option('--lock-ms <ms>', 'job lock; a dead worker\'s trial is retried elsewhere after about this long (default 30000)', numberOption('--lock-ms', 500))
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models')),
  ).action(async (o: StoreOptions & {queue: string; queuePrefix?: string; concurrency?: number; lockMs?: number; modelsDir: string}) => {
    await withStore(o, async (store) => {
      const server = await serveTrials(store, o.queue, {prefix: o.queuePrefix, concurrency: o.concurrency, lockMs: o.lockMs, modelsDir: o.modelsDir, log: io.out});
      const training = await serveTraining(o.queue, {prefix: o.queuePrefix, lockMs: o.lockMs, log: io.out});
      const compare = await serveCompareBacktests(store, o.queue, {prefix: o.queuePrefix, lockMs: o.lockMs, modelsDir: o.modelsDir, log: io.out});
      io.out(`worker ready on ${o.queue} (prefix ${o.queuePrefix ?? 'iftb'})`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await compare.close();
      await training.close();
      await server.close();
    });
  });
}
