/**
 * A strategy's own code (setup, decide) runs inside the engine; when it throws, the run stops with
 * one line that says which strategy, where (the bar's close time) and why, and points at the
 * strategy's file and line when the stack shows it. The engine only sees a decide function.
 */
import {basename} from 'node:path';
import {type DecisionContext, ErrorCode, IftbError, type Intent, isIftbError} from '../core/index.js';
import {strategySourceFile, type StrategyDefinition, type StrategyKit, type StrategySetup} from '../decision/index.js';

const time = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** "strategy NAME@VERSION failed in PART …: message (at file.ts:12:7)". */
export function strategyFailure(strategy: StrategyDefinition, part: string, error: unknown, where = ''): IftbError {
  // Errors iftb raised itself (a tampered model, a missing pin) already say what is wrong, with their own code.
  if (isIftbError(error)) return error;
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  const at = locate(strategy, error);
  return new IftbError(
    ErrorCode.STRATEGY_FAILED,
    `strategy ${strategy.name}@${strategy.version} failed in ${part}${where}: ${message.split('\n')[0]}${at ? ` (at ${at})` : ''}`,
    {cause: error},
  );
}

/** The first stack frame in the strategy's own file, as file:line:column. */
function locate(strategy: StrategyDefinition, error: unknown): string | null {
  const file = strategySourceFile(strategy);
  const stack = error instanceof Error ? error.stack : undefined;
  if (!file || !stack) return null;
  const name = basename(file);
  for (const line of stack.split('\n').slice(1)) {
    const m = /([^\s(]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (m && (m[1].endsWith(file) || m[1].endsWith(`/${name}`))) return `${name}:${m[2]}:${m[3]}`;
  }
  return null;
}

/** strategy.decide with its params bound; a throw names the strategy and the bar. */
export function guardedDecide(strategy: StrategyDefinition, params: unknown): (context: DecisionContext) => Intent {
  return (context) => {
    try {
      return strategy.decide(context, params);
    } catch (error) {
      throw strategyFailure(strategy, 'decide', error, ` at the bar closing ${time(context.timeMs)} UTC (bar ${context.index})`);
    }
  };
}

/** strategy.setup; a throw names the strategy. */
export function guardedSetup(strategy: StrategyDefinition, params: unknown, kit: StrategyKit): StrategySetup {
  try {
    return strategy.setup(params, kit);
  } catch (error) {
    throw strategyFailure(strategy, 'setup', error);
  }
}
