import {Command, InvalidArgumentError, Option} from 'commander';
import {defaultModelsDir} from '../../app/models.js';
import {type TrainReport, trainModel} from '../../app/train.js';
import {queueFoldTrainer} from '../../app/train-queue.js';
import {trainWalkForward, type WalkForward} from '../../app/walk-forward.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import {type CliIo, dbOption, withStore} from '../context.js';
import {formatInt, renderPairs, renderTable} from '../format.js';
import {durationOption, numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';

interface TrainCliOptions {
  db: string;
  wait?: number;
  name: string;
  features: string;
  label: string;
  symbol?: string;
  timeframe?: string;
  from: number;
  to: number;
  params?: string;
  seed?: number;
  version?: string;
  modelsDir: string;
  json?: boolean;
  walkForward?: boolean;
  train?: number;
  test?: number;
  queue?: string;
  queuePrefix?: string;
}


function parseParams(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new IftbError(ErrorCode.INPUT_INVALID, `--params must be a JSON object, e.g. '{"max_depth":4,"eta":0.05,"rounds":150}', got '${text}'`);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

export function trainCommand(io: CliIo): Command {
  return dbOption(
    new Command('train')
      .description('train an XGBoost direction model on stored candles, export it to ONNX and add it to the model registry')
      .requiredOption('--name <name>', 'model name, e.g. xgb-dir')
      .option('--features <set>', 'feature set', 'ohlcv-v1')
      .option('--label <definition>', 'label, e.g. "sign(return, 12 bars)"', 'sign(return, 12 bars)')
      .option('--symbol <symbol>', 'ccxt unified symbol (default BTC/USDT:USDT)', symbolOption)
      .option('--timeframe <tf>', 'candle interval (default 1h)', timeframeOption)
      .requiredOption('--from <time>', 'first row of the window (UTC)', timeOption)
      .requiredOption('--to <time>', 'end of the window, exclusive; the last 20 % validate', timeOption)
      .option('--params <json>', 'XGBoost parameters: max_depth, eta, subsample, colsample_bytree, min_child_weight, lambda, alpha, gamma, rounds')
      .option('--seed <n>', 'random seed (default 42)', numberOption('--seed', 0))
      .option('--version <version>', 'version to write (default: the next integer)')
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .option('--walk-forward', 'first retrain on a rolling window over --from/--to and score each next span out of sample')
      .option('--train <duration>', 'walk-forward training span, e.g. 180d', durationOption)
      .option('--test <duration>', 'walk-forward test span (and step), e.g. 30d', durationOption)
      .option('--queue <url>', 'walk-forward: train the folds on `iftb worker` processes through this BullMQ queue (redis://host:port)')
      .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (default iftb)')
      .option('--json', 'print the manifest as JSON'),
  ).action(async (o: TrainCliOptions) => {
    const config = {
      name: o.name, featureSet: o.features, label: o.label, symbol: o.symbol, timeframe: o.timeframe, fromMs: o.from, toMs: o.to,
      params: parseParams(o.params), seed: o.seed, version: o.version,
    };
    if (!o.walkForward && (o.train !== undefined || o.test !== undefined)) {
      throw new IftbError(ErrorCode.INPUT_INVALID, '--train and --test go with --walk-forward');
    }
    if (o.walkForward && (o.train === undefined || o.test === undefined)) {
      throw new IftbError(ErrorCode.INPUT_INVALID, '--walk-forward needs --train and --test, e.g. --train 180d --test 30d');
    }
    if (o.queue !== undefined && !o.walkForward) throw new IftbError(ErrorCode.INPUT_INVALID, '--queue goes with --walk-forward (one model trains here)');
    const foldTrainer = o.queue === undefined ? undefined : queueFoldTrainer(o.queue, {prefix: o.queuePrefix});
    // --seed is the model's random seed here; a new store is always seeded with the sample.
    await withStore({db: o.db, seed: true, wait: o.wait}, async (store) => {
      let report: TrainReport;
      let walkForward: WalkForward | undefined;
      if (o.walkForward) ({model: report, walkForward} = await trainWalkForward(store, config, {trainMs: o.train!, testMs: o.test!}, {modelsDir: o.modelsDir, foldTrainer}));
      else report = await trainModel(store, config, {modelsDir: o.modelsDir});
      if (o.json) {
        io.out(JSON.stringify(report.manifest, null, 2));
        return;
      }
      if (walkForward) io.out(`${walkForwardText(walkForward)}\n\nmodel to deploy: trained on the last --train span\n`);
      io.out(renderPairs(modelRows(report)));
      io.out(`promote it to live (through the gates) with: iftb models promote ${report.manifest.name}@${report.manifest.version} --channel live`);
    }, {readOnly: true}, io);
  });
}

function walkForwardText(w: WalkForward): string {
  const o = w.outOfSample;
  return [
    `walk-forward: ${w.folds.length} folds, train ${w.trainBars} bars, test ${w.testBars} bars`,
    renderTable(
      ['train from', 'test from', 'test to', 'train rows', 'test rows', 'AUC', 'log-loss', 'accuracy'],
      w.folds.map((f) => [f.train.from.slice(0, 10), f.test.from.slice(0, 10), f.test.to.slice(0, 10), f.train.rows, f.test.rows, num(f.auc), num(f.logLoss), num(f.accuracy)]),
    ),
    `out of sample (all folds stitched, ${formatInt(o.rows)} rows): AUC ${num(o.auc)}, log-loss ${num(o.logLoss)}, accuracy ${num(o.accuracy)} (base rate ${num(o.positiveRate)})`,
  ].join('\n');
}

function modelRows(report: TrainReport): Array<[string, string]> {
  const m = report.manifest;
  const v = m.metrics.validation;
  return [
    ['model', `${m.name}@${m.version}  (${report.dir})`],
    ['features / label', `${m.features.set} (${m.features.names.length}) / ${m.label.definition}`],
    ['market', `${m.market.symbol} ${m.market.timeframe}`],
    ['train window', `${m.windows.train.from} → ${m.windows.train.to}  (${formatInt(m.windows.train.rows)} rows, ${m.windows.train.purged} purged)`],
    ['validation window', `${m.windows.validation.from} → ${m.windows.validation.to}  (${formatInt(m.windows.validation.rows)} rows)`],
    ['trees', `${m.trainer.trees} (${m.trainer.leaves} leaves), XGBoost ${m.trainer.version}, seed ${m.seed}`],
    ['validation AUC / log-loss / accuracy', `${num(v.auc)} / ${num(v.logLoss)} / ${num(v.accuracy)}  (base rate ${num(v.positiveRate)})`],
    ['ONNX parity (max |Δp|)', `${m.onnx.parityMaxAbsDiff.toExponential(2)} over ${formatInt(m.onnx.parityRows)} rows`],
    ['files', Object.entries(m.files).map(([f, x]) => `${f} ${kb(x.bytes)}`).join(', ')],
    ['time', `features ${(report.timings.featuresMs / 1000).toFixed(2)} s, training ${(report.timings.trainMs / 1000).toFixed(2)} s, export+parity ${(report.timings.exportMs / 1000).toFixed(2)} s`],
  ];
}
