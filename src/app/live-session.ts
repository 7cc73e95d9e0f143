/**
 * `iftb live`: the same engine a backtest runs, fed by closed bars from the exchange, trading a
 * simulated venue (paper, the default) or the exchange itself (live). This module composes a
 * session: stores and locks, the session record (created, or resumed after a stop or a crash),
 * warm-up data, the lanes and trading parts from the one run builder, and the restart replay.
 * The per-slot loop is in live-loop.ts.
 */
import {randomBytes} from 'node:crypto';
import {
  type BotLockHandle,
  ErrorCode,
  type ExchangeClient,
  IftbError,
  type JournalEvent,
  type LlmClient,
  type SessionKey,
  type SessionRecord,
  type Timeframe,
  timeframeMs,
} from '../core/index.js';
import {canonicalJson} from '../config/index.js';
import {loadStrategy, type StrategyDefinition} from '../decision/index.js';
import {ExchangeClock} from '../live/exchange-clock.js';
import {ExchangeVenue} from '../live/exchange-venue.js';
import {OrderTracker} from '../live/order-tracker.js';
import {KillSwitchRelay, ReplaySwitch} from '../live/kill-switch-relay.js';
import {hashSecret, KillSwitch} from '../risk/index.js';
import {symbolEntries} from './backtest-config.js';
import type {BacktestData} from './backtest-data.js';
import {resolveInstrument} from './instrument-resolution.js';
import type {LiveConfig} from './live-config.js';
import {type LiveSeries, loadLiveSeries} from './live-data.js';
import {mlRunInfo} from './ml-run.js';
import {composeShadow, type LiveShadow} from './live-shadow.js';
import {mlModelOf} from './strategy-kit.js';
import {type ComposedLane, composeLanes, composeTrading, laneInstrumentConfig, runIdentity, runNeeds, simulatedVenue, type TradingParts} from './run-composition.js';
import type {StateStores} from './state-stores.js';
import type {LlmEndpoint} from '../adapters/openai/index.js';
import {isLlmAnalyzer} from '../signals/llm/index.js';
import {backfillPromptHistory, type LiveLlm, liveLlm, refuseUnsupportedLlm} from './live-llm.js';

export interface LiveSessionDeps {
  readonly stores: StateStores;
  readonly client: ExchangeClient;
  /** Instrument specs (the DuckDB research store's table); absent: the built-in specs. */
  readonly instruments?: Parameters<typeof resolveInstrument>[0];
  readonly modelsDir?: string;
  /** KILL_SWITCH_ADMIN_KEY (force-deactivate); absent: force-deactivate is refused. */
  readonly adminKey?: string;
  readonly log: (line: string) => void;
  /** Running counts of the exchange requests and the venue's failures (the breaker's error-rate rule reads them per window). */
  readonly exchangeActivity?: {readonly requests: number; readonly failures: number};
  /** The LLM endpoint (IFTB_LLM_BASE_URL / OPENAI_API_KEY), or a ready client (tests). */
  readonly llm?: {readonly endpoint?: LlmEndpoint | null; readonly client?: LlmClient};
}

/** Everything composed for one session, before its loop starts. */
export interface ComposedSession {
  readonly config: LiveConfig;
  readonly strategy: StrategyDefinition;
  readonly session: SessionRecord;
  readonly resumed: boolean;
  readonly series: readonly LiveSeries[];
  readonly lanes: readonly ComposedLane[];
  readonly parts: TradingParts;
  readonly journal: JournalEvent[];
  readonly killSwitch: KillSwitch;
  readonly relay: KillSwitchRelay;
  readonly replaySwitch: ReplaySwitch;
  readonly clock: ExchangeClock;
  readonly locks: readonly BotLockHandle[];
  /** Live mode: the exchange as the venue (its queue is flushed between steps); null for paper. */
  readonly exchangeVenue: ExchangeVenue | null;
  /** Set while the lock of a symbol is lost (another bot may trade it): the loop keeps trading reducing. */
  readonly lostLocks: Set<string>;
  /** --shadow: the challenger's lanes on their own simulated venue (live-shadow.ts); null without one. */
  readonly shadow: LiveShadow | null;
  /** The LLM source's session wiring and headline feeds. */
  readonly llm: LiveLlm;
}

