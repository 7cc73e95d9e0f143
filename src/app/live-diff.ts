/**
 * `iftb live diff SESSION`: replays a paper or live session's stored candles through the backtest
 * wiring (same config, same first decision bar) and pairs its trades with the session's, so the
 * gap between what the bot did and what the backtest says it would have done is explained trade
 * by trade: slippage, latency, missed bars, rejected orders, fees, funding.
 */
import type {DuckDbStore} from '../adapters/duckdb/index.js';
import {type ClosedTrade, ErrorCode, IftbError, type RunStore, type SessionStore, timeframeMs} from '../core/index.js';
import {modelSwaps, modelTimeline} from '../live/model-timeline.js';
import {diffTrades, type TradeDiff} from '../portfolio/trade-diff.js';
import {symbolEntries} from './backtest-config.js';
import {runBacktest} from './backtest-runner.js';
import type {LlmWiring} from './llm-runtime.js';

export interface LiveDiffReport {
  readonly sessionId: string;
  readonly mode: 'paper' | 'live';
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  /** Open times of the session's first and last decided bars. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly bars: {readonly decided: number; readonly missed: ReadonlyArray<{readonly symbol: string; readonly openTimeMs: number}>};
  readonly rejectedOrders: number;
  /** Which model scored which bars, per model reference: from `fromMs` (a bar's open time) until the next entry. */
  readonly models: ReadonlyArray<{readonly ref: string; readonly model: string; readonly sha256: string; readonly fromMs: number}>;
  readonly diff: TradeDiff;
}

/**
 * The LLM source over a session's bars as the session saw them: its own on-time answers and its
 * journaled failures, never a call (no endpoint; one prepare over the range only replays).
 */
export function sessionLlmReplay(candles: DuckDbStore, sessions: SessionStore, sessionId: string): Partial<LlmWiring> {
  return {
    answers: candles.llmAnswers, endpoint: null, client: null,
    live: {sessionId: () => sessionId, deadlineMs: 1, everyBars: 1, storedJournal: () => sessions.journal(sessionId)},
  };
}

/** The run identity keys a session's stored config carries beside the trading config itself. */
const IDENTITY_KEYS = ['strategyVersion', 'strategySource', 'models', 'instrumentSpec'];

export async function diffLiveSession(
  candles: DuckDbStore,
  state: {readonly sessions: SessionStore; readonly runs: RunStore},
  sessionId: string,
  options: {readonly modelsDir?: string} = {},
): Promise<LiveDiffReport> {
  const session = await state.sessions.session(sessionId);
  if (session === null) throw new IftbError(ErrorCode.INPUT_INVALID, `no session '${sessionId}' in this store (iftb runs list shows sessions as runs of mode paper/live)`);
  const decided = await state.sessions.bars(sessionId);
  if (decided.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, `session ${sessionId} has not decided a bar yet: nothing to compare`);
  const tf = timeframeMs(session.timeframe);
  const lastOpenMs = decided[decided.length - 1].barOpenMs;

  const stored = (session.config as {trading?: Record<string, unknown>}).trading;
  if (stored === undefined) throw new IftbError(ErrorCode.INPUT_INVALID, `session ${sessionId} has no stored trading config`);
  const trading: Record<string, unknown> = Object.fromEntries(Object.entries(stored).filter(([k]) => !IDENTITY_KEYS.includes(k)));
  // Each bar replays with the model that scored it: the session's starting models, then each journaled swap from its bar on.
  const journal = await state.sessions.journal(sessionId);
  const models = modelTimeline(session, modelSwaps(decided, journal));
  const replay = await runBacktest(candles, {...trading, fromMs: session.firstBarMs, toMs: lastOpenMs + tf}, {
    modelsDir: options.modelsDir, runId: `${sessionId}r`, llm: sessionLlmReplay(candles, state.sessions, sessionId), ...(models.size > 0 ? {models} : {}),
  });

  const decidedSet = new Set(decided.map((b) => b.barOpenMs));
  const missedBars = new Map<string, number[]>();
  const missed: {symbol: string; openTimeMs: number}[] = [];
  for (const lane of replay.lanes) {
    const times: number[] = [];
    for (let i = lane.firstIndex; i < lane.bars.length; i++) {
      const t = lane.bars.openTime[i];
      if (t > lastOpenMs || decidedSet.has(t)) continue;
      times.push(t);
      missed.push({symbol: lane.symbol, openTimeMs: t});
    }
    missedBars.set(lane.symbol, times);
  }
  if (replay.timeline.length === 0 || replay.lanes.every((l) => l.bars.length <= l.firstIndex)) {
    throw new IftbError(ErrorCode.DATA_MISSING, `the store has none of session ${sessionId}'s candles: diff against the store the bot wrote them to (--db)`);
  }

  const rejections = new Map<string, number[]>();
  const symbols = symbolEntries(replay.config).map((e) => e.symbol);
  for (const e of journal) {
    if (e.type !== 'rejected') continue;
    const symbol = e.symbol ?? symbols[0];
    rejections.set(symbol, [...(rejections.get(symbol) ?? []), e.timeMs]);
  }
  const liveTrades: ClosedTrade[] = [];
  for (const symbol of symbols) liveTrades.push(...(await state.runs.trades(sessionId, symbol)).filter((t) => t.symbol === symbol));

  return {
    sessionId, mode: session.mode, strategy: session.strategy, symbols, timeframe: session.timeframe,
    fromMs: session.firstBarMs, toMs: lastOpenMs, bars: {decided: decided.length, missed},
    rejectedOrders: journal.filter((e) => e.type === 'rejected').length,
    models: [...models].flatMap(([ref, served]) => served.map((m) => ({ref, model: m.model, sha256: m.sha256, fromMs: Math.max(m.fromBarMs, session.firstBarMs)}))),
    diff: diffTrades(liveTrades, replay.ledger.trades, {timeframeMs: tf, missedBars, rejections}),
  };
}
