/**
 * `iftb live … --shadow NAME@VERSION`: a challenger model beside the pinned champion.
 *
 * Design: the shadow is a second set of lanes composed by the one run builder (composeLanes,
 * composeTrading) from the session's own config with the strategy's `params.model` set to the
 * challenger — exactly how `iftb compare` swaps a model — so the two differ in nothing else. It
 * reads the champion's bar buffers (the same closed bars, appended once by the loop) and scores
 * them in the same slot, right after the champion's step, but trades its own simulated venue (the
 * backtest's fee, slippage and funding model) with a kill switch nobody can reach: nothing it
 * decides is ever sent. Its journal, cash ledger, trades and one `reading` event per bar (both
 * models' ML scores and the sha256 that gave them) go to its own run, `<sessionId>.shadow` (a
 * paper session of account `shadow:<sessionId>`, so no restart ever resumes it as the bot), so the
 * champion's journal, its restart replay, the parity tests and `iftb live diff` do not change.
 *
 * Restart: the shadow replays with the session (its committed bars, their recorded inputs, its
 * journal checked against the stored one; a difference is logged and reported in the status, and
 * never restricts the champion). A session resumed without --shadow leaves the shadow run as it
 * was; resumed with another challenger it refuses to start (the shadow run would mix two models).
 */
import {
  type Analyzer,
  type BarCommit,
  ErrorCode,
  IftbError,
  type JournalEvent,
  type ModelReading,
  type SessionBar,
  type SessionRecord,
  timeframeMs,
} from '../core/index.js';
import {canonicalJson} from '../config/index.js';
import type {StrategyDefinition} from '../decision/index.js';
import type {TradingEngine} from '../engine/trading-engine.js';
import {CommitTracker} from '../live/bar-commits.js';
import {ReplaySwitch} from '../live/kill-switch-relay.js';
import type {Slot} from '../live/slot-assembler.js';
import {type BacktestConfig, symbolEntries} from './backtest-config.js';
import type {LiveSeries} from './live-data.js';
import {openRegistry} from './models.js';
import {type ComposedLane, composeLanes, composeTrading, runIdentity, simulatedVenue, type TradingParts} from './run-composition.js';
import type {StateStores} from './state-stores.js';
import {mlModelOf} from './strategy-kit.js';

/** The shadow run of a session. */
export const shadowRunId = (sessionId: string) => `${sessionId}.shadow`;
/** Its account: never the bot's own ('paper' or the exchange account), so `resumable` never returns it. */
const shadowAccount = (sessionId: string) => `shadow:${sessionId}`;

