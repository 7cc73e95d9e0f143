import {Command, Option} from 'commander';
import {DEFAULT_CHANNEL, defaultModelsDir, listModels, openRegistry} from '../../app/models.js';
import {type GateResult, pinModel, promoteModel, PromotionRefusedError, type PromotionOutcome, rollbackModel} from '../../app/model-promotion.js';
import {readConfigFile} from '../../config/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import type {HistoryEntry} from '../../ml/model-history.js';
import {type CliIo, dbOption, reportsDirOption, withStore} from '../context.js';
import {renderPairs, renderTable} from '../format.js';
import {timeOption} from '../options.js';

interface DirOptions {
  modelsDir: string;
  json?: boolean;
}

const dirOption = () => new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models');
const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

export function modelsCommand(io: CliIo): Command {
  const models = new Command('models').description('the model registry: list, show, promote, pin, roll back, history, verify');

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

  promoteCommand(models, io);

  models
    .command('pin')
    .description('point a channel at NAME@VERSION at once (not live: live changes through `iftb models promote`); the version it replaces is kept for rollback')
    .argument('<ref>', 'NAME@VERSION')
    .option('--channel <channel>', 'channel', DEFAULT_CHANNEL)
    .option('--by <name>', 'who pins (default $IFTB_OPERATOR, else $USER)')
    .option('--reason <text>', 'why, for the channel history')
    .addOption(dirOption())
    .action((ref: string, o: DirOptions & {channel: string; by?: string; reason?: string}) => {
      const {before, state, name} = pinModel(openRegistry(o.modelsDir), ref, o.channel, {by: o.by, reason: o.reason});
      io.out(before === state.version ? `${name}@${o.channel} is already ${state.version}` : `${name}@${o.channel} → ${state.version}${before ? ` (was ${before})` : ''}`);
    });

  models
    .command('rollback')
    .description('return a channel (default live) to the version it used before the last pin, recorded in the history')
    .argument('<name>', 'model name')
    .option('--channel <channel>', 'channel', DEFAULT_CHANNEL)
    .option('--by <name>', 'who rolls back (default $IFTB_OPERATOR, else $USER)')
    .option('--reason <text>', 'why, for the channel history')
    .addOption(dirOption())
    .action((name: string, o: DirOptions & {channel: string; by?: string; reason?: string}) => {
      const {before, state} = rollbackModel(openRegistry(o.modelsDir), name, o.channel, {by: o.by, reason: o.reason});
      io.out(`${name}@${o.channel} → ${state.version} (rolled back from ${before})`);
    });

  models
    .command('history')
    .description("every change of NAME's channels: promotions, forced promotions, pins, rollbacks — who, when, why, gate results (integrity-checked)")
    .argument('<name>', 'model name')
    .option('--channel <channel>', 'only this channel')
    .addOption(dirOption())
    .option('--json', 'print JSON (one object per entry, with every gate)')
    .action((name: string, o: DirOptions & {channel?: string}) => {
      const registry = openRegistry(o.modelsDir);
      if (registry.versions(name).length === 0) throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `no model named ${name} in ${o.modelsDir}`);
      const entries = registry.history(name).filter((e) => o.channel === undefined || e.channel === o.channel);
      if (o.json) return io.out(JSON.stringify(entries, null, 2));
      if (entries.length === 0) io.out(`no channel changes recorded for ${name}${o.channel ? ` on ${o.channel}` : ''}`);
      else io.out(renderTable(['#', 'at', 'action', 'channel', 'version', 'by', 'gates', 'reason'], entries.map(historyRow)));
      // Every recorded change also appends to its channel's log in channels.json: the surplus predates the history.
      const logged = Object.entries(registry.channels(name).channels).filter(([c]) => o.channel === undefined || c === o.channel).reduce((n, [, s]) => n + s.log.length, 0);
      if (logged > entries.length) io.out(`note: ${logged - entries.length} earlier pin/rollback(s) in channels.json predate the history (no who, why or gates)`);
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

function historyRow(e: HistoryEntry): string[] {
  const failed = e.gates.filter((g) => !g.pass).map((g) => g.gate);
  const gates = e.gates.length === 0 ? '-' : failed.length === 0 ? `${e.gates.length} passed` : `${failed.length} failed: ${failed.join(', ')}`;
  return [String(e.seq), e.at.replace('.000Z', 'Z'), e.action, e.channel, `${e.from ?? '-'} → ${e.version}`, e.by, gates, e.reason ?? '-'];
}

function gateTable(gates: readonly GateResult[]): string {
  const table = renderTable(['gate', 'result', 'figure', 'threshold'], gates.map((g) => [g.gate, g.pass ? 'pass' : 'FAIL', g.note ? `${g.figure} (${g.note})` : g.figure, g.threshold]));
  return [table, ...gates.filter((g) => g.detail).map((g) => `${g.gate}: ${g.detail}`)].join('\n');
}

interface PromoteCliOptions extends DirOptions {
  db: string;
  wait?: number;
  channel: string;
  force?: boolean;
  reason?: string;
  by?: string;
  from?: number;
  to?: number;
  config?: string;
  reportsDir: string;
  dryRun?: boolean;
  evidence?: string;
}

function promoteCommand(models: Command, io: CliIo): void {
  const command = models
    .command('promote')
    .description('pin NAME@VERSION to a channel (default live) only if it passes the promotion gates: integrity, validation, out-of-sample AUC/log-loss/hit rate and backtest Sharpe/drawdown, not worse than the champion, timeframe and features of the live strategy')
    .argument('<ref>', 'NAME@VERSION')
    .option('--channel <channel>', 'channel', DEFAULT_CHANNEL)
    .option('--config <file>', "the live strategy's config (as `iftb live --config`), with gate thresholds in its `promotion` section")
    .option('--from <time>', "out-of-sample window start (default: the end of the model's validation window)", timeOption)
    .option('--to <time>', 'end, exclusive (default: the last stored bar)', timeOption)
    .option('--force', 'pin even if gates fail (needs --reason; recorded in the history). Integrity is never overridden')
    .option('--reason <text>', 'why (mandatory with --force), recorded in the history')
    .option('--by <name>', 'who promotes (default $IFTB_OPERATOR, else $USER)')
    .option('--dry-run', 'run the gates and print them; pin and record nothing (exit code 5 if a gate fails)')
    .option('--evidence <shadow:SESSION>', 'the champion gate judges a session\'s shadow comparison (iftb live --shadow NAME@VERSION, then iftb compare --session SESSION)')
    .addOption(reportsDirOption())
    .addOption(dirOption())
    .option('--json', 'print the outcome as JSON');
  dbOption(command).action(async (ref: string, o: PromoteCliOptions) => {
    // Refuse a bad --force before opening the store or running any gate.
    if (o.force && !o.reason?.trim()) throw new IftbError(ErrorCode.INPUT_INVALID, '--force needs --reason "…": why the gates are overridden is recorded in the channel history');
    const config = o.config ? (readConfigFile(o.config) as Record<string, unknown>) : {};
    // Already there: say so without opening (or creating) the store.
    const resolved = openRegistry(o.modelsDir).resolve(ref);
    if (!resolved.channel && openRegistry(o.modelsDir).channels(resolved.name).channels[o.channel]?.version === resolved.version) {
      const line = `${resolved.name}@${o.channel} is already ${resolved.version}`;
      return io.out(o.json ? JSON.stringify({model: `${resolved.name}@${resolved.version}`, channel: o.channel, unchanged: true, message: line}, null, 2) : line);
    }
    await withStore({db: o.db, seed: true, wait: o.wait}, async (store) => {
      let outcome: PromotionOutcome;
      try {
        outcome = await promoteModel(store, {ref, channel: o.channel, force: o.force, reason: o.reason, by: o.by, fromMs: o.from, toMs: o.to, config, dryRun: o.dryRun, evidence: o.evidence}, {modelsDir: o.modelsDir, reportsDir: o.reportsDir});
      } catch (error) {
        if (error instanceof PromotionRefusedError) {
          if (o.json) io.out(JSON.stringify(error.outcome, null, 2));
          else io.out(gateTable(error.outcome.gates));
        }
        throw error;
      }
      if (o.json) return io.out(JSON.stringify(outcome, null, 2));
      const name = outcome.model.split('@')[0];
      if (outcome.unchanged) return io.out(`${name}@${outcome.channel} is already ${outcome.state?.version}`);
      io.out(gateTable(outcome.gates));
      if (o.dryRun) return io.out(`dry run: ${outcome.model} passes all ${outcome.gates.length} gates for ${name}@${outcome.channel}${outcome.champion ? ` (now ${outcome.champion})` : ''}; nothing pinned or recorded`);
      const failed = outcome.gates.filter((g) => !g.pass).length;
      io.out(
        `${name}@${outcome.channel} → ${outcome.state?.version}${outcome.champion ? ` (was ${outcome.champion})` : ''}: ` +
          (outcome.forced ? `FORCED over ${failed} failed gate${failed === 1 ? '' : 's'} by ${outcome.entry?.by} ("${outcome.entry?.reason}")` : `promoted, all ${outcome.gates.length} gates passed`) +
          `; history entry #${outcome.entry?.seq} (iftb models history ${name})`,
      );
    });
  });
}
