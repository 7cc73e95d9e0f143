import {Command, Option} from 'commander';
import {runBacktest, validateBacktestConfig} from '../../app/backtest-runner.js';
import {defaultModelsDir} from '../../app/models.js';
import {backtestRecordOf} from '../../app/backtest-record.js';
import {recordBacktest, writeBacktestFiles} from '../../app/backtest-report.js';
import type {RunSummary} from '../../app/run-summary.js';
import {type Halt, haltLine} from '../../report/index.js';
import {ErrorCode, IftbError, isIftbError} from '../../core/index.js';
import {addRunConfigOptions, runConfigFromFlags} from '../run-config.js';
import {type CliIo, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatInt, formatTime, renderTable} from '../format.js';
import {choiceOption, numberOption, symbolOption, symbolsOption, timeframeOption, timeOption} from '../options.js';
import {instrumentSummaryLines} from '../instrument-format.js';
import {portfolioSummaryLines} from '../portfolio-format.js';
import {addLlmOptions, applyLlmOptions, type LlmCliOptions, llmEnvironment, llmSummaryLines} from '../llm-options.js';

interface BacktestCliOptions extends StoreOptions, LlmCliOptions {
  strategy?: string;
  symbol?: string;
  timeframe?: string;
  from?: number;
  to?: number;
  config?: string;
  param: string[];
  cash?: number;
  leverage?: number;
  margin?: 'isolated' | 'cross';
  takerFee?: number;
  makerFee?: number;
  slippageBps?: number;
  funding?: 'on' | 'off';
  symbols?: string[];
  json?: boolean;
  reportsDir: string;
  strict?: boolean;
  modelsDir: string;
}

/** File config first, then each flag the user actually gave, then the LLM flags and environment. */
function buildConfig(o: BacktestCliOptions, env = llmEnvironment()): Record<string, unknown> {
  const config = runConfigFromFlags(o);
  applyLlmOptions(config, o, env);
  return config;
}

const SAVE_WAIT_MS = 60_000;

const HALT_LINES = 6;

/**
 * What stopped the run trading; a quiet run says so too. A halt that never ended is always
 * listed (it explains a flat tail); the rest fill up to HALT_LINES lines, newest first.
 */
function haltLines(halts: readonly Halt[]): string[] {
  if (halts.length === 0) return ['halts: none (no breaker trip or kill switch)'];
  const byRule = new Map<string, number>();
  for (const h of halts) byRule.set(h.rule, (byRule.get(h.rule) ?? 0) + 1);
  const open = halts.filter((h) => h.ended === 'never');
  const rest = halts.filter((h) => h.ended !== 'never').slice(-Math.max(0, HALT_LINES - open.length));
  const shown = halts.filter((h) => open.includes(h) || rest.includes(h));
  const counts = [...byRule].map(([rule, n]) => `${rule} ${n}`).join(', ');
  return [
    `halts: ${halts.length} (${counts})${shown.length < halts.length ? `; ${halts.length - shown.length} earlier ones in run.json "halts"` : ''}`,
    ...shown.map((h) => `  ${haltLine(h)}`),
  ];
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits));
const money = (x: number) => x.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});

