import {Command, Option} from 'commander';
import {DEFAULT_CHANNEL, defaultModelsDir, listModels, openRegistry} from '../../app/models.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import type {CliIo} from '../context.js';
import {renderPairs, renderTable} from '../format.js';

interface DirOptions {
  modelsDir: string;
  json?: boolean;
}

const dirOption = () => new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models');
const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

export function modelsCommand(io: CliIo): Command {
  const models = new Command('models').description('the model registry: list, show, pin, roll back, verify');

  models
    .command('list')
    .description('every model version, its pins and validation AUC')
    .addOption(dirOption())
    .option('--json', 'print JSON')
    .action((o: DirOptions) => {
      const rows = listModels(openRegistry(o.modelsDir));
      if (o.json) return io.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return io.out(`no models in ${o.modelsDir} (train one with \`iftb train\`)`);
      io.out(
        renderTable(
          ['model', 'pins', 'features', 'label', 'market', 'train from', 'validation to', 'val AUC'],
          rows.map((r) => [`${r.name}@${r.version}`, r.channels.join(',') || '-', r.featureSet, r.label, r.market, r.trainFrom.slice(0, 10), r.validationTo.slice(0, 10), r.error ? 'unreadable' : num(r.validationAuc)]),
        ),
      );
    });

  models
    .command('show')
    .description('the manifest of NAME@VERSION (or NAME@CHANNEL)')
    .argument('<ref>', 'model reference, e.g. xgb-dir@1 or xgb-dir@live')
    .addOption(dirOption())
    .option('--json', 'print the manifest as JSON')
    .action((ref: string, o: DirOptions) => {
      const registry = openRegistry(o.modelsDir);
      const resolved = registry.resolve(ref);
      const m = registry.manifest(resolved.name, resolved.version);
      if (o.json) return io.out(JSON.stringify(m, null, 2));
      const v = m.metrics.validation;
      const pins = Object.entries(registry.channels(m.name).channels).filter(([, s]) => s.version === m.version).map(([c]) => c);
      const rows: Array<[string, string]> = [
        ['model', `${m.name}@${m.version}${resolved.channel ? ` (via ${resolved.channel})` : ''}`],
        ['pinned as', pins.join(', ') || '-'],
        ['features', `${m.features.set}: ${m.features.names.join(', ')}`],
        ['label', `${m.label.definition}: ${m.label.rule}`],
        ['market', `${m.market.exchange} ${m.market.symbol} ${m.market.timeframe}`],
        ['train', `${m.windows.train.from} → ${m.windows.train.to} (${m.windows.train.rows} rows, ${m.windows.train.purged} purged)`],
        ['validation', `${m.windows.validation.from} → ${m.windows.validation.to} (${m.windows.validation.rows} rows)`],
        ['params', JSON.stringify(m.params)],
        ['trainer', `XGBoost ${m.trainer.version}, ${m.trainer.trees} trees, ${m.trainer.leaves} leaves, seed ${m.seed}`],
        ['validation AUC / log-loss / accuracy / Brier', `${num(v.auc)} / ${num(v.logLoss)} / ${num(v.accuracy)} / ${num(v.brier)}`],
        ['ONNX parity', `max |Δp| ${m.onnx.parityMaxAbsDiff.toExponential(2)} over ${m.onnx.parityRows} rows`],
        ['serving', `scoreScale ${m.serving.scoreScale}: ${m.serving.rule}`],
        ...(m.walkForward
          ? [['walk-forward', `${m.walkForward.folds.length} folds (train ${m.walkForward.trainBars} / test ${m.walkForward.testBars} bars): out-of-sample AUC ${num(m.walkForward.outOfSample.auc)}, log-loss ${num(m.walkForward.outOfSample.logLoss)}, accuracy ${num(m.walkForward.outOfSample.accuracy)}`] as [string, string]]
          : []),
        ...Object.entries(m.files).map(([f, x]): [string, string] => [f, `sha256 ${x.sha256} (${x.bytes} bytes)`]),
        ['data hash', m.dataHash],
        ['created', m.createdAt],
      ];
      io.out(renderPairs(rows));
      io.out('calibration (validation, deciles of p):');
      io.out(renderTable(['p from', 'p to', 'rows', 'mean p', 'observed'], v.calibration.map((b) => [num(b.pMin), num(b.pMax), b.count, num(b.meanPredicted), num(b.observedRate)])));
    });

  models
    .command('pin')
    .description('point a channel (default live) at NAME@VERSION; the version it replaces is kept for rollback')
    .argument('<ref>', 'NAME@VERSION')
    .option('--channel <channel>', 'channel', DEFAULT_CHANNEL)
    .addOption(dirOption())
    .action((ref: string, o: DirOptions & {channel: string}) => {
      const registry = openRegistry(o.modelsDir);
      const resolved = registry.resolve(ref);
      if (resolved.channel) throw new IftbError(ErrorCode.INPUT_INVALID, `pin takes NAME@VERSION, not a channel ('${ref}')`);
      const before = registry.channels(resolved.name).channels[o.channel]?.version;
      const state = registry.pin(resolved.name, resolved.version, o.channel);
      io.out(before === state.version ? `${resolved.name}@${o.channel} is already ${state.version}` : `${resolved.name}@${o.channel} → ${state.version}${before ? ` (was ${before})` : ''}`);
    });

  models
    .command('rollback')
    .description('return a channel (default live) to the version it used before the last pin')
    .argument('<name>', 'model name')
    .option('--channel <channel>', 'channel', DEFAULT_CHANNEL)
    .addOption(dirOption())
    .action((name: string, o: DirOptions & {channel: string}) => {
      const registry = openRegistry(o.modelsDir);
      const before = registry.channels(name).channels[o.channel]?.version;
      const state = registry.rollback(name, o.channel);
      io.out(`${name}@${o.channel} → ${state.version} (rolled back from ${before})`);
    });

  models
    .command('verify')
    .description('check every file of every version (or of NAME / NAME@VERSION) against its manifest sha256')
    .argument('[ref]', 'NAME or NAME@VERSION')
    .addOption(dirOption())
    .option('--json', 'print JSON')
    .action((ref: string | undefined, o: DirOptions) => {
      const results = openRegistry(o.modelsDir).verify(ref);
      if (o.json) io.out(JSON.stringify(results, null, 2));
      else for (const r of results) io.out(`${r.ok ? 'ok     ' : 'FAILED '} ${r.name}@${r.version}${r.ok ? '' : `: ${r.problems.join('; ')}`}`);
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) {
        throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${failed.length} model version(s) failed verification: ${failed.map((r) => `${r.name}@${r.version}`).join(', ')}`);
      }
      if (!o.json && results.length === 0) io.out(`no models in ${o.modelsDir}`);
    });

  return models;
}
