import {Command, Option} from 'commander';
import {defaultModelsDir} from '../../app/models.js';
import {openSweep, replayTrial, runPrepared, prepareSweep, type SweepOutcome} from '../../app/optimize.js';
import {overfittingLines, writeSweepReport} from '../../app/optimize-report.js';
import {queueExecutor} from '../../app/optimize-queue.js';
import {readConfigFile} from '../../config/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import {OBJECTIVES} from '../../optimize/objective.js';
import {spaceFromRanges} from '../../optimize/space.js';
import {rankTrials, type StoredTrial} from '../../optimize/sweep.js';
import type {SweepSummary} from '../../optimize/summary.js';
import {addRunConfigOptions, collect, type RunConfigFlags, runConfigFromFlags} from '../run-config.js';
import {type CliIo, dbOption, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';
import {renderPairs, renderTable} from '../format.js';
import {choiceOption, durationOption, numberOption} from '../options.js';

interface OptimizeCliOptions extends RunConfigFlags {
  db?: string;
  space?: string;
  range: string[];
  constraint: string[];
  objective?: (typeof OBJECTIVES)[number];
  objectiveExpr?: string;
  minTrades?: number;
  trials?: number;
  sampler?: 'grid' | 'random' | 'tpe';
  seed?: number;
  batch?: number;
  walkForward?: boolean;
  train?: number;
  test?: number;
  workers?: number;
  queue?: string;
  queuePrefix?: string;
  keep?: number;
  json?: boolean;
  reportsDir: string;
  modelsDir: string;
}

const pct = (x: number | null | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '-');
const num = (x: number | null | undefined, d = 3) => (typeof x === 'number' ? x.toFixed(d) : '-');
const paramText = (p: Readonly<Record<string, unknown>> | null | undefined) => (p ? Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ') : '-');

function requestOf(o: OptimizeCliOptions): Record<string, unknown> {
  if (o.walkForward && (o.train === undefined || o.test === undefined)) throw new IftbError(ErrorCode.INPUT_INVALID, '--walk-forward needs --train and --test (e.g. --train 180d --test 30d)');
  if (!o.walkForward && (o.train !== undefined || o.test !== undefined)) throw new IftbError(ErrorCode.INPUT_INVALID, '--train and --test go with --walk-forward');
  if (o.space && o.range.length > 0) throw new IftbError(ErrorCode.INPUT_INVALID, 'give either --space FILE or --range flags, not both');
  let space: unknown;
  if (o.space) {
    const file = readConfigFile(o.space) as {constraints?: string[]};
    space = o.constraint.length > 0 ? {...file, constraints: [...(file.constraints ?? []), ...o.constraint]} : file;
  } else if (o.range.length > 0) space = spaceFromRanges(o.range, o.constraint);
  else if (o.constraint.length > 0) throw new IftbError(ErrorCode.INPUT_INVALID, '--constraint needs --space or --range');
  const defined = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));
  return defined({
    base: runConfigFromFlags(o), space, sampler: o.sampler, seed: o.seed, trials: o.trials, batch: o.batch, objective: o.objective,
    objectiveExpr: o.objectiveExpr, minTrades: o.minTrades, keep: o.keep,
    walkForward: o.walkForward ? {trainMs: o.train, testMs: o.test} : undefined,
  });
}

function trialRows(trials: readonly StoredTrial[], keys: readonly string[]): string[][] {
  return trials.map((t) => [String(t.fold), String(t.trial), ...keys.map((k) => String(t.point[k])), num(t.objective), num(t.metrics?.sharpe, 2), pct(t.metrics?.totalReturn),
    pct(t.metrics?.maxDrawdown), String(t.metrics?.tradeCount ?? '-'), t.status, t.runId ?? '-']);
}