function summaryText(s: RunSummary, runJsonPath: string, htmlPath: string): string {
  const m = s.metrics;
  const rows: Array<[string, string]> = [
    ['run', `${s.runId}  (${s.strategy.name}@${s.strategy.version}, ${s.market.symbols?.join(', ') ?? s.market.symbol} ${s.market.timeframe})`],
    ['range', `${formatTime(s.market.firstBarMs)} → ${formatTime(s.market.lastBarMs)}  (${formatInt(s.bars)} bars, ${s.market.warmupBars} warm-up)`],
    ['final equity', money(s.finalEquity)],
    ['total return', pct(m.totalReturn)],
    ['CAGR', pct(m.cagr)],
    ['Sharpe / Sortino / Calmar', `${num(m.sharpe)} / ${num(m.sortino)} / ${num(m.calmar)}`],
    ['max drawdown', `${pct(m.maxDrawdown)} (${(m.maxDrawdownDurationMs / 86_400_000).toFixed(1)} days)`],
    ['trades / win rate', `${m.tradeCount} / ${pct(m.winRate)}`],
    ['profit factor / expectancy', `${num(m.profitFactor)} / ${num(m.expectancy)}`],
    ['exposure', pct(m.exposure)],
    ['fees / funding / slippage', `${money(m.fees)} / ${money(m.funding)} / ${money(m.slippage)}`],
    ['liquidations', `${m.liquidations} (fees ${money(m.liquidationFees)})`],
  ];
  const sources = s.sources.map((src) =>
    `  ${src.id.padEnd(26)} ${src.status.padEnd(9)} hit rate ${pct(src.accuracy.hitRate)} over ${src.accuracy.samples} bars` +
    (src.note ? `  (${src.note})` : ''),
  );
  const events = Object.entries(s.events).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    renderTable(['metric', 'value'], rows),
    '',
    `signal sources (accuracy: sign vs the next ${s.config && (s.config as {accuracyHorizonBars: number}).accuracyHorizonBars} bars):`,
    ...sources,
    ...(s.ml
      ? s.ml.models.map((m) =>
          `ml model: ${m.model}${m.channel ? ` (${m.ref})` : ''}, trained ${m.trainWindow.from.slice(0, 10)} → ${m.validationWindow.to.slice(0, 10)}: ` +
          (m.inSample ? `IN SAMPLE on ${m.inSampleBars} decision bars (--strict refuses this)` : 'out of sample'))
      : []),
    ...llmSummaryLines(s.llm),
    ...instrumentSummaryLines(s.instrument),
    ...haltLines(s.halts),
    ...portfolioSummaryLines(s.portfolio),
    `journal: ${events || 'no events'}`,
    `run.json: ${runJsonPath}`,
    `report:   ${htmlPath}`,
  ].join('\n');
}

export function backtestCommand(io: CliIo): Command {
  return storeOptions(addLlmOptions(
    addRunConfigOptions(new Command('backtest')
      .description('replay stored candles through the full pipeline on the simulated futures venue'))
      .option('--symbols <list>', 'a portfolio on one account: comma-separated symbols, one strategy each (overrides the config\'s symbols)', symbolsOption)
      .option('--json', 'print run.json to stdout instead of the summary')
      .option('--strict', "refuse a run whose decision range overlaps an ML model's training or validation window, or that uses LLM answers from before the model's training cutoff")
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .addOption(reportsDirOption()),
  )).action(async (options: BacktestCliOptions) => {
    const env = llmEnvironment();
    const config = buildConfig(options, env);
    await validateBacktestConfig(config);
    // The run reads the store read-only (others may read it meanwhile); only `--llm call` writes answers as it goes.
    const writesWhileRunning = (config.llm as {mode?: string} | undefined)?.mode === 'call';
    const run = await withStore(options, (store) =>
      runBacktest(store, config, {progress: io.progress(), strict: options.strict, modelsDir: options.modelsDir, llm: {endpoint: env.endpoint}}),
    {readOnly: !writesWhileRunning}, io);
    const record = backtestRecordOf(run);
    const saved = await writeBacktestFiles(record, options.reportsDir);
    try {
      // A finished run is worth waiting for: at least a minute for a busy store before giving up.
      await withStore(options, (store) => recordBacktest(store, record, saved.reportDir), {minWaitMs: SAVE_WAIT_MS}, io);
    } catch (error) {
      if (!isIftbError(error, ErrorCode.STORE_BUSY)) throw error;
      throw new IftbError(ErrorCode.STORE_BUSY, `${error.message}; run ${run.runId} is written to ${saved.reportDir} but not recorded in the store (\`iftb runs list\` will not show it): run it again later`);
    }
    if (options.json) io.out(JSON.stringify(saved.summary, null, 2));
    else io.out(summaryText(saved.summary, saved.runJsonPath, saved.htmlPath));
  });
}