const NEW_SESSION_PREFIX = {paper: 'p', live: 'l'} as const;

/** Composes a session from a parsed live config: nothing runs until the loop starts. */
export async function composeLiveSession(config: LiveConfig, deps: LiveSessionDeps): Promise<ComposedSession> {
  const {trading, live} = config;
  const {stores, client, log} = deps;
  const strategy = await loadStrategy(trading.strategy);
  const entries = symbolEntries(trading);
  const tf = timeframeMs(trading.timeframe);
  const clock = new ExchangeClock();
  clock.sync(await client.serverTimeMs());

  const key: SessionKey = {
    mode: live.mode, exchange: trading.exchange, accountId: live.mode === 'paper' ? 'paper' : client.accountId, strategy: trading.strategy,
    symbols: entries.map((e) => e.symbol).sort(), timeframe: trading.timeframe,
  };
  const lostLocks = new Set<string>();
  const locks = await acquireLocks(deps, key, lostLocks);
  try {
    const existing = live.newSession ? null : await stores.sessions.resumable(key);
    const now = clock.now();
    const firstBarMs = existing?.firstBarMs ?? Math.floor(now / tf) * tf;
    // A resumed session scores its first bars with the models of its record, whatever the pins say now (the replay applies its swaps).
    const models = existing === null ? undefined : sessionStartModels(existing);
    const need = runNeeds(trading, strategy, entries, deps.modelsDir, models);
    const fromMs = firstBarMs - need.warmup * tf;
    const series: LiveSeries[] = [];
    for (const e of entries) series.push(await loadLiveSeries(e.symbol, {store: stores.marketData, client, exchange: trading.exchange, timeframe: trading.timeframe, fromMs, nowMs: now, log}));

    const datas: BacktestData[] = [];
    for (const [k, e] of entries.entries()) {
      const s = series[k];
      let firstIndex = 0;
      while (firstIndex < s.bars.length && s.bars.openTime[firstIndex] < firstBarMs) firstIndex++;
      const instrument = deps.instruments ? await resolveInstrument(deps.instruments, laneInstrumentConfig(trading, e), {fromMs: firstBarMs, toMs: firstBarMs}) : undefined;
      datas.push({
        bars: s.bars, mark: null, funding: trading.funding ? s.funding : null, firstIndex,
        ...(need.analyzerFunding ? {analyzerFunding: s.funding} : {}),
        ...(instrument === undefined ? {} : {instrument}),
      });
    }

    const journal: JournalEvent[] = [];
    const sink = (event: JournalEvent) => journal.push(event);
    // Live: the ledger starts from the account's wallet balance when the session began (kept in its config).
    const liveTrading = live.mode === 'live' ? {...trading, cash: await startingBalance(existing, client)} : trading;
    const llm = liveLlm(config, {stores, endpoint: deps.llm?.endpoint, client: deps.llm?.client, now: () => clock.now(), log});
    const lanes = composeLanes(liveTrading, strategy, entries, datas, sink, {
      modelsDir: deps.modelsDir, strict: false, llm: (symbol) => llm.wiring(symbol), ...(models === undefined ? {} : {models}),
    });
    refuseMismatchedModels(lanes, trading.timeframe);
    if (live.mode === 'live') refuseUnpinnedModels(lanes);
    const analyzers = lanes.flatMap((l) => l.analyzers);
    refuseUnsupportedLlm(config, stores, analyzers, deps.llm?.client !== undefined || (deps.llm?.endpoint ?? null) !== null);
    const ml = mlRunInfo(analyzers, firstBarMs, firstBarMs + tf, tf);
    const identity = runIdentity(liveTrading, strategy, lanes, null);
    const startModels = (ml?.models ?? []).map((m) => ({ref: m.ref, model: m.model, sha256: m.onnxSha256}));
    const configJson = JSON.parse(canonicalJson({trading: identity.resolved, live: {mode: live.mode}})) as unknown;

    let session: SessionRecord;
    if (existing !== null) {
      if (existing.configHash !== identity.configHash) {
        throw new IftbError(ErrorCode.CONFIG_INVALID, `session ${existing.sessionId} of this bot ran another config (hash ${existing.configHash.slice(0, 12)}, now ${identity.configHash.slice(0, 12)}): start it with the same config, or pass --new-session`);
      }
      session = existing;
      log(`resuming session ${session.sessionId} (${live.mode}, started ${new Date(session.startedMs).toISOString()})`);
    } else {
      session = {
        ...key, sessionId: `${NEW_SESSION_PREFIX[live.mode]}${randomBytes(4).toString('hex')}`, strategyVersion: strategy.version,
        config: configJson, configHash: identity.configHash, models: startModels, firstBarMs, startedMs: Date.now(), status: 'running', statusMs: Date.now(),
      };
      await stores.sessions.createSession(session);
      log(`new session ${session.sessionId} (${live.mode}), first decision at the close of the bar opening ${new Date(firstBarMs).toISOString()}`);
    }
    await stores.sessions.setStatus(session.sessionId, 'running', Date.now());
    llm.bind(session.sessionId);
    if (trading.llm.mode === 'call' && analyzers.some(isLlmAnalyzer)) await backfillPromptHistory(config, stores, client, key.symbols, firstBarMs, now);

    // Batch analyzers prepare on their own copy of the bars: once over the warm-up and held bars, then bar by bar.
    for (const [k, l] of lanes.entries()) {
      const own = series[k].analyzerBars;
      for (const a of l.analyzers) await a.prepare?.(own, 0, own.length, l.context);
    }

    const killSwitch = await KillSwitch.open(stores.killSwitch, {
      journal: sink, now: () => clock.now(), ...(deps.adminKey ? {adminKeyHash: hashSecret(deps.adminKey)} : {}),
    });
    const replaySwitch = new ReplaySwitch();
    const relay = new KillSwitchRelay(replaySwitch);
    let exchangeVenue: ExchangeVenue | null = null;
    if (live.mode === 'live') {
      const tracker = new OrderTracker(session.sessionId, stores.sessions);
      await tracker.load();
      exchangeVenue = new ExchangeVenue({
        client, tracker, initialBalance: liveTrading.cash, now: () => clock.now(), log,
        lanes: lanes.map((l) => ({symbol: l.entry.symbol, bars: l.data.bars, instrument: l.instrument, leverage: l.entry.leverage ?? trading.leverage, marginMode: l.entry.marginMode ?? trading.marginMode})),
      });
      for (const l of lanes) {
        await client.setMarginMode(l.entry.symbol, l.entry.marginMode ?? trading.marginMode);
        await client.setLeverage(l.entry.symbol, l.entry.leverage ?? trading.leverage);
      }
    }
    const venue = exchangeVenue ?? simulatedVenue(trading, lanes);
    const startMs = Math.min(...series.map((s) => (s.bars.length > 0 ? s.bars.openTime[0] : firstBarMs)));
    const parts = composeTrading(liveTrading, lanes, {
      runId: session.sessionId, venue, killSwitch: relay, journal: sink, startMs, capacity: Math.max(...series.map((s) => s.bars.length)) + 1024, now: () => clock.now(),
    });
    const shadow = live.shadow === undefined ? null : await composeShadow({
      challenger: live.shadow, trading: liveTrading, strategy, series, champion: lanes, session, resumed: existing !== null, championEngine: parts.engine,
      stores, modelsDir: deps.modelsDir, now: () => clock.now(), log,
    });
    return {config, strategy, session, resumed: existing !== null, series, lanes, parts, journal, killSwitch, relay, replaySwitch, clock, locks, exchangeVenue, lostLocks, shadow, llm};
  } catch (error) {
    for (const lock of locks) await lock.release();
    throw error;
  }
}

