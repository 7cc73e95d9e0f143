import {Command, Option} from 'commander';
import {DEFAULT_DB_PATH, DuckDbStore} from '../adapters/duckdb/index.js';
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
}

/** Adds --db and --no-seed to a command that opens the store. */
export function storeOptions(command: Command): Command {
  return command
    .addOption(new Option('--db <path>', 'DuckDB store file').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'))
    .option('--no-seed', 'do not import the shipped sample into a new store');
}

/** --reports-dir: where reports/<run-id>/ folders are written and looked up. */
export function reportsDirOption(): Option {
  return new Option('--reports-dir <dir>', 'where reports/<run-id>/ go').env('IFTB_REPORTS_DIR').default(DEFAULT_REPORTS_DIR, 'reports');
}

/** Adds only --db (for commands whose own --seed means something else, e.g. `iftb train --seed`). */
export function dbOption(command: Command): Command {
  return command.addOption(new Option('--db <path>', 'DuckDB store file').env('IFTB_DB').default(DEFAULT_DB_PATH, 'datasets/iftb.duckdb'));
}

/** Opens the store for one command and always closes it. */
export async function withStore<T>(options: StoreOptions, work: (store: DuckDbStore) => Promise<T>): Promise<T> {
  const store = await DuckDbStore.open(options.db ?? DEFAULT_DB_PATH, {seed: options.seed ?? true});
  try {
    return await work(store);
  } finally {
    store.close();
  }
}
