import {Command, Option} from 'commander';
import {type BacktestComparison, compareBacktests, hitTestText, verdictLine} from '../../app/compare-backtests.js';
import {compareModels, type ModelComparison} from '../../app/compare.js';
import {queueBacktests} from '../../app/compare-queue.js';
import {defaultModelsDir} from '../../app/models.js';
import {compareSession, type SessionComparison} from '../../app/session-compare.js';
import {openStateStores, resolveStoreTarget} from '../../app/state-stores.js';
import {ErrorCode, IftbError} from '../../core/index.js';
import {collect, runConfigFromFlags} from '../run-config.js';
import {type CliIo, dbOption, reportsDirOption, withStore} from '../context.js';
import {formatInt, renderTable} from '../format.js';
import {choiceOption, numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';

interface CompareCliOptions {
  db: string;
  wait?: number;
  a?: string;
  b?: string;
  session?: string;
  store?: string;
  html?: string;
  symbol?: string;
  timeframe?: string;
  from?: number;
  to?: number;
  resamples?: number;
  block?: number;
  seed?: number;
  modelsDir: string;
  json?: boolean;
  rowsOnly?: boolean;
  strategy?: string;
  config?: string;
  param: string[];
  cash?: number;
  leverage?: number;
  funding?: 'on' | 'off';
  reportsDir: string;
  out?: string;
  queue?: string;
  queuePrefix?: string;
}

function backtestText(c: BacktestComparison): string {
  const ci = (x: {estimate: number; low: number; high: number}) => `${f(x.estimate, 2)}  [${f(x.low, 2)}, ${f(x.high, 2)}]`;
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
  const s = c.equitySharpe;
  const acc = (side: BacktestComparison['a']) => (side.mlSource ? `${pct(side.mlSource.accuracy.hitRate)} / ${side.mlSource.accuracy.samples}` : '-');
  const rows = 'error' in c.rows
    ? [`models on rows: not computed (${c.rows.error})`]
    : ['', 'models on rows (same window):', text(c.rows)];
  return [
    `${c.a.ref} (A) vs ${c.b.ref} (B): ${c.strategy} backtests on ${c.market.symbol} ${c.market.timeframe}, ${c.window.from} → ${c.window.to} (${formatInt(c.window.bars)} bars)`,
    `configs differ only in the model: A ${c.a.configHash.slice(0, 12)}…, B ${c.b.configHash.slice(0, 12)}… (shared ${c.sharedConfigHash.slice(0, 12)}…)`,
    '',
    renderTable(
      ['', 'A', 'B'],
      [
        ['run', c.a.runId, c.b.runId],
        ['in sample', String(c.a.inSample), String(c.b.inSample)],
        ['total return', pct(c.a.metrics.totalReturn), pct(c.b.metrics.totalReturn)],
        ['max drawdown', pct(c.a.metrics.maxDrawdown), pct(c.b.metrics.maxDrawdown)],
        ['trades', String(c.a.metrics.trades), String(c.b.metrics.trades)],
        ['ML accuracy (run.json) / samples', acc(c.a), acc(c.b)],
        [`ML hit rate, ${c.mlHits.bars} paired bars`, pct(c.mlHits.hitRateA), pct(c.mlHits.hitRateB)],
        [`Sharpe, per-bar equity (${Math.round(s.confidence * 100)}% CI)`, ci(s.a), ci(s.b)],
      ],
    ),
    '',
    `ML hits: ${hitTestText(c.mlHits.test)}`,
    `Sharpe A − B: ${ci(s.difference)}, ${s.method} (ν = ${s.dof}), p = ${f(s.pValue)}; A ahead in ${(s.aBetterShare * 100).toFixed(1)}% of ${s.resamples} block-bootstrap samples (blocks of ${s.blockBars} bars)`,
    `method: ${c.verdictMethod}`,
    ...rows,
    '',
    `report: ${c.html}`,
    `json:   ${c.json}`,
    verdictLine(c),
  ].join('\n');
}

const f = (x: number | null, digits = 4) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));

