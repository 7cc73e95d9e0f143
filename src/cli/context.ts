import {existsSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {Command, InvalidArgumentError, Option} from 'commander';
import {DEFAULT_DB_PATH, DuckDbStore, type StoreHolder} from '../adapters/duckdb/index.js';
import {DEFAULT_REPORTS_DIR} from '../app/backtest-report.js';
import type {ProgressSink} from '../core/index.js';
import {terminalProgress} from './format.js';

/** What commands write to and draw with; tests capture it, main.ts binds it to the process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  progress(): ProgressSink;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  progress: terminalProgress,
};

export interface StoreOptions {
  db?: string;
  seed?: boolean;
  /** Seconds to wait for a store another process holds (--wait). */
  wait?: number;
}

/** --wait SECONDS: how long a command waits for a store another iftb process holds. */
function waitOption(): Option {
  return new Option('--wait <seconds>', 'if another iftb process is using the store, wait up to this long for it (default: fail at once)')
    .env('IFTB_WAIT')
    .argParser((value: string) => {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--wait must be a number of seconds ≥ 0, got '${value}'`);
      return n;
    });
}

/** Adds --db, --wait and --no-seed to a command that opens the store. */
export function storeOptions(command: Command): Command {
  return command
    .addOption(new Option('--db <path>', 'DuckDB store file').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'))
    .addOption(waitOption())
    .option('--no-seed', 'do not import the shipped sample into a new store');
}

/** --reports-dir: where reports/<run-id>/ folders are written and looked up. */
export function reportsDirOption(): Option {
  return new Option('--reports-dir <dir>', 'where reports/<run-id>/ go').env('IFTB_REPORTS_DIR').default(DEFAULT_REPORTS_DIR, 'reports');
}

/** Adds only --db and --wait (for commands whose own --seed means something else, e.g. `iftb train --seed`). */
export function dbOption(command: Command): Command {
  return command
    .addOption(new Option('--db <path>', 'DuckDB store file').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'))
    .addOption(waitOption());
}

export interface StoreAccess {
  /** The command only reads: open read-only, so other readers can share the store. */
  readonly readOnly?: boolean;
  /** Wait at least this long (ms) for a busy store, whatever --wait says (saving a finished run). */
  readonly minWaitMs?: number;
}

/**
 * Opens the store for one command and always closes it. Says on stderr, before anything else,
 * when the store does not exist yet and is being created (with its folder, and seeded), and
 * when it waits for another process to let go of it.
 */
export async function withStore<T>(options: StoreOptions, work: (store: DuckDbStore) => Promise<T>, access: StoreAccess = {}, io: CliIo = processIo): Promise<T> {
  const path = resolve(options.db ?? DEFAULT_DB_PATH);
  const seed = options.seed ?? true;
  if (!existsSync(path)) {
    const folder = existsSync(dirname(path)) ? '' : ` and its folder ${dirname(path)}`;
    io.err(`note: ${path} does not exist: creating a new store${folder}, ${seed ? 'seeded with the shipped sample (datasets/)' : 'empty (--no-seed)'}`);
  }
  const waitMs = Math.max((options.wait ?? 0) * 1000, access.minWaitMs ?? 0);
  const onWait = (holder: StoreHolder, ms: number) =>
    io.err(`waiting up to ${Math.ceil(ms / 1000)} s for ${holder.pid === null ? 'another process' : `PID ${holder.pid}`} to release ${path}…`);
  const store = await DuckDbStore.open(path, {seed, readOnly: access.readOnly, waitMs, onWait});
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
