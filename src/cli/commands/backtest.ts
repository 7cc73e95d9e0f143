import {Command, Option} from 'commander';
import {runBacktest} from '../../app/backtest-runner.js';
import {defaultModelsDir} from '../../app/models.js';
import {saveBacktest} from '../../app/backtest-report.js';
import type {RunSummary} from '../../app/run-summary.js';
import {addRunConfigOptions, runConfigFromFlags} from '../run-config.js';
import {type CliIo, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatInt, formatTime, renderTable} from '../format.js';
import {choiceOption, numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';
import {instrumentSummaryLines} from '../instrument-format.js';
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

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits));
const money = (x: number) => x.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2});

function summaryText(s: RunSummary, runJsonPath: string, htmlPath: string): string {
  const m = s.metrics;
  const rows: Array<[string, string]> = [
    ['run', `${s.runId}  (${s.strategy.name}@${s.strategy.version}, ${s.market.symbol} ${s.market.timeframe})`],
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
    `journal: ${events || 'no events'}`,
    `run.json: ${runJsonPath}`,
    `report:   ${htmlPath}`,
  ].join('\n');
}

export function backtestCommand(io: CliIo): Command {
  return storeOptions(addLlmOptions(
    addRunConfigOptions(new Command('backtest')
      .description('replay stored candles through the full pipeline on the simulated futures venue'))
      .option('--json', 'print run.json to stdout instead of the summary')
      .option('--strict', "refuse a run whose decision range overlaps an ML model's training or validation window, or that uses LLM answers from before the model's training cutoff")
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .addOption(reportsDirOption()),
  )).action(async (options: BacktestCliOptions) => {
    const env = llmEnvironment();
    const config = buildConfig(options, env);
    await withStore(options, async (store) => {
      const run = await runBacktest(store, config, {progress: io.progress(), strict: options.strict, modelsDir: options.modelsDir, llm: {endpoint: env.endpoint}});
      const saved = await saveBacktest(store, run, options.reportsDir);
      if (options.json) io.out(JSON.stringify(saved.summary, null, 2));
      else io.out(summaryText(saved.summary, saved.runJsonPath, saved.htmlPath));
    });
  });
}