function text(c: ModelComparison): string {
  const s = c.sharpe;
  const ci = (x: {estimate: number; low: number; high: number}) => `${f(x.estimate, 2)}  [${f(x.low, 2)}, ${f(x.high, 2)}]`;
  const sample = (inSample: boolean) => (inSample ? 'IN SAMPLE' : 'out of sample');
  return [
    `${c.a.model} (A) vs ${c.b.model} (B): ${c.market.symbol} ${c.market.timeframe}, ${c.label}, ${c.window.from} → ${c.window.to} (${formatInt(c.window.rows)} rows)`,
    '',
    renderTable(
      ['', 'A', 'B'],
      [
        ['model', c.a.model, c.b.model],
        ['window', sample(c.a.inSample), sample(c.b.inSample)],
        ['AUC', f(c.a.metrics.auc), f(c.b.metrics.auc)],
        ['log-loss', f(c.a.metrics.logLoss), f(c.b.metrics.logLoss)],
        ['accuracy', f(c.a.metrics.accuracy), f(c.b.metrics.accuracy)],
        ['Brier', f(c.a.metrics.brier), f(c.b.metrics.brier)],
        [`Sharpe, sign × next bar (${Math.round(s.confidence * 100)}% CI)`, ci(s.a), ci(s.b)],
      ],
    ),
    '',
    `rows right: ${hitTestText(c.hits)}`,
    `Sharpe A − B: ${ci(s.difference)}, ${s.method} (ν = ${s.dof}), p = ${f(s.pValue)}; A ahead in ${(s.aBetterShare * 100).toFixed(1)}% of ${s.resamples} block-bootstrap samples (blocks of ${s.blockBars} bars)`,
  ].join('\n');
}

export function compareCommand(io: CliIo): Command {
  return dbOption(
    new Command('compare')
      .description('A/B two models: two backtests identical except params.model (metrics, equity, a HAR test of the ML hit rates and a bootstrap test of the Sharpe difference, Holm-corrected verdict), plus the models on rows')
      .option('--a <ref>', 'model A (NAME@VERSION or NAME@CHANNEL)')
      .option('--b <ref>', 'model B')
      .option('--session <id>', 'champion (A) vs the shadow challenger (B) of a paper/live session run with --shadow, on its live bars: both replayed from the stored candles, the recorded readings checked against them')
      .option('--store <url>', '--session: PostgreSQL URL holding the session state (default IFTB_DATABASE_URL); candles are read from --db')
      .option('--html <file>', '--session: comparison page (default <reports-dir>/<session>/shadow-compare.html; the .json beside it)')
      .option('--rows-only', 'only the model-level comparison on rows (AUC, log-loss, HAR test of rows right, Sharpe of sign × next bar); no backtests')
      .option('--strategy <name>', 'strategy whose params.model is set to A and B (default ensemble)')
      .option('--config <file>', 'JSON backtest config both runs share; flags override it')
      .option('--param <key=value>', 'strategy parameter (repeatable; dots nest)', collect, [])
      .option('--cash <amount>', 'starting wallet balance in USDT', numberOption('--cash'))
      .option('--leverage <x>', 'leverage', numberOption('--leverage'))
      .addOption(new Option('--funding <on|off>', 'apply funding payments (default on)').argParser(choiceOption(['on', 'off'] as const)))
      .option('--out <file>', 'comparison page (default reports/compare-<a>-<b>.html; the .json goes beside it)')
      .addOption(reportsDirOption())
      .option('--symbol <symbol>', "symbol (default: the backtest's, or model A's with --rows-only)", symbolOption)
      .option('--timeframe <tf>', "timeframe (default: the backtest's, or model A's with --rows-only)", timeframeOption)
      .option('--from <time>', 'first row (default: the end of both models’ windows, so both are out of sample)', timeOption)
      .option('--to <time>', 'end, exclusive (default: the last stored bar)', timeOption)
      .option('--resamples <n>', 'bootstrap samples (default 2000)', numberOption('--resamples', 100))
      .option('--block <bars>', 'bootstrap block length in bars (default 24)', numberOption('--block', 1))
      .option('--seed <n>', 'bootstrap seed (default 1)', numberOption('--seed', 0))
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .option('--queue <url>', 'run the two backtests on `iftb worker` processes through this BullMQ queue (redis://host:port); each worker checks its data and models match this store\'s and registry\'s first')
      .option('--queue-prefix <prefix>', 'Redis key prefix of the queue (default iftb)')
      .option('--json', 'print JSON'),
  ).action(async (o: CompareCliOptions) => {
    if (o.session !== undefined) {
      if (o.a !== undefined || o.b !== undefined) throw new IftbError(ErrorCode.INPUT_INVALID, '--session compares the session\'s own champion and shadow: leave out --a and --b');
      if (o.queue !== undefined) throw new IftbError(ErrorCode.INPUT_INVALID, '--queue runs the two backtests of --a/--b on workers; --session replays here');
      const sessionId = o.session;
      const options = {modelsDir: o.modelsDir, reportsDir: o.reportsDir, out: o.html ?? o.out, resamples: o.resamples, blockBars: o.block, seed: o.seed};
      await withStore({db: o.db, seed: false, wait: o.wait}, async (candles) => {
        let result: SessionComparison;
        if (resolveStoreTarget({store: o.store, db: o.db}).kind === 'duckdb') result = await compareSession(candles, candles, sessionId, options);
        else {
          const state = await openStateStores({store: o.store});
          try {
            result = await compareSession(candles, state, sessionId, options);
          } finally {
            await state.close();
          }
        }
        io.out(o.json ? JSON.stringify(result, null, 2) : sessionText(result));
      }, {}, io);
      return;
    }
    if (o.a === undefined || o.b === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, 'compare needs --a and --b (two models), or --session SESSION (a session\'s champion and shadow)');
    if (o.queue !== undefined && o.rowsOnly) throw new IftbError(ErrorCode.INPUT_INVALID, '--queue runs the two backtests on workers: --rows-only runs none');
    const refs = {a: o.a, b: o.b};
    await withStore({db: o.db, seed: true, wait: o.wait}, async (store) => {
      if (o.rowsOnly) {
        const config = {...refs, symbol: o.symbol, timeframe: o.timeframe, fromMs: o.from, toMs: o.to, resamples: o.resamples, blockBars: o.block, seed: o.seed};
        const result = await compareModels(store, config, {modelsDir: o.modelsDir});
        io.out(o.json ? JSON.stringify(result, null, 2) : text(result));
        return;
      }
      const config = {...refs, backtest: runConfigFromFlags(o), resamples: o.resamples, blockBars: o.block, seed: o.seed};
      const runner = o.queue === undefined ? undefined : queueBacktests(o.queue, {prefix: o.queuePrefix});
      const result = await compareBacktests(store, config, {modelsDir: o.modelsDir, reportsDir: o.reportsDir, out: o.out, progress: io.progress(), ...(runner ? {runner} : {})});
      io.out(o.json ? JSON.stringify(result, null, 2) : backtestText(result));
    }, {}, io);
  });
}

