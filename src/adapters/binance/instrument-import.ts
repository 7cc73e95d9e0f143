import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {basename} from 'node:path';
import {ErrorCode, IftbError, type InstrumentStore, type RecordOutcome, type SymbolId} from '../../core/index.js';
import {bracketUpdates, parseExchangeInfo, parseLeverageBrackets, selectRules, type UnreadableSymbol} from './instruments.js';

/** Saved responses are Binance USDⓈ-M's (ccxt id binanceusdm); this module stays free of ccxt, which is slow to load. */
const EXCHANGE = 'binanceusdm';

export type InstrumentFileKind = 'exchange-info' | 'brackets';

export interface InstrumentImportRequest {
  readonly file: string;
  readonly kind: InstrumentFileKind;
  /** Only these unified symbols (default: every symbol in the file). */
  readonly symbols?: readonly SymbolId[];
  /**
   * As-of time of the versions. Default: exchangeInfo's serverTime; for brackets (the response
   * carries no time) the import time.
   */
  readonly asOfMs?: number;
}

export interface InstrumentImportReport {
  readonly file: string;
  readonly kind: InstrumentFileKind;
  readonly asOfMs: number;
  readonly outcomes: readonly RecordOutcome[];
  /** Binance ids in a brackets file that no stored spec names (import their exchangeInfo first). */
  readonly unknownIds: readonly string[];
  /** Symbols of an exchangeInfo file left out for a missing or malformed field. */
  readonly unreadable: readonly UnreadableSymbol[];
}

/** `iftb data instruments import FILE [--kind brackets]`: a saved Binance response, for machines without network. */
export async function importInstrumentFile(store: InstrumentStore, request: InstrumentImportRequest, now = Date.now()): Promise<InstrumentImportReport> {
  const {file, kind} = request;
  const bytes = readJsonFile(file);
  const raw = parseJson(file, bytes);
  const source = `file ${basename(file)} sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
  if (kind === 'exchange-info') {
    const parsed = parseExchangeInfo(raw, file);
    const asOfMs = request.asOfMs ?? parsed.serverTimeMs;
    if (asOfMs === null) throw new IftbError(ErrorCode.INPUT_INVALID, `${file} has no serverTime: pass --as-of with the time the response was saved`);
    const rules = selectRules(parsed, request.symbols, file);
    const outcomes = await store.recordRules(rules.map((r) => ({exchange: EXCHANGE, asOfMs, source, rules: r})));
    return {file, kind, asOfMs, outcomes, unknownIds: [], unreadable: parsed.unreadable};
  }
  const parsed = parseLeverageBrackets(raw, file);
  const asOfMs = request.asOfMs ?? now;
  const stored = await store.rules(EXCHANGE);
  const updates = bracketUpdates(parsed, stored.map((v) => v.rules), {exchange: EXCHANGE, asOfMs, source});
  const wanted = request.symbols && request.symbols.length > 0 ? new Set(request.symbols) : null;
  if (wanted) {
    const missing = [...wanted].filter((s) => !updates.some((u) => u.symbol === s));
    if (missing.length > 0) throw new IftbError(ErrorCode.INPUT_INVALID, `${file} has no brackets for ${missing.join(', ')} (or no stored spec names its Binance id)`);
  }
  const selected = wanted ? updates.filter((u) => wanted.has(u.symbol)) : updates;
  const mapped = new Set(stored.map((v) => v.rules.exchangeSymbol));
  const unknownIds = parsed.map((p) => p.exchangeSymbol).filter((id) => !mapped.has(id));
  if (updates.length === 0) {
    throw new IftbError(ErrorCode.DATA_MISSING, `${file}: no stored spec names any of its ${parsed.length} symbols; import their exchangeInfo first (\`iftb data instruments import exchangeInfo.json\`)`);
  }
  const outcomes = await store.recordBrackets(selected);
  return {file, kind, asOfMs, outcomes, unknownIds, unreadable: []};
}

function readJsonFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `cannot read ${file}: ${(error as Error).message}`);
  }
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new IftbError(ErrorCode.DATA_INVALID, `${file}: not valid JSON (${(error as Error).message})`);
  }
}
