#!/usr/bin/env node
import {CommanderError} from 'commander';
import {ErrorCode, isIftbError} from '../core/index.js';
import {processIo} from './context.js';
import {buildProgram} from './program.js';

const USER_ERRORS: ReadonlySet<string> = new Set([ErrorCode.INPUT_INVALID, ErrorCode.CONFIG_INVALID, ErrorCode.IN_SAMPLE, ErrorCode.MODEL_NOT_FOUND]);

try {
  await buildProgram(processIo).exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help text).
    process.exitCode = error.exitCode;
  } else if (isIftbError(error)) {
    processIo.err(`error: ${error.message}`);
    process.exitCode = USER_ERRORS.has(error.code) ? 2 : 1;
  } else {
    // Filesystem and other unexpected errors: one line; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    const stack = process.env.IFTB_DEBUG && error instanceof Error ? `\n${error.stack}` : ' (set IFTB_DEBUG=1 for the stack)';
    processIo.err(`error: ${message.split('\n')[0]}${stack}`);
    process.exitCode = 1;
  }
}
