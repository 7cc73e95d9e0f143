import {Command} from 'commander';
import {type LlmRecordReport, recordLlmAnswers} from '../../app/llm-record.js';
import {collect, runConfigFromFlags} from '../run-config.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatInt, formatTime} from '../format.js';
import {applyLlmOptions, llmEnvironment} from '../llm-options.js';
import {numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';

interface RecordCliOptions extends StoreOptions {
  strategy?: string;
  symbol?: string;
  timeframe?: string;
  from: number;
  to: number;
  config?: string;
  param: string[];
  every: number;
  concurrency?: number;
  model?: string;
  budgetUsd?: number;
  maxCalls?: number;
  timeoutMs?: number;
  json?: boolean;
}


function reportText(r: LlmRecordReport): string {
  const latency = r.latencyMsP50 === null ? '-' : `${r.latencyMsP50}/${r.latencyMsP95} ms`;
  const lines = [
    `recorded ${r.promptIds.join(', ')} with ${r.model} at ${r.endpoint}, ${r.symbol} ${r.timeframe} ` +
      `${formatTime(r.fromMs)} → ${formatTime(r.toMs)} (every ${r.every} bar${r.every === 1 ? '' : 's'}):`,
    `  ${formatInt(r.targets)} bars: ${formatInt(r.alreadyRecorded)} already recorded, ${formatInt(r.ok)} ok, ${formatInt(r.invalid)} invalid, ` +
      `${formatInt(r.errors)} errors, ${formatInt(r.notAsked)} not asked`,
    `  ${formatInt(r.calls)} requests (${formatInt(r.failedCalls)} failed), ${formatInt(r.tokens.total)} tokens ` +
      `(${formatInt(r.tokens.prompt)} prompt, ${formatInt(r.tokens.completion)} completion), $${r.costUsd.toFixed(4)}; latency p50/p95 ${latency}`,
  ];
  if (r.stopped) lines.push(`  stopped: ${r.stopped}; run the same command again to continue (recorded bars are skipped)`);
  return lines.join('\n');
}

export function llmCommand(io: CliIo): Command {
  const llm = new Command('llm').description('LLM source: record answers ahead of backtests (replayed point in time)');

  storeOptions(
    llm
      .command('record')
      .description('ask the LLM endpoint about every Nth bar of a range and store requests and answers (resumable)')
      .option('--strategy <name>', 'strategy whose LLM prompts to record (default ensemble)')
      .option('--symbol <symbol>', 'ccxt unified symbol (default BTC/USDT:USDT)', symbolOption)
      .option('--timeframe <tf>', 'candle interval (default 1h)', timeframeOption)
      .requiredOption('--from <time>', 'first bar (UTC date or ISO time)', timeOption)
      .requiredOption('--to <time>', 'end, exclusive', timeOption)
      .option('--every <n>', 'ask about every Nth bar (default 1)', numberOption('--every', 1), 1)
      .option('--concurrency <n>', 'requests in flight (default 4)', numberOption('--concurrency', 1))
      .option('--model <name>', 'model (default $IFTB_LLM_MODEL, else gpt-4o-mini)')
      .option('--budget-usd <usd>', 'stop once this much is spent (default 5)', numberOption('--budget-usd', 0))
      .option('--max-calls <n>', 'stop after this many requests (default 10000)', numberOption('--max-calls', 0))
      .option('--timeout-ms <ms>', 'per-request timeout (default 10000)', numberOption('--timeout-ms', 100))
      .option('--config <file>', 'JSON backtest config (strategy, params, llm.models …); flags override it')
      .option('--param <key=value>', 'strategy parameter (repeatable; dots nest)', collect, [])
      .option('--json', 'print the report as JSON'),
  ).action(async (o: RecordCliOptions) => {
    const env = llmEnvironment();
    const config = runConfigFromFlags(o);
    applyLlmOptions(config, {llmModel: o.model, llmBudgetUsd: o.budgetUsd, llmMaxCalls: o.maxCalls, llmTimeoutMs: o.timeoutMs, llmConcurrency: o.concurrency}, env);
    await withStore(o, async (store) => {
      const report = await recordLlmAnswers(store, {config, every: o.every, progress: io.progress(), llm: {endpoint: env.endpoint}});
      io.out(o.json ? JSON.stringify(report, null, 2) : reportText(report));
      if (report.stoppedBy === 'failures') process.exitCode = 1;
    }, {}, io);
  });

  return llm;
}
