/**
 * Metrics and alerts of a running session. Fed by the loop's observers (each slot, stream,
 * command and reconciliation), the exchange client's request counts and a 1 s tick; gauges are
 * read again from the session at each scrape. Nothing here awaits on the loop's path: observers
 * only count, set gauges and queue alerts (delivered by the dispatcher, off the loop).
 */
import {
  AlertDispatcher,
  type AlertChannel,
  type ChatOpsTarget,
  type DispatcherOptions,
  slackChannel,
  TelegramCommands,
  telegramChannel,
} from '../adapters/alerts/index.js';
import {createMetrics, type ExchangeErrorLabel, type IftbMetrics, type LlmFailureLabel} from '../adapters/metrics/index.js';
import {type BreakerState, ErrorCode, type ExchangeErrorKind, IftbError, type JournalEvent, type TradingState} from '../core/index.js';
import {type Alert, AlertRules, type AlertRulesOptions, p99, WindowCounter} from '../live/alert-rules.js';
import {isLlmAnalyzer} from '../signals/llm/index.js';
import type {ResolvedAlerts} from './live-config.js';
import {journaledState} from './journaled-state.js';
import {chatOpsOverLive} from './live-chat-ops.js';
import type {LiveHandle} from './live-runner.js';
import {mlModelOf} from './strategy-kit.js';

export interface TelemetryOptions {
  /** Resolved channels (resolveAlerts); absent or none enabled: metrics only. */
  readonly alerts?: ResolvedAlerts | null;
  /** Delivery tuning (tests shorten timeouts and backoff). */
  readonly delivery?: Omit<DispatcherOptions, 'onSent' | 'onFailed' | 'maxPerMinute'>;
  readonly rules?: AlertRulesOptions;
  /** What /status, /pause, … act on (default: this session's loop); the lead points it at Ops. */
  readonly chatOps?: ChatOpsTarget;
  readonly log?: (level: 'info' | 'warn' | 'error', line: string) => void;
  /** Process metrics (process_*, nodejs_*); default on. */
  readonly defaultMetrics?: boolean;
  /** API error rate and latency p99 window (runbook: 5 minutes). */
  readonly windowMs?: number;
  /** Requests in the window below which no error rate is judged (default 20, as the breaker's). */
  readonly minRequests?: number;
  readonly tickMs?: number;
}

export interface Telemetry {
  /** The exposition for GET /metrics. */
  metrics(): Promise<{contentType: string; body: string}>;
  /** The alert dispatcher (null without channels): tests wait on idle(). */
  readonly alerts: AlertDispatcher | null;
  close(): Promise<void>;
}

const TRADING_STATES: readonly TradingState[] = ['active', 'reducing', 'halted'];
const BREAKER_STATES: readonly BreakerState[] = ['CLOSED', 'OPEN', 'HALF_OPEN'];

/** ExchangeErrorKind → the contract's `kind` label. */
export function errorLabel(kind: ExchangeErrorKind): ExchangeErrorLabel {
  switch (kind) {
    case 'timeout':
    case 'server':
    case 'network':
    case 'auth':
    case 'rejected':
      return kind;
    case 'rate-limit':
    case 'banned':
      return 'rate_limit';
    default:
      return 'other';
  }
}

type Handle = Pick<LiveHandle, 'session' | 'loop' | 'exchange'>;

/** Requests in the window below which no LLM failure rate is judged. */
const MIN_LLM_REQUESTS = 4;

/** A live LLM outcome → the contract's failure `kind`; null when it is no failure (an answer, the budget, a bar that only waited). */
export function llmFailureLabel(outcome: string): LlmFailureLabel | null {
  switch (outcome) {
    case 'ok':
    case 'budget':
    case 'deadline':
      return null;
    case 'late':
    case 'timeout':
    case 'server':
    case 'connection':
    case 'invalid':
      return outcome;
    case 'rate-limit':
      return 'rate_limit';
    case 'empty':
      return 'invalid';
    default:
      return 'other';
  }
}