export interface ShadowInputs {
  readonly challenger: string;
  readonly trading: BacktestConfig;
  readonly strategy: StrategyDefinition;
  readonly series: readonly LiveSeries[];
  readonly champion: readonly ComposedLane[];
  readonly session: SessionRecord;
  /** The session was resumed (not created by this start). */
  readonly resumed: boolean;
  /** The champion's engine: its recorder holds the champion's scores of the slot the shadow steps after it. */
  readonly championEngine: TradingEngine;
  readonly stores: StateStores;
  readonly modelsDir?: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** The strategy config with the challenger wherever the champion's config names a model. */
export function withChallenger(trading: BacktestConfig, challenger: string): BacktestConfig {
  const swap = (params: Record<string, unknown> | undefined) => (params !== undefined && params.model !== undefined ? {...params, model: challenger} : params);
  return {
    ...trading,
    params: {...trading.params, model: challenger},
    ...(trading.symbols === undefined ? {} : {symbols: trading.symbols.map((e) => (typeof e === 'string' || e.params === undefined ? e : {...e, params: swap(e.params)}))}),
  } as BacktestConfig;
}

const refuse = (message: string) => new IftbError(ErrorCode.CONFIG_INVALID, `--shadow: ${message}`);

/** Checks the challenger against the champion and composes the shadow (nothing runs yet). */
export async function composeShadow(input: ShadowInputs): Promise<LiveShadow> {
  const {challenger, session, stores} = input;
  const registry = openRegistry(input.modelsDir);
  const [checked] = (() => {
    try {
      return registry.verify(challenger);
    } catch (error) {
      throw refuse(`${challenger}: ${(error as Error).message}`);
    }
  })();
  if (!checked.ok) throw refuse(`${challenger} failed its integrity check (iftb models verify ${challenger}): ${checked.problems.join('; ')}`);
  const championModels = input.champion.flatMap((l) => l.analyzers).map(mlModelOf).filter((m) => m !== null);
  if (championModels.length === 0) throw refuse(`the strategy ${input.strategy.name} scores with no ML model: there is no champion to shadow`);
  const manifest = registry.manifest(checked.name, checked.version);
  const id = `${checked.name}@${checked.version}`;
  for (const c of championModels) {
    if (c.model === id) throw refuse(`${id} is the champion itself`);
    if (manifest.market.timeframe !== c.market.timeframe) throw refuse(`${id} was trained on ${manifest.market.timeframe} bars, the champion ${c.model} on ${c.market.timeframe}`);
    if (manifest.features.set !== c.featureSet) throw refuse(`${id} reads feature set ${manifest.features.set}, the champion ${c.model} ${c.featureSet}`);
  }

  const trading = withChallenger(input.trading, challenger);
  const entries = symbolEntries(trading);
  const runId = shadowRunId(session.sessionId);
  const existing = await stores.sessions.session(runId);
  const tf = timeframeMs(trading.timeframe);
  let firstBarMs = session.firstBarMs;
  if (existing === null && input.resumed) {
    // Added to a resumed session: it decides from the first bar the champion has not decided yet.
    const decided = await stores.sessions.bars(session.sessionId);
    if (decided.length > 0) firstBarMs = decided[decided.length - 1].barOpenMs + tf;
  }
  firstBarMs = existing?.firstBarMs ?? firstBarMs;

  const journal: JournalEvent[] = [];
  const sink = (event: JournalEvent) => journal.push(event);
  const datas = input.champion.map((l) => ({...l.data, firstIndex: countBefore(l.data.bars.openTime, l.data.bars.length, firstBarMs)}));
  // No LLM wiring, as the champion's lanes in live-session.ts today: an LLM source abstains in both. (Once live
  // sessions call an LLM, the shadow should read the champion's recorded answers, not call the endpoint twice.)
  const lanes = composeLanes(trading, input.strategy, entries, datas, sink, {modelsDir: input.modelsDir, strict: false});
  const scoring = lanes.flatMap((l) => l.analyzers).map(mlModelOf).filter((m) => m !== null);
  if (scoring.length === 0 || scoring.some((m) => m.model !== id)) {
    throw refuse(`the strategy ${input.strategy.name} does not read its model from params.model (its ML source scores with ${scoring.map((m) => m.model).join(', ') || 'nothing'}), so ${id} cannot replace the champion`);
  }
  const identity = runIdentity(trading, input.strategy, lanes, null);
  if (existing !== null && existing.configHash !== identity.configHash) {
    const ran = existing.models.map((m) => m.model).join(', ');
    throw refuse(`session ${session.sessionId}'s shadow ran ${ran} (config ${existing.configHash.slice(0, 12)}): start with --shadow ${ran}, or pass --new-session`);
  }
  const record: SessionRecord = existing ?? {
    mode: 'paper', exchange: session.exchange, accountId: shadowAccount(session.sessionId), strategy: session.strategy, symbols: session.symbols, timeframe: session.timeframe,
    sessionId: runId, strategyVersion: session.strategyVersion,
    config: JSON.parse(canonicalJson({trading: identity.resolved, live: {mode: 'shadow', shadowOf: session.sessionId, championMode: session.mode}})) as unknown,
    configHash: identity.configHash, models: scoring.map((m) => ({ref: m.ref, model: m.model, sha256: m.onnxSha256})), firstBarMs, startedMs: Date.now(), status: 'running', statusMs: Date.now(),
  };
  if (existing === null) await stores.sessions.createSession(record);
  await stores.sessions.setStatus(runId, 'running', Date.now());

  for (const [k, l] of lanes.entries()) {
    const own = input.series[k].analyzerBars;
    for (const a of l.analyzers) await a.prepare?.(own, 0, own.length, l.context);
  }
  const startMs = Math.min(...input.series.map((s) => (s.bars.length > 0 ? s.bars.openTime[0] : firstBarMs)));
  const parts = composeTrading(trading, lanes, {
    runId, venue: simulatedVenue(trading, lanes), killSwitch: new ReplaySwitch(), journal: sink, startMs,
    capacity: Math.max(...input.series.map((s) => s.bars.length)) + 1024, now: input.now,
  });
  input.log(`shadow ${id} beside ${championModels.map((m) => m.model).join(', ')}: run ${runId}, decisions from the bar opening ${new Date(firstBarMs).toISOString()} to a simulated venue only`);
  return new LiveShadow({record, challenger: id, lanes, champion: input.champion, championEngine: input.championEngine, series: input.series, parts, journal, stores, tf, log: input.log});
}

interface ShadowParts {
  readonly record: SessionRecord;
  readonly challenger: string;
  readonly lanes: readonly ComposedLane[];
  readonly champion: readonly ComposedLane[];
  readonly championEngine: TradingEngine;
  readonly series: readonly LiveSeries[];
  readonly parts: TradingParts;
  readonly journal: JournalEvent[];
  readonly stores: StateStores;
  readonly tf: number;
  readonly log: (line: string) => void;
}

type HealthInputs = Pick<SessionBar, 'dataAgeMs' | 'decisionLatencyMs' | 'venueRequests' | 'venueErrors'>;

/** The running shadow: stepped by the loop once per slot, after the champion. */
export class LiveShadow {
  readonly #p: ShadowParts;
  readonly #tracker: CommitTracker;
  #stored: {rows: Map<number, SessionBar>; journal: JournalEvent[]} = {rows: new Map(), journal: []};
  #pending: BarCommit[] = [];
  #mismatch: string | null = null;
  #bars = 0;

