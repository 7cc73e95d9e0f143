import {Command, Option} from 'commander';
import {compareModels, type ModelComparison} from '../../app/compare.js';
import {defaultModelsDir} from '../../app/models.js';
import {type CliIo, dbOption, withStore} from '../context.js';
import {formatInt, renderTable} from '../format.js';
import {numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';

interface CompareCliOptions {
  db: string;
  a: string;
  b: string;
  symbol?: string;
  timeframe?: string;
  from?: number;
  to?: number;
  resamples?: number;
  block?: number;
  seed?: number;
  modelsDir: string;
  json?: boolean;
}

const f = (x: number | null, digits = 4) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));

function text(c: ModelComparison): string {
  const s = c.sharpe;
  const ci = (x: {estimate: number; low: number; high: number}) => `${f(x.estimate, 2)}  [${f(x.low, 2)}, ${f(x.high, 2)}]`;
  const sample = (inSample: boolean) => (inSample ? 'IN SAMPLE' : 'out of sample');
  const m = c.mcnemar;
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
    `McNemar (${m.method}): A right/B wrong ${m.aOnly}, B right/A wrong ${m.bOnly}, p = ${f(m.pValue)}`,
    `Sharpe A − B: ${ci(s.difference)}; A ahead in ${(s.aBetterShare * 100).toFixed(1)}% of ${s.resamples} block-bootstrap samples (blocks of ${s.blockBars} bars)`,
  ].join('\n');
}

export function compareCommand(io: CliIo): Command {
  return dbOption(
    new Command('compare')
      .description('A/B two models on the same rows: metrics, McNemar test, bootstrap Sharpe confidence intervals')
      .requiredOption('--a <ref>', 'model A (NAME@VERSION or NAME@CHANNEL)')
      .requiredOption('--b <ref>', 'model B')
      .option('--symbol <symbol>', "symbol (default: model A's)", symbolOption)
      .option('--timeframe <tf>', "timeframe (default: model A's)", timeframeOption)
      .option('--from <time>', 'first row (default: the end of both models’ windows, so both are out of sample)', timeOption)
      .option('--to <time>', 'end, exclusive (default: the last stored bar)', timeOption)
      .option('--resamples <n>', 'bootstrap samples (default 2000)', numberOption('--resamples', 100))
      .option('--block <bars>', 'bootstrap block length in bars (default 24)', numberOption('--block', 1))
      .option('--seed <n>', 'bootstrap seed (default 1)', numberOption('--seed', 0))
      .addOption(new Option('--models-dir <dir>', 'model registry folder').env('IFTB_MODELS_DIR').default(defaultModelsDir(), 'models'))
      .option('--json', 'print JSON'),
  ).action(async (o: CompareCliOptions) => {
    const config = {a: o.a, b: o.b, symbol: o.symbol, timeframe: o.timeframe, fromMs: o.from, toMs: o.to, resamples: o.resamples, blockBars: o.block, seed: o.seed};
    await withStore({db: o.db, seed: true}, async (store) => {
      const result = await compareModels(store, config, {modelsDir: o.modelsDir});
      io.out(o.json ? JSON.stringify(result, null, 2) : text(result));
    });
  });
}
