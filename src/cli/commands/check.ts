import {Command} from 'commander';
import {checkLookahead} from '../../app/lookahead-check.js';
import {EXIT} from '../exit-codes.js';
import {type CliIo, type StoreOptions, storeOptions, withStore} from '../context.js';
import {formatTime} from '../format.js';
import {numberOption, symbolOption, timeframeOption, timeOption} from '../options.js';

interface LookaheadOptions extends StoreOptions {
  strategy: string;
  symbol?: string;
  timeframe?: string;
  from?: number;
  to?: number;
  points: number;
  prepareCuts: number;
  json?: boolean;
}

export function checkCommand(io: CliIo): Command {
  const check = new Command('check').description('correctness checks');
  storeOptions(
    check
      .command('lookahead')
      .description('replay on data truncated at many points; fails if any earlier signal or decision changes')
      .requiredOption('--strategy <name>', 'strategy to check')
      .option('--symbol <symbol>', 'symbol (default BTC/USDT:USDT)', symbolOption)
      .option('--timeframe <tf>', 'timeframe (default 1h)', timeframeOption)
      .option('--from <time>', 'first decision bar', timeOption)
      .option('--to <time>', 'end, exclusive', timeOption)
      .option('--points <n>', 'number of end-to-end replays on truncated data', numberOption('--points', 1), 24)
      .option('--prepare-cuts <n>', "cut points of the analyzers' prepare check (every decision bar when they fit)", numberOption('--prepare-cuts', 1), 3000)
      .option('--json', 'print the report as JSON'),
  ).action(async (o: LookaheadOptions) => {
    const config = {strategy: o.strategy, symbol: o.symbol, timeframe: o.timeframe, fromMs: o.from, toMs: o.to};
    await withStore(o, async (store) => {
      const report = await checkLookahead(store, config, {points: o.points, prepare: {maxCuts: o.prepareCuts}});
      if (o.json) io.out(JSON.stringify(report, null, 2));
      else if (report.violations.length === 0) {
        const prepared = report.prepare.analyzers.length === 0 ? 'no analyzer has a batch prepare' : `${report.prepare.analyzers.join(', ')} re-prepared at ${report.prepare.cuts} cut points`;
        io.out(`lookahead check passed: ${report.strategy} over ${report.bars} bars; ${prepared}; ${report.points.length} end-to-end replays on truncated data; no earlier bar changed`);
      } else {
        io.out(`lookahead check FAILED for ${report.strategy}:`);
        for (const v of report.violations) {
          io.out(`  truncated at bar ${v.truncatedAt}: bar ${v.barIndex} (${formatTime(v.timeMs)}) ${v.what} changed`);
        }
      }
      if (report.violations.length > 0) process.exitCode = EXIT.lookahead;
    }, {readOnly: true}, io);
  });
  return check;
}
