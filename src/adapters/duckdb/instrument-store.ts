import type {DuckDBValue} from '@duckdb/node-api';
import {
  ErrorCode,
  IftbError,
  type BracketsUpdate,
  type ExchangeId,
  type InstrumentRules,
  type InstrumentStore,
  type MarginBracket,
  type RecordOutcome,
  type RulesUpdate,
  type StoredBrackets,
  type StoredRules,
  type SymbolId,
} from '../../core/index.js';
import type {z} from 'zod';
import {BracketsSchema, canonicalJson, formatIssues, InstrumentRulesSchema, sha256Hex} from '../../config/index.js';
import type {DuckDb} from './database.js';

/** sha256 of the canonical JSON: equal rules (or brackets) hash equally whatever their key order. */
export function instrumentContentHash(content: unknown): string {
  return sha256Hex(canonicalJson(content));
}

type Kind = 'num' | 'int' | 'str';
/** InstrumentRules field ↔ instrument_specs column; `required` columns are NOT NULL. */
const RULE_COLUMNS: ReadonlyArray<readonly [keyof InstrumentRules, string, Kind, boolean]> = [
  ['exchangeSymbol', 'exchange_symbol', 'str', false],
  ['status', 'status', 'str', false],
  ['contractType', 'contract_type', 'str', false],
  ['tickSize', 'tick_size', 'num', true],
  ['minPrice', 'min_price', 'num', false],
  ['maxPrice', 'max_price', 'num', false],
  ['stepSize', 'step_size', 'num', true],
  ['minQty', 'min_qty', 'num', true],
  ['maxQty', 'max_qty', 'num', false],
  ['marketStepSize', 'market_step_size', 'num', false],
  ['marketMinQty', 'market_min_qty', 'num', false],
  ['marketMaxQty', 'market_max_qty', 'num', false],
  ['minNotional', 'min_notional', 'num', true],
  ['percentPriceUp', 'percent_price_up', 'num', false],
  ['percentPriceDown', 'percent_price_down', 'num', false],
  ['pricePrecision', 'price_precision', 'int', false],
  ['quantityPrecision', 'quantity_precision', 'int', false],
  ['makerFeeRate', 'maker_fee_rate', 'num', true],
  ['takerFeeRate', 'taker_fee_rate', 'num', true],
  ['liquidationFeeRate', 'liquidation_fee_rate', 'num', true],
];

interface Table<C> {
  readonly name: string;
  /** What a version's content must satisfy before it is written. */
  readonly schema: z.ZodType;
  /** The version's content as column values, and back. */
  readonly columns: readonly string[];
  toColumns(content: C): DuckDBValue[];
  fromRow(row: Record<string, unknown>, symbol: SymbolId): C;
}

const RULES_TABLE: Table<InstrumentRules> = {
  name: 'instrument_specs',
  schema: InstrumentRulesSchema,
  columns: RULE_COLUMNS.map(([, column]) => column),
  toColumns: (rules) => RULE_COLUMNS.map(([key]) => (rules[key] ?? null) as DuckDBValue),
  fromRow(row, symbol) {
    const rules: Record<string, unknown> = {symbol};
    for (const [key, column, kind] of RULE_COLUMNS) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      rules[key] = kind === 'str' ? String(value) : Number(value);
    }
    return rules as unknown as InstrumentRules;
  },
};

const BRACKETS_TABLE: Table<readonly MarginBracket[]> = {
  name: 'instrument_brackets',
  schema: BracketsSchema,
  columns: ['brackets_json'],
  toColumns: (brackets) => [canonicalJson(brackets)],
  fromRow: (row) => JSON.parse(String(row.brackets_json)) as MarginBracket[],
};

interface Version<C> {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly asOfMs: number;
  readonly source: string;
  readonly content: C;
}

/** The InstrumentStore port over instrument_specs and instrument_brackets. */
export class DuckDbInstrumentStore implements InstrumentStore {
  constructor(readonly db: DuckDb) {}

  recordRules(updates: readonly RulesUpdate[]): Promise<RecordOutcome[]> {
    return this.record(RULES_TABLE, updates.map((u) => ({exchange: u.exchange, symbol: u.rules.symbol, asOfMs: u.asOfMs, source: u.source, content: u.rules})));
  }

