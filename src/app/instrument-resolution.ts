/**
 * Which instrument spec a run trades on, and what run.json says about it.
 *
 * The rule (for the contract rules and, separately, the leverage brackets): the newest stored
 * version whose as-of time is at or before the open of the run's first decision bar; if every
 * stored version is later, the oldest one, with a note. Without any stored rules the run fails
 * with one line naming the command that fetches them (unless the config's `instrument` key gives
 * every required field). Without stored brackets the run uses CONSERVATIVE_DEFAULT_BRACKETS, with
 * a note. Then the config's `instrument: {…}` fields replace the spec's, and the `makerFee` /
 * `takerFee` keys (the --maker-fee / --taker-fee flags) replace those. A version that takes
 * effect later inside the run's range is noted, not applied: one run, one spec.
 */
// The modules themselves, not the package index: a backtest worker must not load the DuckDB SDK for a hash.
import {BUILTIN_AS_OF_MS, BUILTIN_SOURCE, splitSpec} from '../adapters/duckdb/instrument-seed.js';
import {instrumentContentHash} from '../adapters/duckdb/instrument-store.js';
import {
  DEFAULT_EXCHANGE,
  ErrorCode,
  IftbError,
  type ExchangeId,
  type InstrumentRules,
  type InstrumentSpec,
  type InstrumentStore,
  type MarginBracket,
  type SymbolId,
} from '../core/index.js';
import {type InstrumentOverride, InstrumentRulesSchema} from '../config/index.js';
import {CONSERVATIVE_DEFAULT_BRACKETS, DEFAULT_INSTRUMENTS, validateBrackets} from '../sim/index.js';

interface Version<C> {
  /** null: not a stored version (the config's own fields, or the default schedule). */
  readonly asOfMs: number | null;
  readonly source: string;
  readonly hash: string;
  readonly content: C;
}

/** What the store (or the built-ins) hold for a run, before the config's overrides. */
export interface InstrumentChoice {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly rules: Version<InstrumentRules>;
  /** null: no brackets stored for the symbol. */
  readonly brackets: Version<readonly MarginBracket[]> | null;
  readonly notes: readonly string[];
}

export interface VersionRef {
  readonly asOf: string | null;
  readonly asOfMs: number | null;
  readonly source: string;
  readonly hash: string;
}

/** run.json `instrument`: which versions, what the config changed, and the spec the venue used. */
export interface InstrumentRunInfo {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly rules: VersionRef;
  readonly brackets: VersionRef;
  /** True when no brackets were stored and the config gave none: the conservative default schedule. */
  readonly defaultBrackets: boolean;
  /** Spec fields the config replaced (`instrument` keys, and makerFeeRate/takerFeeRate from makerFee/takerFee). */
  readonly overrides: readonly string[];
  /** sha256 of the canonical JSON of `spec`. */
  readonly effectiveHash: string;
  readonly notes: readonly string[];
  readonly spec: InstrumentSpec;
}

/** The config keys resolution reads. */
export interface InstrumentConfig {
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly instrument?: InstrumentOverride;
  readonly makerFee?: number;
  readonly takerFee?: number;
}

export const DEFAULT_BRACKETS_SOURCE = 'default: IFTB conservative schedule';

const iso = (ms: number) => new Date(ms).toISOString();

/** The newest version at or before atMs, else the oldest (fallback); null when there is none. */
export function versionInForce<V extends {readonly asOfMs: number}>(versions: readonly V[], atMs: number): {version: V; fallback: boolean} | null {
  if (versions.length === 0) return null;
  let chosen: V | undefined;
  for (const v of versions) if (v.asOfMs <= atMs && (chosen === undefined || v.asOfMs > chosen.asOfMs)) chosen = v;
  if (chosen !== undefined) return {version: chosen, fallback: false};
  return {version: versions.reduce((a, b) => (b.asOfMs < a.asOfMs ? b : a)), fallback: true};
}

export function missingSpecError(exchange: ExchangeId, symbol: SymbolId): IftbError {
  return new IftbError(ErrorCode.DATA_MISSING,
    `no instrument spec for ${symbol} on ${exchange}: run \`iftb data instruments sync --symbols ${symbol}\` (offline: \`iftb data instruments import exchangeInfo.json\`)`);
}

