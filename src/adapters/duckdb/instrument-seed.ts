import {DEFAULT_EXCHANGE, type InstrumentSpec} from '../../core/index.js';
import {DEFAULT_INSTRUMENTS} from '../../sim/instruments.js';
import type {DuckDb} from './database.js';
import type {DuckDbInstrumentStore} from './instrument-store.js';

/** Source of the built-in versions, and their as-of time: in force until a later version supersedes them. */
export const BUILTIN_SOURCE = 'builtin';
export const BUILTIN_AS_OF_MS = 0;

/** A built-in spec as the store holds it: rules and brackets apart. */
export function splitSpec(spec: InstrumentSpec): {rules: Omit<InstrumentSpec, 'brackets'>; brackets: InstrumentSpec['brackets']} {
  const {brackets, ...rules} = spec;
  return {rules, brackets};
}

/**
 * Writes the built-in BTC and ETH specs as of time 0 into a store that has no version of them at
 * that time yet: a fresh store can backtest the shipped sample, and `instruments list` shows what
 * a run will use. A store that already holds them is left as it is.
 */
export async function seedBuiltinInstruments(db: DuckDb, store: DuckDbInstrumentStore): Promise<void> {
  for (const spec of Object.values(DEFAULT_INSTRUMENTS)) {
    const {rules, brackets} = splitSpec(spec);
    const meta = {exchange: DEFAULT_EXCHANGE, asOfMs: BUILTIN_AS_OF_MS, source: BUILTIN_SOURCE};
    const present = async (table: string) =>
      (await db.rows(`SELECT 1 FROM ${table} WHERE exchange = $1 AND symbol = $2 AND as_of_ms = 0`, [DEFAULT_EXCHANGE, spec.symbol])).length > 0;
    if (!(await present('instrument_specs'))) await store.recordRules([{...meta, rules}]);
    if (!(await present('instrument_brackets'))) await store.recordBrackets([{...meta, symbol: spec.symbol, brackets}]);
  }
}