  recordBrackets(updates: readonly BracketsUpdate[]): Promise<RecordOutcome[]> {
    return this.record(BRACKETS_TABLE, updates.map((u) => ({exchange: u.exchange, symbol: u.symbol, asOfMs: u.asOfMs, source: u.source, content: u.brackets})));
  }

  async rules(exchange: ExchangeId, symbol?: SymbolId): Promise<StoredRules[]> {
    const rows = await this.read(RULES_TABLE, exchange, symbol);
    return rows.map(({content, ...meta}) => ({...meta, rules: content}));
  }

  async brackets(exchange: ExchangeId, symbol?: SymbolId): Promise<StoredBrackets[]> {
    const rows = await this.read(BRACKETS_TABLE, exchange, symbol);
    return rows.map(({content, ...meta}) => ({...meta, brackets: content}));
  }

  private async read<C>(table: Table<C>, exchange: ExchangeId, symbol?: SymbolId) {
    const rows = await this.db.rows(
      `SELECT symbol, as_of_ms, source, content_hash, ${table.columns.join(', ')} FROM ${table.name}
       WHERE exchange = $1${symbol === undefined ? '' : ' AND symbol = $2'} ORDER BY symbol, as_of_ms`,
      symbol === undefined ? [exchange] : [exchange, symbol],
    );
    return rows.map((row) => {
      const symbolId = String(row.symbol);
      const content = table.fromRow(row, symbolId);
      const hash = String(row.content_hash);
      // A row edited by hand, or written by a build that hashed differently, is not silently trusted.
      if (instrumentContentHash(content) !== hash) {
        throw new IftbError(ErrorCode.DATA_INVALID, `${table.name}: ${symbolId} as of ${Number(row.as_of_ms)} does not match its content_hash; re-import it`);
      }
      return {exchange, symbol: symbolId, asOfMs: Number(row.as_of_ms), source: String(row.source), hash, content};
    });
  }

  /**
   * Adds each version unless the version in force at its as-of time (the newest at or before it)
   * already has the same content: syncing twice adds nothing, and a change adds exactly one row.
   */
  private record<C>(table: Table<C>, versions: readonly Version<C>[]): Promise<RecordOutcome[]> {
    return this.db.transaction(async () => {
      const outcomes: RecordOutcome[] = [];
      for (const v of versions) {
        if (!Number.isSafeInteger(v.asOfMs) || v.asOfMs < 0) {
          throw new IftbError(ErrorCode.INPUT_INVALID, `${v.symbol}: as-of time must be a non-negative integer (ms), got ${v.asOfMs}`);
        }
        const checked = table.schema.safeParse(v.content);
        if (!checked.success) throw new IftbError(ErrorCode.DATA_INVALID, formatIssues(`${table.name}: ${v.symbol}`, checked.error));
        const hash = instrumentContentHash(v.content);
        const [inForce] = await this.db.rows(
          `SELECT as_of_ms, content_hash FROM ${table.name} WHERE exchange = $1 AND symbol = $2 AND as_of_ms <= $3
           ORDER BY as_of_ms DESC LIMIT 1`,
          [v.exchange, v.symbol, BigInt(v.asOfMs)],
        );
        if (inForce !== undefined && String(inForce.content_hash) === hash) {
          outcomes.push({symbol: v.symbol, asOfMs: Number(inForce.as_of_ms), hash, status: 'unchanged'});
          continue;
        }
        if (inForce !== undefined && Number(inForce.as_of_ms) === v.asOfMs) {
          throw new IftbError(ErrorCode.DATA_CONFLICT,
            `${table.name}: ${v.symbol} as of ${new Date(v.asOfMs).toISOString()} is already stored with other content; nothing was written`);
        }
        const values = table.toColumns(v.content);
        const placeholders = values.map((_, i) => `$${i + 6}`).join(', ');
        await this.db.run(
          `INSERT INTO ${table.name} (exchange, symbol, as_of_ms, source, content_hash, ${table.columns.join(', ')})
           VALUES ($1, $2, $3, $4, $5, ${placeholders})`,
          [v.exchange, v.symbol, BigInt(v.asOfMs), v.source, hash, ...values],
        );
        outcomes.push({symbol: v.symbol, asOfMs: v.asOfMs, hash, status: 'added'});
      }
      return outcomes;
    });
  }
}