  constructor(p: ShadowParts) {
    this.#p = p;
    this.#tracker = new CommitTracker(p.journal, p.parts.ledger);
  }

  get runId(): string {
    return this.#p.record.sessionId;
  }

  get challenger(): string {
    return this.#p.challenger;
  }

  get engine(): TradingEngine {
    return this.#p.parts.engine;
  }

  get parts(): TradingParts {
    return this.#p.parts;
  }

  get journal(): readonly JournalEvent[] {
    return this.#p.journal;
  }

  status(): {readonly runId: string; readonly challenger: string; readonly bars: number; readonly pendingCommits: number; readonly replayMismatch: string | null; readonly equity: number} {
    return {runId: this.runId, challenger: this.challenger, bars: this.#bars, pendingCommits: this.#pending.length, replayMismatch: this.#mismatch, equity: this.#p.parts.ledger.equity()};
  }

  /** Before the session's replay: the shadow's own committed bars and journal. */
  async load(): Promise<void> {
    const sessions = this.#p.stores.sessions;
    const rows = await sessions.bars(this.runId);
    this.#stored = {rows: new Map(rows.map((r) => [r.barOpenMs, r] as const)), journal: rows.length > 0 ? await sessions.journal(this.runId) : []};
  }

  /**
   * A slot the session replays (`row`: the champion's committed inputs, null for warm-up): a slot
   * the shadow committed replays with its own recorded inputs and is checked; one it did not (the
   * bot stopped between the two commits) is decided now with the champion's inputs.
   */
  replayStep(t: number, row: SessionBar | null): void {
    const own = this.#stored.rows.get(t);
    if (own === undefined) {
      this.#decide(t, row === null || t < this.#p.record.firstBarMs ? null : row);
      return;
    }
    this.engine.setHealthInputs(own);
    this.engine.stepAt(t);
    this.#read(t);
    const diff = this.#tracker.replayed(this.#stored.journal, own.journalEnd);
    this.#bars++;
    if (diff !== null && this.#mismatch === null) {
      this.#mismatch = diff;
      this.#p.log(`shadow ${this.runId}: REPLAY DIFFERS (${diff}); the champion is not affected`);
    }
  }

  /** A live slot, after the champion's step: new bars into the shadow's analyzers, step, commit. */
  async slot(slot: Slot, inputs: HealthInputs | null, held: boolean): Promise<void> {
    if (!held) {
      for (const [k, s] of this.#p.series.entries()) {
        if (!slot.bars.has(s.symbol)) continue;
        const i = s.analyzerBars.length - 1;
        const l = this.#p.lanes[k];
        for (const a of l.analyzers) await a.prepare?.(s.analyzerBars, i, i + 1, l.context);
      }
    }
    this.#decide(slot.openTimeMs, inputs);
    await this.flush();
  }

  #decide(t: number, inputs: HealthInputs | null): void {
    const decided = inputs !== null && t >= this.#p.record.firstBarMs;
    // The shadow's venue is simulated: the exchange's request counts are not its errors.
    this.engine.setHealthInputs(decided ? {dataAgeMs: inputs.dataAgeMs, decisionLatencyMs: inputs.decisionLatencyMs, venueRequests: 0, venueErrors: 0} : null);
    this.engine.stepAt(t);
    if (!decided) return;
    this.#read(t);
    const {parts} = this.#p;
    const health = this.engine.lastHealth;
    const equity = parts.ledger.equity();
    const commit = this.#tracker.next(
      {barOpenMs: t, dataAgeMs: inputs.dataAgeMs, decisionLatencyMs: inputs.decisionLatencyMs, venueRequests: 0, venueErrors: 0,
        staleData: health.staleData, equity: health.equity, positionQty: parts.ledger.qty(0), committedMs: Date.now()},
      {finalEquity: equity, totalReturnPct: ((equity - parts.ledger.initialBalance) / parts.ledger.initialBalance) * 100, tradeCount: parts.ledger.trades.length},
      {deliveredFills: []},
    );
    this.#tracker.committed(commit);
    this.#pending.push(commit);
    this.#bars++;
  }