export function summaryText(sweepId: string, summary: SweepSummary, trials: readonly StoredTrial[], keys: readonly string[], html: string, all = false): string {
  const shown = all ? trials : rankTrials(trials.filter((t) => t.trial >= 0)).slice(0, 10);
  const lines = [
    `sweep ${sweepId}: ${summary.completed} of ${summary.trials} trials complete${summary.failed ? `, ${summary.failed} failed` : ''}, ${summary.scored} scored`,
  ];
  // Trials of different walk-forward folds ran on different windows: only their folds' own bests compare.
  if (all || !summary.walkForward) {
    lines.push('', all ? 'every trial:' : 'best trials:', renderTable(['fold', 'trial', ...keys, 'objective', 'sharpe', 'return', 'max dd', 'trades', 'status', 'run'], trialRows(shown, keys)));
  }
  if (!summary.walkForward) lines.push('', `best: trial ${summary.best?.trial ?? '-'} ${paramText(summary.best?.params)} objective ${num(summary.best?.objective)}`);
  const stats = overfittingLines(summary.overfitting);
  if (stats.length > 0 && !summary.walkForward) lines.push('', 'overfitting:', renderPairs(stats.map((s) => [s.name, `${s.value}  (${s.meaning})`])));
  const wf = summary.walkForward;
  if (wf) {
    lines.push('', 'walk-forward folds:', renderTable(['fold', 'test from', 'chosen', 'IS objective', 'OOS objective', 'OOS return', 'PBO'], wf.folds.map((f) => [
      String(f.fold), new Date(f.test.fromMs).toISOString().slice(0, 10), paramText(f.best?.params), num(f.best?.objective), num(f.outOfSample?.objective),
      pct(f.outOfSample?.totalReturn), num(f.overfitting.pbo?.pbo, 2)])));
    lines.push('', renderPairs([
      ['out-of-sample return', `${pct(wf.outOfSample.totalReturn)} over ${wf.outOfSample.days} days (annual ${pct(wf.outOfSample.annualReturn)}, Sharpe ${num(wf.outOfSample.sharpe, 2)}, max dd ${pct(wf.outOfSample.maxDrawdown)})`],
      ['in-sample annual return', `${pct(wf.meanInSampleAnnualReturn)} (mean of the chosen parameters on their training windows)`],
      ['walk-forward efficiency', `${num(wf.efficiency, 2)} (OOS annual / IS annual; objective efficiency ${num(wf.objectiveEfficiency, 2)})`],
      ['median PBO over folds', num(wf.medianPbo, 2)],
    ]));
  }
  lines.push('', `report: ${html}`);
  return lines.join('\n');
}

function sweepCommand(io: CliIo): Command {
  // --seed is the sampler's, so only --db here (as in `iftb train`).
  return dbOption(
    addRunConfigOptions(new Command('optimize')
      .description('search a strategy\'s parameters: every trial a full backtest, stored under a sweep id (run again to resume)'),
    'strategy in strategies/ or a compiled module path (default ensemble)')
      .option('--space <file>', 'search space JSON: {"params": {"fast": {"type": "int", "min": 5, "max": 50, "step": 5}}, "constraints": ["fast < slow"]}')
      .option('--range <key=lo..hi[:step]>', 'a searched parameter: lo..hi (int when integral), lo..hi:step, lo..hi:log, or a,b,c (repeatable)', collect, [])
      .option('--constraint <expr>', 'a constraint between parameters, e.g. "fast * 2 <= slow" (repeatable)', collect, [])
      .addOption(new Option('--objective <name>', 'what to maximise (default sharpe)').argParser(choiceOption(OBJECTIVES)))
      .option('--objective-expr <expr>', 'with --objective custom: an expression over metrics, e.g. "sharpe * (1 - maxDrawdown)"')
      .option('--min-trades <n>', 'trials with fewer trades score nothing (default 1)', numberOption('--min-trades', 0))
      .option('--trials <n>', 'trials (per walk-forward fold; default 100)', numberOption('--trials', 1))
      .addOption(new Option('--sampler <name>', 'grid, random or tpe (default tpe)').argParser(choiceOption(['grid', 'random', 'tpe'] as const)))
      .option('--seed <n>', 'sampler seed (default 1)', numberOption('--seed'))
      .option('--batch <n>', 'TPE trials per proposal round (default 16)', numberOption('--batch', 1))
      .option('--walk-forward', 'optimise on each training window and trade the best on the next test window')
      .option('--train <duration>', 'walk-forward training window, e.g. 180d', durationOption)
      .option('--test <duration>', 'walk-forward test window (and step), e.g. 30d', durationOption)
      .option('--workers <n>', 'worker threads (default: all cores; 0: this thread)', numberOption('--workers', 0))
      .option('--queue <url>', 'send trials to a BullMQ queue on Redis (redis://host:port) for `iftb worker` processes')
      .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (default iftb)')
      .option('--keep <k>', 'full run records kept for the best k trials (default 3)', numberOption('--keep', 0))
      .option('--json', 'print the summary as JSON')
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .addOption(reportsDirOption()),
  ).action(async (o: OptimizeCliOptions) => {
    const request = requestOf(o);
    await withStore({db: o.db}, async (store) => {
      const prepared = await prepareSweep(store, request, o.modelsDir);
      const r = request as {trials?: number; keep?: number};
      const outcome: SweepOutcome = await runPrepared(store, prepared, r.trials ?? 100, r.keep ?? 3, {
        workers: o.workers, modelsDir: o.modelsDir, reportsDir: o.reportsDir, progress: io.progress, log: io.err,
        ...(o.queue ? {executor: queueExecutor(o.queue, {prefix: o.queuePrefix})} : {}),
      });
      if (o.json) io.out(JSON.stringify({sweepId: outcome.sweepId, summary: outcome.summary, kept: outcome.kept, report: outcome.report.html}, null, 2));
      else io.out(summaryText(outcome.sweepId, outcome.summary, outcome.trials, prepared.space.keys, outcome.report.html));
    });
  });
}