function sessionText(c: SessionComparison): string {
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
  const ci = (x: {estimate: number; low: number; high: number}) => `${f(x.estimate, 2)}  [${f(x.low, 2)}, ${f(x.high, 2)}]`;
  const r = c.readings;
  return [
    `session ${c.sessionId} (${c.mode}): champion ${c.champion.model} (A) vs shadow ${c.challenger.model} (B), ${c.strategy} on ${c.market.symbol} ${c.market.timeframe}, ${c.window.from} → ${c.window.to} (${formatInt(c.window.bars)} bars)`,
    `readings: ${r.reproduced ? 'reproduced' : 'NOT REPRODUCED'} from the stored candles (${r.checked} scores over ${r.recorded} bars, ${r.differing.length} differ)`,
    ...r.differing.slice(0, 20).map((d) => `  ${new Date(d.barOpenMs).toISOString()} ${d.role} ${d.recordedModel}: recorded ${d.recorded ?? '-'}, recomputed ${d.recomputed ?? '-'}`),
    '',
    renderTable(
      ['', 'A champion', 'B shadow'],
      [
        [`hit rate, ${c.mlHits.bars} paired bars`, pct(c.mlHits.hitRateA), pct(c.mlHits.hitRateB)],
        ['Brier / log-loss', `${f(c.champion.calibration?.brier ?? null)} / ${f(c.champion.calibration?.logLoss ?? null)}`, `${f(c.challenger.calibration?.brier ?? null)} / ${f(c.challenger.calibration?.logLoss ?? null)}`],
        ['would-be return (simulated venue)', pct(c.champion.wouldBe.totalReturn), pct(c.challenger.wouldBe.totalReturn)],
        ['would-be trades', String(c.champion.wouldBe.trades), String(c.challenger.wouldBe.trades)],
        [`Sharpe, per-bar equity (${Math.round(c.equitySharpe.confidence * 100)}% CI)`, ci(c.equitySharpe.a), ci(c.equitySharpe.b)],
      ],
    ),
    '',
    `ML hits: ${hitTestText(c.mlHits.test)}`,
    `method: ${c.verdictMethod}`,
    `report: ${c.html}`,
    `json:   ${c.json}`,
    verdictLine(c),
  ].join('\n');
}