/** Picks the stored versions in force at `range.fromMs` (the first decision bar's open); `range.toMs` is the last bar's open. */
export async function resolveInstrument(store: InstrumentStore, config: InstrumentConfig, range: {fromMs: number; toMs: number}): Promise<InstrumentChoice> {
  const {exchange, symbol} = config;
  const notes: string[] = [];
  const pick = <V extends {asOfMs: number; source: string}>(versions: readonly V[], what: string): V | null => {
    const found = versionInForce(versions, range.fromMs);
    if (found === null) return null;
    const {version} = found;
    if (found.fallback) notes.push(`no ${what} for ${symbol} as of ${iso(range.fromMs)} or earlier: using the oldest stored, as of ${iso(version.asOfMs)} (${version.source})`);
    const next = versions.find((v) => v.asOfMs > version.asOfMs && v.asOfMs <= range.toMs);
    if (next) notes.push(`a newer ${what} for ${symbol} (as of ${iso(next.asOfMs)}) takes effect inside the run's range; the run keeps the one in force at its first decision bar`);
    return version;
  };
  const rules = pick(await store.rules(exchange, symbol), 'instrument spec');
  const brackets = pick(await store.brackets(exchange, symbol), 'leverage brackets');
  let chosenRules: Version<InstrumentRules>;
  if (rules !== null) {
    chosenRules = {asOfMs: rules.asOfMs, source: rules.source, hash: rules.hash, content: rules.rules};
  } else {
    chosenRules = rulesFromConfig(config) ?? throwMissing(exchange, symbol);
    notes.push(`no instrument spec stored for ${symbol}: the config's \`instrument\` key gives every field`);
  }
  if (chosenRules.content.status !== undefined && chosenRules.content.status !== 'TRADING') {
    notes.push(`${symbol}'s spec has status ${chosenRules.content.status}, not TRADING`);
  }
  return {
    exchange, symbol, rules: chosenRules, notes,
    brackets: brackets && {asOfMs: brackets.asOfMs, source: brackets.source, hash: brackets.hash, content: brackets.brackets},
  };
}

function throwMissing(exchange: ExchangeId, symbol: SymbolId): never {
  throw missingSpecError(exchange, symbol);
}

/** A complete spec written in the config (`instrument: {tickSize, stepSize, …}`), for a symbol nothing is stored for. */
function rulesFromConfig(config: InstrumentConfig): Version<InstrumentRules> | null {
  const {brackets: _brackets, ...fields} = config.instrument ?? {};
  const parsed = InstrumentRulesSchema.safeParse({symbol: config.symbol, ...fields});
  if (!parsed.success) return null;
  return {asOfMs: null, source: 'config', hash: instrumentContentHash(parsed.data), content: parsed.data as InstrumentRules};
}

/** The built-in spec as the seeded store holds it, for runs without a store (benchmarks, tests): the same versions, the same run id. */
export function builtinInstrument(exchange: ExchangeId, symbol: SymbolId): InstrumentChoice {
  const spec = exchange === DEFAULT_EXCHANGE && Object.hasOwn(DEFAULT_INSTRUMENTS, symbol) ? DEFAULT_INSTRUMENTS[symbol] : undefined;
  if (spec === undefined) throw missingSpecError(exchange, symbol);
  const {rules, brackets} = splitSpec(spec);
  const meta = {asOfMs: BUILTIN_AS_OF_MS, source: BUILTIN_SOURCE};
  return {
    exchange, symbol, notes: [],
    rules: {...meta, hash: instrumentContentHash(rules), content: rules},
    brackets: {...meta, hash: instrumentContentHash(brackets), content: brackets},
  };
}

const ref = (v: {asOfMs: number | null; source: string; hash: string}): VersionRef => ({
  asOf: v.asOfMs === null ? null : iso(v.asOfMs), asOfMs: v.asOfMs, source: v.source, hash: v.hash,
});

/** The spec the venue trades on: the choice, the default schedule where brackets are missing, then the config's fields. */
export function instrumentForRun(choice: InstrumentChoice, config: InstrumentConfig): InstrumentRunInfo {
  const override = config.instrument ?? {};
  const fees = {
    ...(config.makerFee === undefined ? {} : {makerFeeRate: config.makerFee}),
    ...(config.takerFee === undefined ? {} : {takerFeeRate: config.takerFee}),
  };
  const defaultBrackets = choice.brackets === null && override.brackets === undefined;
  const spec: InstrumentSpec = {
    ...choice.rules.content,
    brackets: choice.brackets?.content ?? CONSERVATIVE_DEFAULT_BRACKETS,
    ...override,
    ...fees,
    symbol: choice.symbol,
  };
  validateBrackets(spec);
  const notes = [...choice.notes];
  if (defaultBrackets) {
    notes.push(`no leverage brackets stored for ${choice.symbol}: using IFTB's conservative default schedule (leverage 20x → 1x, maintenance 2.5 % → 50 %); ` +
      'sync with BINANCE_API_KEY and BINANCE_API_SECRET set, or `iftb data instruments import FILE --kind brackets`');
  }
  const bracketsRef = override.brackets !== undefined
    ? {asOfMs: null, source: 'config', hash: instrumentContentHash(override.brackets)}
    : choice.brackets ?? {asOfMs: null, source: DEFAULT_BRACKETS_SOURCE, hash: instrumentContentHash(CONSERVATIVE_DEFAULT_BRACKETS)};
  return {
    exchange: choice.exchange,
    symbol: choice.symbol,
    rules: ref(choice.rules),
    brackets: ref(bracketsRef),
    defaultBrackets,
    overrides: [...Object.keys(override), ...Object.keys(fees).filter((k) => !(k in override))].sort(),
    effectiveHash: instrumentContentHash(spec),
    notes,
    spec,
  };
}

/** What the run id covers: which versions (as-of and content hash) and the spec actually traded. */
export function instrumentIdentity(info: InstrumentRunInfo): Readonly<Record<string, unknown>> {
  return {
    rules: {asOfMs: info.rules.asOfMs, hash: info.rules.hash},
    brackets: {asOfMs: info.brackets.asOfMs, hash: info.brackets.hash},
    effectiveHash: info.effectiveHash,
  };
}