function showCommand(io: CliIo): Command {
  return storeOptions(
    new Command('show')
      .description('a stored sweep: every trial, the summary and its report; --trial N re-runs that trial and saves its full run record')
      .argument('<sweep>', 'sweep id')
      .option('--trial <n>', 'trial to re-run (its run.json is byte-identical to the kept one)', numberOption('--trial', -1))
      .option('--fold <n>', 'walk-forward fold of the trial (default 0)', numberOption('--fold', 0))
      .option('--json', 'print JSON')
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .addOption(reportsDirOption()),
  ).action(async (sweepId: string, o: StoreOptions & {trial?: number; fold?: number; json?: boolean; modelsDir: string; reportsDir: string}) => {
    await withStore(o, async (store) => {
      const {prepared, trials, summary} = await openSweep(store, sweepId, o.modelsDir);
      if (o.trial === undefined) {
        if (!summary) throw new IftbError(ErrorCode.DATA_MISSING, `sweep ${sweepId} has not finished; run the same iftb optimize command again to resume it`);
        const files = writeSweepReport(sweepId, prepared.spec, summary, trials, o.reportsDir);
        if (o.json) io.out(JSON.stringify({sweepId, spec: prepared.spec, summary, report: files.html}, null, 2));
        else io.out(summaryText(sweepId, summary, trials, prepared.space.keys, files.html, true));
        return;
      }
      const fold = o.fold ?? 0;
      const trial = trials.find((t) => t.fold === fold && t.trial === o.trial);
      if (!trial) throw new IftbError(ErrorCode.INPUT_INVALID, `sweep ${sweepId} has no trial ${o.trial} in fold ${fold}`);
      if (trial.status !== 'done') throw new IftbError(ErrorCode.INPUT_INVALID, `trial ${o.trial} failed: ${trial.error}`);
      const saved = await replayTrial(store, prepared, trial, o.reportsDir);
      await store.sweeps.markKept(sweepId, fold, trial.trial);
      if (o.json) io.out(JSON.stringify(saved.summary, null, 2));
      else {
        io.out(renderPairs([
          ['trial', `${trial.trial} of sweep ${sweepId} (fold ${fold}): ${paramText(trial.point)}`],
          ['run', `${saved.summary.runId}: same run id, config hash and metrics as stored`],
          ['return / sharpe / trades', `${pct(saved.summary.metrics.totalReturn)} / ${num(saved.summary.metrics.sharpe, 2)} / ${saved.summary.trades}`],
          ['run.json', saved.runJsonPath],
          ['report', saved.htmlPath],
        ]));
      }
    });
  });
}

function listCommand(io: CliIo): Command {
  return storeOptions(new Command('list').description('stored sweeps').option('--json', 'print JSON')).action(async (o: StoreOptions & {json?: boolean}) => {
    await withStore(o, async (store) => {
      const sweeps = await store.sweeps.list();
      if (o.json) {
        io.out(JSON.stringify(sweeps.map(({summary: _s, ...rest}) => rest), null, 2));
        return;
      }
      io.out(renderTable(['sweep', 'created', 'strategy', 'sampler', 'trials', 'status', 'best'], sweeps.map((s) => {
        const spec = s.spec as {sampler: string; walkForward: unknown};
        const best = (s.summary as SweepSummary | null)?.best;
        return [s.sweepId, String(s.createdAt).slice(0, 16).replace('T', ' '), s.strategy, `${spec.sampler}${spec.walkForward ? ' wf' : ''}`, String(s.trials), s.status, best ? `${paramText(best.params)} (${num(best.objective)})` : '-'];
      })));
    });
  });
}

export function optimizeCommand(io: CliIo): Command {
  // Options after `show`/`list` are theirs (both have --db): parse positionally.
  const command = sweepCommand(io).enablePositionalOptions();
  command.addCommand(showCommand(io));
  command.addCommand(listCommand(io));
  return command;
}