  /** The `reading` event of the slot just stepped: both models' ML scores, per symbol. */
  #read(t: number): void {
    const slot = this.engine.slots - 1;
    const champion = this.#p.champion;
    for (const [k, l] of this.#p.lanes.entries()) {
      const bars = this.#p.series[k].bars;
      if (bars.length === 0 || countBefore(bars.openTime, bars.length, t + 1) === countBefore(bars.openTime, bars.length, t)) continue;
      const readings: ModelReading[] = [
        ...mlReadings('champion', champion[k].analyzers, this.#p.championEngine.recorder.lanes[k], slot),
        ...mlReadings('challenger', l.analyzers, this.engine.recorder.lanes[k], slot),
      ];
      this.#p.journal.push({type: 'reading', timeMs: t + this.#p.tf, barOpenMs: t, symbol: l.entry.symbol, readings});
    }
  }

  /** Stored in order; a store that is down keeps them until the next slot (the champion is not restricted for it). */
  async flush(): Promise<void> {
    while (this.#pending.length > 0) {
      try {
        await this.#p.stores.sessions.commitBar(this.runId, this.#pending[0]);
      } catch (error) {
        this.#p.log(`shadow ${this.runId}: commit of ${this.#pending.length} bars deferred (${(error as Error).message})`);
        return;
      }
      this.#pending.shift();
    }
  }

  async stop(): Promise<void> {
    await this.flush();
    await this.#p.stores.sessions.setStatus(this.runId, 'stopped', Date.now()).catch((error: unknown) => this.#p.log(`shadow ${this.runId}: status not stored (${(error as Error).message})`));
  }
}

function mlReadings(role: ModelReading['role'], analyzers: readonly Analyzer[], recorder: {readonly signals: ReadonlyArray<{id: string; score: Float64Array; active: Uint8Array}>}, slot: number): ModelReading[] {
  const out: ModelReading[] = [];
  for (const a of analyzers) {
    const m = mlModelOf(a);
    if (m === null) continue;
    const s = recorder.signals.find((x) => x.id === a.id);
    const score = s !== undefined && s.active[slot] === 1 && Number.isFinite(s.score[slot]) ? s.score[slot] : null;
    out.push({role, source: a.id, model: m.model, sha256: m.onnxSha256, score});
  }
  return out;
}

function countBefore(times: Float64Array, length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
