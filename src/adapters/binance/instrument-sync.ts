/**
 * Instrument specs into the store: from Binance through ccxt (`iftb data instruments sync`, and
 * the symbol `iftb data download` downloads) or from a saved response (`… import FILE`). Both read
 * the raw JSON with the same parsers and write versions the same way.
 */
import type {InstrumentStore, RecordOutcome, SymbolId} from '../../core/index.js';
import {BINANCE_USDM, type BinanceExchangeOptions} from './exchange.js';
import {bracketUpdates, parseExchangeInfo, parseLeverageBrackets, selectRules, type UnreadableSymbol} from './instruments.js';
import {BinanceSession} from './session.js';

export interface InstrumentSyncReport {
  /** As-of time of the versions: exchangeInfo's serverTime. */
  readonly asOfMs: number;
  /** Symbols exchangeInfo listed. */
  readonly listed: number;
  /** Listed symbols left out for a missing or malformed field (only when no symbols were asked for, or others were). */
  readonly unreadable: readonly UnreadableSymbol[];
  readonly rules: readonly RecordOutcome[];
  /** null: not fetched (no API key and secret). */
  readonly brackets: readonly RecordOutcome[] | null;
  readonly requests: number;
}

export interface InstrumentSyncOptions {
  readonly store: InstrumentStore;
  /** Credentials here make the sync fetch leverage brackets too. */
  readonly exchange?: BinanceExchangeOptions;
  readonly log?: (line: string) => void;
}

/** `iftb data instruments sync [--symbols …]`: one exchangeInfo request, plus one leverageBracket request with keys. */
export async function syncInstruments(symbols: readonly SymbolId[] | undefined, options: InstrumentSyncOptions): Promise<InstrumentSyncReport> {
  const session = new BinanceSession(options.exchange, options.log);
  try {
    return await syncWithSession(session, options.store, symbols);
  } finally {
    await session.close();
  }
}

/** The sync on an open session (a download reuses its own). */
export async function syncWithSession(session: BinanceSession, store: InstrumentStore, symbols?: readonly SymbolId[]): Promise<InstrumentSyncReport> {
  const before = session.requests;
  const origin = `${BINANCE_USDM} exchangeInfo`;
  const raw = await session.call('fetch exchangeInfo', (client) => client.fapiPublicGetExchangeInfo());
  const parsed = parseExchangeInfo(raw, origin);
  const rules = selectRules(parsed, symbols, origin);
  const asOfMs = parsed.serverTimeMs ?? Date.now();
  const source = `sync ${apiOrigin(session)}`;
  const ruleOutcomes = await store.recordRules(rules.map((r) => ({exchange: BINANCE_USDM, asOfMs, source, rules: r})));
  let bracketOutcomes: RecordOutcome[] | null = null;
  if (session.client.apiKey && session.client.secret) {
    const rawBrackets = await session.call('fetch leverageBracket', (client) => client.fapiPrivateGetLeverageBracket());
    bracketOutcomes = await store.recordBrackets(bracketUpdates(parseLeverageBrackets(rawBrackets, `${BINANCE_USDM} leverageBracket`), rules, {exchange: BINANCE_USDM, asOfMs, source}));
  }
  const listed = parsed.rules.length + parsed.unreadable.length;
  return {asOfMs, listed, unreadable: parsed.unreadable, rules: ruleOutcomes, brackets: bracketOutcomes, requests: session.requests - before};
}

/** Scheme and host the client talks to (a test server's port is not a property of the spec, but it is where it came from). */
function apiOrigin(session: BinanceSession): string {
  const api = (session.client.urls as {api: Record<string, unknown>}).api;
  const url = typeof api.fapiPublic === 'string' ? api.fapiPublic : 'https://fapi.binance.com';
  return new URL(url).origin;
}
