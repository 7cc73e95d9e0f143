import {Command} from 'commander';
import {type CliIo, processIo} from './context.js';
import {backtestCommand} from './commands/backtest.js';
import {checkCommand} from './commands/check.js';
import {dataCommand} from './commands/data.js';

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('iftb')
    .description('IFTB: backtesting, research and live trading for Binance USDⓈ-M futures')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(dataCommand(io));
  program.addCommand(backtestCommand(io));
  program.addCommand(checkCommand(io));
  return program;
}