export function attachTelemetry(handle: Handle, options: TelemetryOptions = {}): Telemetry {
  const {session, loop} = handle;
  const {parts, lanes, series, config} = session;
  const mode = config.live.mode;
  const log = options.log ?? (() => {});
  const m: IftbMetrics = createMetrics({defaultMetrics: options.defaultMetrics});
  const windowMs = options.windowMs ?? 5 * 60_000;
  const minRequests = options.minRequests ?? 20;
  const requests = new WindowCounter(windowMs);
  const errors = new WindowCounter(windowMs);
  const latencies: {atMs: number; seconds: number}[] = [];
  const filled = new Set<number>();
  const rules = new AlertRules({prefix: `IFTB ${session.session.sessionId} (${mode}): `, ...options.rules});
  const llmSeen = {calls: 0, cost: 0};
  const llmRequests = new WindowCounter(windowMs * 3);
  const llmFailed = new WindowCounter(windowMs * 3);
  const llmSources = lanes.flatMap((l) => l.analyzers).filter(isLlmAnalyzer);
  for (const a of llmSources) {
    a.observe((e) => {
      const now = Date.now();
      if (e.latencyMs !== null) m.llmRequestDuration.observe(e.latencyMs / 1000);
      if (e.requests > 0) llmRequests.add(now, e.requests);
      const kind = llmFailureLabel(e.outcome);
      if (kind === null) return;
      m.llmFailures.inc(Math.max(1, e.requests), {kind});
      llmFailed.add(now, Math.max(1, e.requests));
    });
  }
  /** The largest share of a session budget any LLM source has spent; null without a budget. */
  const budgetUsed = (): number | null => {
    const used = llmSources.map((a) => a.budgetUsed).filter((u): u is number => u !== null);
    return used.length === 0 ? null : Math.max(...used);
  };
  const news = handle.session.llm?.news ?? null;
  news?.listen({
    polled: (feed, info) => m.newsItems.inc(info.stored, {feed}),
    failed: (feed) => m.newsFeedErrors.inc(1, {feed}),
  });

  const dispatcher = buildDispatcher(options, m, log);
  const send = (alerts: readonly Alert[]) => {
    for (const a of alerts) {
      log(a.level === 'critical' ? 'error' : 'warn', `alert ${a.level}: ${a.text}`);
      dispatcher?.dispatch({level: a.level, text: a.text});
    }
  };

  // What the client sent before the telemetry was attached (warm-up, backfill) counts too.
  m.exchangeRequests.inc(handle.exchange.requests);
  for (const [kind, n] of handle.exchange.errorsByKind) m.exchangeErrors.inc(n, {kind: errorLabel(kind)});
  const unlisten = handle.exchange.listen({
    request: () => {
      m.exchangeRequests.inc();
      requests.add(Date.now());
    },
    failed: (kind) => {
      m.exchangeErrors.inc(1, {kind: errorLabel(kind)});
      errors.add(Date.now());
    },
  });

  const tradingState = journaledState(loop);
  /** Gauges read from the session (each slot, command, tick and scrape); reads only, never a call that can journal. */
  const refresh = () => {
    m.up.set(1, {mode});
    const ledger = parts.ledger;
    m.equity.set(ledger.equity());
    m.walletBalance.set(ledger.walletBalance);
    for (const [k, l] of lanes.entries()) {
      const qty = ledger.qty(k);
      const bars = series[k].bars;
      const mark = bars.length > 0 ? bars.close[bars.length - 1] : Number.NaN;
      m.positionQty.set(qty, {symbol: l.entry.symbol});
      m.unrealizedPnl.set(qty === 0 || !Number.isFinite(mark) ? 0 : qty * (mark - ledger.entry(k)), {symbol: l.entry.symbol});
    }
    // The breaker's figures: the ones that trip it, and they survive a restart (the replay rebuilds them).
    const b = parts.breaker.status().metrics;
    m.drawdown.set(Math.max(0, b.drawdownPct / 100));
    m.dailyLoss.set(Math.max(0, b.dailyLossPct / 100));
    // Not gate.status(): it may journal a pending state change, stamped with the time of whoever asks.
    const state = tradingState();
    for (const s of TRADING_STATES) m.tradingState.set(s === state ? 1 : 0, {state: s});
    for (const s of BREAKER_STATES) m.breakerState.set(s === parts.breaker.state ? 1 : 0, {state: s});
    m.killSwitchEngaged.set(session.killSwitch.engaged ? 1 : 0);
    const status = loop.status();
    if (status.lastBarMs !== null && status.lastCloseMs !== null) {
      m.lastBarTimestamp.set(status.lastBarMs / 1000);
      m.dataAge.set(Math.max(0, session.clock.now() - status.lastCloseMs) / 1000);
    }
    m.fundingPaid.set(ledger.totals.funding === 0 ? 0 : -ledger.totals.funding);
    const used = budgetUsed();
    if (used !== null) m.llmBudgetUsed.set(used);
  };

  /** --shadow: the challenger's latest ML score and would-be equity (it steps in the same slot, after the champion). */
  const shadowSlot = () => {
    const shadow = session.shadow;
    if (shadow === null) return;
    const model = shadow.challenger;
    m.shadowEquity.set(shadow.parts.ledger.equity(), {model});
    const i = shadow.engine.slots - 1;
    const ml = shadow.engine.recorder.lanes[0]?.signals.find((s) => s.source === 'ml');
    if (ml !== undefined && i >= 0 && ml.active[i] === 1 && Number.isFinite(ml.score[i])) m.shadowSignalScore.set(ml.score[i], {model});
  };

  /** Per slot: scores, LLM usage, models serving (a reload swaps them between bars). */
  const perSlot = () => {
    const recorder = parts.engine.recorder.lanes[0];
    const i = parts.engine.slots - 1;
    if (recorder !== undefined && i >= 0) {
      for (const s of recorder.signals) if (s.active[i] === 1 && Number.isFinite(s.score[i])) m.signalScore.set(s.score[i], {source: s.source});
    }
    const analyzers = lanes.flatMap((l) => l.analyzers);
    let calls = 0;
    let cost = 0;
    for (const a of analyzers) {
      if (!isLlmAnalyzer(a)) continue;
      calls += a.runPart.calls;
      cost += a.runPart.costUsd;
    }
    if (calls > llmSeen.calls) m.llmCalls.inc(calls - llmSeen.calls);
    if (cost > llmSeen.cost) m.llmCost.inc(cost - llmSeen.cost);
    llmSeen.calls = Math.max(llmSeen.calls, calls);
    llmSeen.cost = Math.max(llmSeen.cost, cost);
    m.modelInfo.reset();
    for (const a of analyzers) {
      const model = mlModelOf(a);
      if (model === null) continue;
      const at = model.model.lastIndexOf('@');
      m.modelInfo.set(1, {name: at > 0 ? model.model.slice(0, at) : model.model, version: at > 0 ? model.model.slice(at + 1) : '', sha256: model.onnxSha256});
    }
    shadowSlot();
  };

  const journaled = (events: readonly JournalEvent[], nowMs: number) => {
    const out: Alert[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'order':
          m.orders.inc(1, {outcome: 'submitted'});
          break;
        case 'fill': {
          // A partly filled order counts once; the slippage of each fill.
          if (!filled.has(e.fill.orderId)) {
            filled.add(e.fill.orderId);
            // An order's fills come close together: the oldest ids can go (a long session stays small).
            if (filled.size > 10_000) filled.delete(filled.values().next().value!);
            m.orders.inc(1, {outcome: 'filled'});
          }
          const ratio = slippageRatio(e.fill.price, e.fill.qty, e.fill.slippage, e.fill.side);
          if (ratio !== null) m.fillSlippage.observe(ratio);
          break;
        }
        case 'canceled':
          m.orders.inc(1, {outcome: /expir/i.test(e.reason) ? 'expired' : 'canceled'});
          break;
        case 'rejected':
          m.orders.inc(1, {outcome: 'rejected'});
          out.push(...rules.orderRejected(e.reason, `order ${e.orderId}${e.symbol === undefined ? '' : ` ${e.symbol}`}: ${e.reason}`, nowMs));
          break;
        case 'breaker':
          if (e.level === 'trip') out.push(...rules.breakerTrip(e.rule, e.detail, nowMs));
          break;
        default:
          break;
      }
    }
    return out;
  };

  let engagedSeen = session.killSwitch.engaged;
  const killSwitchAlerts = (nowMs: number): Alert[] => {
    const engaged = session.killSwitch.engaged;
    if (engaged === engagedSeen) return [];
    engagedSeen = engaged;
    const journal = loop.journal;
    let detail = engaged ? 'engaged' : 'released';
    for (let k = journal.length - 1; k >= 0; k--) {
      const e = journal[k];
      if (e.type === 'kill-switch' && e.action !== 'flatten') {
        detail = `${e.by}: ${e.reason}`;
        break;
      }
    }
    return rules.killSwitch(engaged, detail, nowMs);
  };

  const readings = (nowMs: number) => {
    while (latencies.length > 0 && nowMs - latencies[0].atMs > windowMs) latencies.shift();
    const sent = requests.sum(nowMs);
    const b = parts.breaker.status().metrics;
    return {
      drawdown: Math.max(0, b.drawdownPct / 100),
      dailyLoss: Math.max(0, b.dailyLossPct / 100),
      apiErrorRate: sent >= minRequests ? errors.sum(nowMs) / sent : null,
      decisionLatencySeconds: p99(latencies.map((l) => l.seconds)),
      ...llmReadings(nowMs),
    };
  };

  /** The LLM figures the alert rules judge (none without an LLM source in a session). */
  function llmReadings(nowMs: number) {
    const used = budgetUsed();
    if (used === null) return {};
    const asked = llmRequests.sum(nowMs);
    return {llmBudgetUsed: used, llmFailureRate: asked >= MIN_LLM_REQUESTS ? Math.min(1, llmFailed.sum(nowMs) / asked) : null};
  }

  // The kill switch may be engaged already (a restored latch): that is the state, not news.
  rules.killSwitch(session.killSwitch.engaged, '', Date.now());
  const wasDown = new Set<string>();

  loop.observe({
    slot(info) {
      const now = Date.now();
      m.bars.inc();
      const seconds = info.decisionLatencyMs / 1000;
      m.decisionLatency.observe(seconds);
      latencies.push({atMs: now, seconds});
      for (const x of info.inference) m.modelInference.observe(x.seconds, {source: x.source});
      const out = journaled(info.events, now);
      refresh();
      perSlot();
      out.push(...rules.evaluate(readings(now), now), ...killSwitchAlerts(now));
      send(out);
    },
    stream(stream, state) {
      const now = Date.now();
      if (state.state === 'connected' && wasDown.has(stream)) m.websocketReconnects.inc(1, {stream});
      if (state.state === 'connected') wasDown.delete(stream);
      else wasDown.add(stream);
      send(rules.stream(`${stream}`, state.state, 'reason' in state ? state.reason : `reconnect attempt ${'attempt' in state ? state.attempt : ''}`, now));
    },
    command() {
      refresh();
      send(killSwitchAlerts(Date.now()));
    },
    reconciled(report) {
      if (report.mismatches.length === 0) return;
      m.reconciliationMismatches.inc();
      send(rules.reconciliationMismatch(report.mismatches, Date.now()));
    },
  });

  const timer = setInterval(() => {
    try {
      const now = Date.now();
      send([...rules.tick(now), ...rules.evaluate({apiErrorRate: readings(now).apiErrorRate}, now), ...killSwitchAlerts(now)]);
    } catch (error) {
      log('warn', `telemetry tick failed: ${(error as Error).message}`);
    }
  }, options.tickMs ?? 1000);
  timer.unref();
  refresh();

  const chat = options.alerts?.telegram?.commands
    ? new TelegramCommands({
        apiUrl: options.alerts.telegram.apiUrl, token: options.alerts.telegram.token, allowedChatIds: options.alerts.telegram.allowedChatIds,
        target: options.chatOps ?? chatOpsOverLive(handle), log: (level, line) => log(level, line),
      })
    : null;
  chat?.start();

  let closed = false;
  return {
    alerts: dispatcher,
    async metrics() {
      if (!closed) refresh();
      return m.scrape();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      unlisten();
      m.up.set(0, {mode});
      await chat?.close();
      await dispatcher?.close();
    },
  };
}

