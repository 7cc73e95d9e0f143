import {CommanderError} from 'commander';
import {ErrorCode, isIftbError} from '../core/index.js';

/**
 * The exit codes of every command (README "Exit codes"): bad input is 2 whether commander or the
 * config schema caught it, so a script can tell "fix the command" from "something failed".
 */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: missing data, a store, model or strategy error, an LLM endpoint down. */
  failed: 1,
  /** Bad input: unknown option or parameter, a value out of range, an invalid config or file. */
  badInput: 2,
  /** `iftb data check` found problems in the data. */
  dataProblems: 3,
  /** `iftb check lookahead` found a decision that changes when later bars are removed. */
  lookahead: 4,
  /** `iftb models promote` refused the version: a gate failed (the table says which, with its figure). */
  promotionRefused: 5,
  /** Another process holds the store (EX_TEMPFAIL): try again later, with --wait, or use --db. */
  storeBusy: 75,
} as const;

const BAD_INPUT: ReadonlySet<string> = new Set([
  ErrorCode.INPUT_INVALID, ErrorCode.CONFIG_INVALID, ErrorCode.IN_SAMPLE, ErrorCode.MODEL_NOT_FOUND, ErrorCode.LLM_CONTAMINATED,
]);

export function exitCodeOf(error: unknown): number {
  // Help and --version "fail" with exit code 0; every other commander error is a usage error.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  if (isIftbError(error)) {
    if (error.code === ErrorCode.STORE_BUSY) return EXIT.storeBusy;
    if (error.code === ErrorCode.PROMOTION_REFUSED) return EXIT.promotionRefused;
    return BAD_INPUT.has(error.code) ? EXIT.badInput : EXIT.failed;
  }
  return EXIT.failed;
}
