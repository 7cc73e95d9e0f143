import {Command} from 'commander';
import {compareRuns, listRuns} from '../../app/run-review.js';
import {type CliIo, reportsDirOption, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatTime, renderTable} from '../format.js';

interface ListOptions extends StoreOptions {
  json?: boolean;
}

interface CompareOptions extends StoreOptions {
  reportsDir: string;
  out?: string;
}

const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '-');
/** A portfolio's symbols (stored joined by ','), shortened to their base assets: 'BTC+ETH+SOL +7'. */
const marketOf = (symbol: string) => {
  const symbols = symbol.split(',');
  if (symbols.length === 1) return symbol;
  const bases = symbols.map((s) => s.split('/')[0]);
  return bases.length <= 4 ? bases.join('+') : `${bases.slice(0, 3).join('+')} +${bases.length - 3}`;
};
const num = (x: unknown) => (typeof x === 'number' ? x.toFixed(2) : '-');

export function runsCommand(io: CliIo): Command {
  const runs = new Command('runs').description('stored runs: list and compare');
  storeOptions(
    runs.command('list').description('every stored run with its headline metrics, newest first').option('--json', 'print the runs as JSON'),
  ).action(async (o: ListOptions) => {
    await withStore(o, async (store) => {
      const rows = await listRuns(store);
      if (o.json) return io.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return io.out('no runs stored yet (run `iftb backtest`)');
      io.out(renderTable(
        ['run', 'created (UTC)', 'strategy', 'market', 'from', 'to', 'return', 'Sharpe', 'max DD', 'trades'],
        rows.map((r) => [
          r.runId, formatTime(Date.parse(r.createdAt)), `${r.strategy}@${r.strategyVersion}`, `${marketOf(r.symbol)} ${r.timeframe}`,
          formatTime(r.fromMs), formatTime(r.toMs), pct(r.metrics.totalReturn), num(r.metrics.sharpe), pct(r.metrics.maxDrawdown),
          String(r.metrics.tradeCount ?? '-'),
        ]),
      ));
    }, {readOnly: true}, io);
  });
  storeOptions(
    runs
      .command('compare')
      .description('one HTML page with the runs side by side: equity, drawdown, metrics')
      .argument('<run-ids...>', 'two or more stored runs')
      .option('--out <file>', 'where to write the page (default <reports-dir>/compare-<ids>.html)')
      .addOption(reportsDirOption()),
  ).action(async (ids: string[], o: CompareOptions) => {
    await withStore(o, async (store) => io.out(await compareRuns(store, ids, o.reportsDir, o.out)), {readOnly: true}, io);
  });
  return runs;
}
