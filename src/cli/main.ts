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
    processIo.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}
