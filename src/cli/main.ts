#!/usr/bin/env node
import {type Command, CommanderError} from 'commander';
import {isIftbError} from '../core/index.js';
import {processIo} from './context.js';
import {exitCodeOf} from './exit-codes.js';
import {buildProgram} from './program.js';

/** Every (sub)command throws instead of exiting, so one place picks the exit code (exit-codes.ts). */
function throwInsteadOfExit(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) throwInsteadOfExit(sub);
  return command;
}

try {
  await throwInsteadOfExit(buildProgram(processIo)).parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help text).
  } else if (isIftbError(error)) {
    processIo.err(`error: ${error.message}`);
  } else {
    // Filesystem and other unexpected errors: one line; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    const stack = process.env.IFTB_DEBUG && error instanceof Error ? `\n${error.stack}` : ' (set IFTB_DEBUG=1 for the stack)';
    processIo.err(`error: ${message.split('\n')[0]}${stack}`);
  }
  process.exitCode = exitCodeOf(error);
}
