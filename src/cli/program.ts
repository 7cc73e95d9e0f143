import {Command} from 'commander';
import {type CliIo, processIo} from './context.js';
import {backtestCommand} from './commands/backtest.js';
import {checkCommand} from './commands/check.js';
import {dataCommand} from './commands/data.js';
import {llmCommand} from './commands/llm.js';
import {compareCommand} from './commands/compare.js';
import {modelsCommand} from './commands/models.js';
import {trainCommand} from './commands/train.js';
import {reportCommand} from './commands/report.js';
import {runsCommand} from './commands/runs.js';
import {dbCommand} from './commands/db.js';
import {opsCommand} from './commands/ops.js';
import {liveCommand} from './commands/live.js';
import {optimizeCommand} from './commands/optimize.js';
import {workerCommand} from './commands/worker.js';
import {strategyCommand} from './commands/strategy.js';
import {alertsCommand} from './commands/alerts.js';

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('iftb')
    .description('IFTB: backtesting, research and live trading for Binance USDⓈ-M futures')
    .version('0.1.0')
    // Root options (--version) only before the subcommand, so `iftb train --version 3` is train's.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(dataCommand(io));
  program.addCommand(backtestCommand(io));
  program.addCommand(checkCommand(io));
  program.addCommand(llmCommand(io));
  program.addCommand(trainCommand(io));
  program.addCommand(modelsCommand(io));
  program.addCommand(compareCommand(io));
  program.addCommand(reportCommand(io));
  program.addCommand(runsCommand(io));
  program.addCommand(dbCommand(io));
  program.addCommand(liveCommand(io));
  program.addCommand(opsCommand(io));
  program.addCommand(optimizeCommand(io));
  program.addCommand(workerCommand(io));
  program.addCommand(strategyCommand(io));
  program.addCommand(alertsCommand(io));
  return program;
}