/** A live session's starting wallet: the stored one when resuming, else the exchange's balance now. */
async function startingBalance(existing: SessionRecord | null, client: ExchangeClient): Promise<number> {
  const stored = (existing?.config as {trading?: {cash?: unknown}} | undefined)?.trading?.cash;
  if (typeof stored === 'number') return stored;
  const balance = await client.balance();
  if (!(balance.walletBalance > 0)) throw new IftbError(ErrorCode.INPUT_INVALID, `--live: the account's ${balance.asset} wallet balance is ${balance.walletBalance}`);
  return balance.walletBalance;
}

/** One bot per account and symbol: a second `iftb live` on the same one refuses to start. */
async function acquireLocks(deps: LiveSessionDeps, key: SessionKey, lost: Set<string>): Promise<BotLockHandle[]> {
  const held: BotLockHandle[] = [];
  // Paper bots share no account: their lock is per strategy and timeframe, so two identical paper bots cannot write one session.
  const account = key.mode === 'paper' ? `paper:${key.strategy}:${key.timeframe}` : key.accountId;
  try {
    for (const symbol of key.symbols) {
      held.push(await deps.stores.botLock.acquire({exchange: key.exchange, accountId: account, symbol}, {
        onLost: (reason, detail) => {
          lost.add(symbol);
          deps.log(`lost the bot lock of ${symbol} (${reason}: ${detail}): no new exposure`);
        },
      }));
    }
  } catch (error) {
    for (const lock of held) await lock.release();
    throw error;
  }
  return held;
}