/** The enabled channels of a resolved `alerts` section. */
export function alertChannels(a: ResolvedAlerts): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (a.telegram !== null) channels.push(telegramChannel({apiUrl: a.telegram.apiUrl, token: a.telegram.token, chatId: a.telegram.chatId, levels: a.telegram.levels}));
  if (a.slack !== null) channels.push(slackChannel({webhookUrl: a.slack.webhookUrl, levels: a.slack.levels}));
  return channels;
}

/** `iftb alerts test`: one message to each enabled channel (whatever its levels), with the usual retries. */
export async function sendTestAlert(a: ResolvedAlerts, text: string, delivery: TelemetryOptions['delivery'] = {}): Promise<{channel: string; ok: boolean; error?: string}[]> {
  const channels = alertChannels(a).map((c) => ({...c, levels: ['warning', 'critical'] as const}));
  if (channels.length === 0) throw new IftbError(ErrorCode.CONFIG_INVALID, 'alerts test: no alert channel is enabled (alerts.telegram.enabled / alerts.slack.enabled)');
  const dispatcher = new AlertDispatcher(channels, {timeoutMs: 10_000, ...delivery});
  try {
    return await dispatcher.sendNow(text);
  } finally {
    await dispatcher.close(0);
  }
}

function buildDispatcher(options: TelemetryOptions, m: IftbMetrics, log: NonNullable<TelemetryOptions['log']>): AlertDispatcher | null {
  const a = options.alerts;
  if (a === null || a === undefined) return null;
  const channels = alertChannels(a);
  if (channels.length === 0) return null;
  return new AlertDispatcher(channels, {
    ...options.delivery,
    maxPerMinute: a.ratePerMinute,
    onSent: (channel, level) => m.alertsSent.inc(1, {channel, level}),
    onFailed: (channel, level, reason) => {
      m.alertsFailed.inc(1, {channel});
      log('error', `alert to ${channel} failed (${level}): ${reason}`);
    },
  });
}

/** abs(fill − reference) / reference, the reference being the price before the fill's adverse slippage. */
export function slippageRatio(price: number, qty: number, slippage: number, side: 'buy' | 'sell'): number | null {
  if (!(qty > 0) || !Number.isFinite(price) || !Number.isFinite(slippage)) return null;
  const perUnit = slippage / qty;
  const reference = side === 'buy' ? price - perUnit : price + perUnit;
  return reference > 0 ? Math.abs(price - reference) / reference : null;
}