/** The models a session scored its first bar with, per reference (the strategy kit's `models`). */
function sessionStartModels(session: SessionRecord): Map<string, {fromBarMs: number; model: string; sha256: string}[]> {
  return new Map(session.models.map((m) => [m.ref, [{fromBarMs: Number.NEGATIVE_INFINITY, model: m.model, sha256: m.sha256}]] as const));
}

/**
 * A model trained on other bars than the session's would abstain on every bar (a backtest says
 * so in its summary); a session refuses to start instead, before any bar. (A feature set this
 * build does not compute, or computes with other columns, is refused by the kit.)
 */
function refuseMismatchedModels(lanes: readonly ComposedLane[], timeframe: Timeframe): void {
  for (const a of lanes.flatMap((l) => l.analyzers)) {
    const info = mlModelOf(a);
    if (info === null || info.walkForward !== undefined) continue;
    if (timeframeMs(info.market.timeframe as Timeframe) !== timeframeMs(timeframe)) {
      throw new IftbError(ErrorCode.CONFIG_INVALID, `${a.id}: ${info.model} was trained on ${info.market.timeframe} bars, this session trades ${timeframe}: pin a model trained on ${timeframe} bars (${info.ref})`);
    }
  }
}

/** --live: every ML source must score with a pinned (channel or exact version), integrity-checked model. */
function refuseUnpinnedModels(lanes: readonly ComposedLane[]): void {
  for (const a of lanes.flatMap((l) => l.analyzers)) {
    if (a.source !== 'ml') continue;
    const unavailable = (a as {unavailable?: string}).unavailable;
    if (typeof unavailable === 'string') throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `--live: ${a.id} cannot score (${unavailable})`);
    const model = (a as {model?: {ref: string; channel: string | null; walkForward?: unknown}}).model;
    if (model === undefined || model.walkForward !== undefined || !/@(\d+|[a-z][a-z0-9-]*)$/.test(model.ref) || model.ref.endsWith('@wf')) {
      throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `--live: ${a.id} must use a pinned model (NAME@live or an exact NAME@VERSION), not ${model?.ref ?? 'an unresolved reference'}`);
    }
  }
}
