import type {
  ActionIntent,
  ExecutionVenue,
  HealthSnapshot,
  JournalSink,
  OrderDraft,
  OrderRequest,
  RiskManager,
  TradingGate,
  TradingState,
  VenueEvent,
} from '../core/index.js';
import type {Ledger} from '../portfolio/ledger.js';
import {type EngineLane, LaneState} from './engine-lane.js';
import {RunRecorder} from './run-recorder.js';
import {StepHealth} from './step-records.js';

export type {EngineLane};

// Slots of TradingEngine's #now.
const OPEN = 0;
const CLOSE = 1;
const EQUITY = 2;
const QTY = 3;

export interface EngineOptions {
  readonly runId: string;
  readonly timeframeMs: number;
  /** The symbols traded on the account, in a fixed order (their bars are settled in this order within a slot). */
  readonly lanes: readonly EngineLane[];
  readonly venue: ExecutionVenue;
  readonly ledger: Ledger;
  readonly gate: TradingGate;
  readonly risk: RiskManager;
  readonly journal: JournalSink;
  /** Decision latency reported to the breakers in replay (deterministic stand-in for live timing). */
  readonly simulatedLatencyMs?: number;
  /** Slots to size the recorder for (bars of a single-symbol backtest, the merged timeline of a portfolio). */
  readonly capacity?: number;
  /** Replay: the open time of every slot, known before the run (the recorder derives slot times from it). */
  readonly timeline?: Float64Array;
}

/**
 * The one loop: the same step runs a backtest, paper trading and live trading, for one symbol or
 * a portfolio on one account. Per slot (a bar time): every symbol with a bar then → venue events
 * → ledger → mark; account equity → breakers → (kill switch flatten, every symbol) → per symbol:
 * indicators and analyzers → ensemble → trailing stop → decision → risk → gate → venue.
 * Synchronous and allocation-free on bars where nothing happens. A symbol without a bar at a slot
 * is skipped for it (counted, never forward-filled).
 */
export class TradingEngine {
  readonly recorder: RunRecorder;
  readonly #o: EngineOptions;
  readonly #lanes: readonly LaneState[];
  readonly #health = new StepHealth();
  readonly #hasHealthSources: boolean;
  #slot = 0;
  /**
   * The step's doubles (slot open and close time, equity, the lane's position) for the calls it
   * makes: in a typed array, not in fields or arguments, whose doubles V8 may box (a heap
   * allocation per bar) depending on what it inlines.
   */
  readonly #now = new Float64Array(4);
  #orderSeq = 0;
  /** "<runId>-", the client order id's prefix (one concatenation per order, not two). */
  readonly #idPrefix: string;
  #closeAllReason: string | null = null;
  #repeatedDenials = 0;
  #state: TradingState = 'active';
  #inputs: {readonly dataAgeMs: number; readonly decisionLatencyMs: number; readonly venueRequests: number; readonly venueErrors: number} | null = null;

  constructor(options: EngineOptions) {
    if (options.lanes.length === 0) throw new RangeError('the engine needs at least one symbol');
    this.#o = options;
    this.#idPrefix = `${options.runId}-`;
    this.recorder = new RunRecorder(
      options.capacity ?? options.lanes[0].bars.length,
      options.lanes.map((l) => ({symbol: l.symbol, analyzers: l.analyzers})),
      options.timeline === undefined ? null : {openTimeMs: options.timeline, timeframeMs: options.timeframeMs},
    );
    this.#lanes = options.lanes.map((lane, k) => new LaneState(lane, k, lane.risk ?? options.risk, this.recorder.lanes[k]));
    this.#hasHealthSources = this.#lanes.some((l) => l.healthSources.length > 0);
  }

  /** Denials not journaled because they repeated the previous bar's (e.g. every bar while halted). */
  get repeatedDenials(): number {
    return this.#repeatedDenials;
  }

  /** Slots stepped so far (the recorder's length). */
  get slots(): number {
    return this.#slot;
  }

  /** Per symbol: bars skipped because the symbol had none at a slot where others traded. */
  missingBars(): ReadonlyArray<{readonly symbol: string; readonly bars: number}> {
    return this.#lanes.map((l) => ({symbol: l.lane.symbol, bars: l.missingBars}));
  }

  /** Operator close-all: at the next slot's close, cancel every order and close every position. */
  closeAll(reason: string): void {
    this.#closeAllReason = reason;
  }

  /**
   * Live, between bars: the kill switch's flatten (when it is due) or an operator's close-all,
   * now rather than at the next bar's close — a running bot must not wait an hour to flatten. The
   * orders go to the venue at once (a simulated venue still fills them at the next bar's open).
   * Returns whether anything was flattened.
   */
  flattenNow(timeMs: number, closeAllReason: string | null): boolean {
    const o = this.#o;
    if (o.gate.mustFlatten()) {
      this.#flatten(timeMs, 'kill-switch');
      o.gate.flattened(timeMs);
      return true;
    }
    if (closeAllReason === null) return false;
    this.#flatten(timeMs, 'close-all');
    return true;
  }

  /**
   * The measured inputs of the breakers for the next step (live: data age, the previous decision's
   * latency, exchange requests and errors in the window); replay passes the recorded ones. Without
   * a call the engine uses its replay stand-ins (0 data age, simulated latency, analyzer counts).
   */
  setHealthInputs(inputs: {readonly dataAgeMs: number; readonly decisionLatencyMs: number; readonly venueRequests: number; readonly venueErrors: number} | null): void {
    this.#inputs = inputs;
  }

  /** The breakers' inputs of the last step (what a live session records per bar). */
  get lastHealth(): Readonly<HealthSnapshot> {
    return this.#health;
  }

  /** Single-symbol convenience: steps lane 0's bar i (bars must be stepped in order from 0). */
  step(i: number): void {
    this.stepAtSlot(this.#o.lanes[0].bars.openTime, i);
  }

  /** stepAt(opens[i]) for replay, which passes no double (see #now). */
  stepAtSlot(opens: Float64Array, i: number): void {
    this.#now[OPEN] = opens[i];
    this.#step();
  }

  /** Steps the slot of the bars opening at `openTimeMs`: every symbol whose next bar opens then. */
  stepAt(openTimeMs: number): void {
    // Live, once a bar: its double argument may be boxed where this is not inlined (replay steps by
    // slot index instead, see stepAtSlot).
    this.#now[OPEN] = openTimeMs;
    this.#step();
  }

  #step(): void {
    const o = this.#o;
    const lanes = this.#lanes;
    const slot = this.#slot++;
    const now = this.#now;
    const openTimeMs = now[OPEN];
    const closeTime = openTimeMs + o.timeframeMs;
    now[CLOSE] = closeTime;
    let stale = false;

    for (let k = 0; k < lanes.length; k++) {
      const l = lanes[k];
      const bars = l.lane.bars;
      const i = l.next;
      if (i < bars.length && bars.openTime[i] === openTimeMs) {
        l.current = i;
        l.next = i + 1;
        const events = o.venue.sync(i, k);
        for (let e = 0; e < events.length; e++) this.#onVenueEvent(events[e]);
        o.ledger.markAt(k, bars.close, i);
        if (i > 0 && openTimeMs - bars.openTime[i - 1] > o.timeframeMs) stale = true;
      } else {
        l.current = -1;
        if (i > 0 && i < bars.length) l.missingBars++;
      }
    }

    o.ledger.revalue();
    const equity = o.ledger.markedEquity;
    now[EQUITY] = equity;
    const health = this.#health;
    health.timeMs = closeTime;
    health.equity = equity;
    health.staleData = stale;
    health.decisionLatencyMs = o.simulatedLatencyMs ?? 0;
    const inputs = this.#inputs;
    if (this.#hasHealthSources || inputs !== null) {
      health.venueRequests = 0;
      health.venueErrors = 0;
      if (this.#hasHealthSources) this.#analyzerHealth(health);
      if (inputs !== null) {
        health.dataAgeMs = inputs.dataAgeMs;
        health.decisionLatencyMs = inputs.decisionLatencyMs;
        health.venueRequests += inputs.venueRequests;
        health.venueErrors += inputs.venueErrors;
      }
    }
    this.#state = o.gate.onBar(health);

    // A flatten owns this slot's decisions: no strategy order may race the closing ones.
    let flattening = false;
    if (o.gate.mustFlatten()) {
      this.#flatten(closeTime, 'kill-switch');
      o.gate.flattened(closeTime);
      flattening = true;
    } else if (this.#closeAllReason !== null) {
      this.#flatten(closeTime, 'close-all');
      this.#closeAllReason = null;
      flattening = true;
    }

    const r = this.recorder;
    r.ensure(slot);
    if (!r.derivesTime) r.timeMs[slot] = closeTime;
    r.equity[slot] = equity;
    if (slot + 1 > r.length) r.length = slot + 1;

    for (let k = 0; k < lanes.length; k++) {
      const l = lanes[k];
      const i = l.current;
      o.ledger.qtyInto(k, l.position);
      const qty = l.position[0];
      if (i < 0) {
        l.record(slot, false);
        continue;
      }
      l.read(i);
      l.record(slot, true);
      if (i < l.lane.warmupBars || flattening) continue;
      now[QTY] = qty;
      this.#decide(l, i);
    }
  }

  /** Lane l's decision on its bar i; the slot's close time, equity and the lane's position come in #now. */
  #decide(l: LaneState, i: number): void {
    const o = this.#o;
    const now = this.#now;
    const closeTime = now[CLOSE];
    const equity = now[EQUITY];
    const qty = now[QTY];
    const bars = l.lane.bars;
    const close = bars.close[i];
    const ctx = l.context;
    ctx.index = i;
    ctx.timeMs = closeTime;
    ctx.open = bars.open[i];
    ctx.high = bars.high[i];
    ctx.low = bars.low[i];
    ctx.close = close;
    ctx.volume = bars.volume[i];
    ctx.positionQty = qty;
    ctx.equity = equity;
    ctx.state = this.#state;

    const risk = l.riskInput;
    risk.timeMs = closeTime;
    risk.price = close;
    risk.positionQty = qty;
    risk.equity = equity;
    o.ledger.positionInto(l.index, ctx, risk);
    risk.atr = l.atrSlot >= 0 ? l.now[l.atrSlot] : l.atrSlot === -1 ? Number.NaN : l.values[l.lane.atr!];
    risk.state = this.#state;

    if (qty !== 0) this.#trail(l, i);
    const intent = l.lane.decide(ctx);
    if (intent.kind !== 'hold') this.#act(l, intent, closeTime);
    else l.lastDenial = '';
  }

  #analyzerHealth(health: HealthSnapshot): void {
    let requests = 0;
    let errors = 0;
    for (const l of this.#lanes) {
      for (const source of l.healthSources) {
        const h = source.health!();
        requests += h.requests;
        errors += h.errors;
      }
    }
    health.venueRequests += requests;
    health.venueErrors += errors;
  }

  #onVenueEvent(event: VenueEvent): void {
    const o = this.#o;
    const closed = o.ledger.settle(event);
    switch (event.type) {
      case 'fill':
        o.journal({type: 'fill', timeMs: event.fill.timeMs, fill: event.fill});
        break;
      case 'funding':
        o.journal({type: 'funding', timeMs: event.funding.timeMs, funding: event.funding});
        break;
      case 'liquidation':
        o.journal({type: 'liquidation', timeMs: event.liquidation.timeMs, liquidation: event.liquidation});
        break;
      default:
        o.journal(event);
    }
    if (closed >= 0) o.gate.onTradeClosed(o.ledger.tradeNetPnl(closed), o.ledger.tradeExitMs(closed));
  }

  /** Kill switch or close-all: cancel every resting order, close every position reduce-only. */
  #flatten(timeMs: number, reason: 'kill-switch' | 'close-all'): void {
    const o = this.#o;
    const lanes = this.#lanes;
    const canceled = o.venue.cancelAll(reason);
    if (reason === 'kill-switch') {
      const closing = lanes.length === 1 ? String(o.ledger.qty(0)) : lanes.map((l) => `${l.lane.symbol} ${o.ledger.qty(l.index)}`).join(', ');
      o.journal({type: 'kill-switch', timeMs, action: 'flatten', reason: `canceled ${canceled} orders, closing ${closing}`, by: 'engine'});
    }
    for (const l of lanes) {
      const qty = o.ledger.qty(l.index);
      if (qty !== 0) this.#submit(l, {side: qty > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(qty), reduceOnly: true, reason}, timeMs);
    }
  }

  /** Tightens the protective stop when the risk manager's trailing rule says so. */
  #trail(l: LaneState, i: number): void {
    const o = this.#o;
    const orders = o.venue.openOrders(l.index);
    for (let k = 0; k < orders.length; k++) {
      const order = orders[k];
      if (order.type !== 'stop-market' || !order.reduceOnly) continue;
      const next = l.risk.trail(l.riskInput, l.lane.bars.high[i], l.lane.bars.low[i], order.stopPrice ?? Number.NaN);
      if (next === next) o.venue.amendStop(order.id, next);
    }
  }

  #act(l: LaneState, intent: ActionIntent, timeMs: number): void {
    const o = this.#o;
    if (this.#lanes.length > 1) this.#fillExposure(l);
    const verdict = l.risk.plan(intent, l.riskInput);
    if (!verdict.ok) {
      const key = `${intent.kind}:${intent.kind === 'enter' ? intent.side : ''}:${verdict.reason}`;
      if (key === l.lastDenial) {
        this.#repeatedDenials++;
        return;
      }
      l.lastDenial = key;
      this.#journalIntent(l, intent, timeMs);
      this.#journalDenied(l, timeMs, verdict.reason, verdict.detail);
      return;
    }
    l.lastDenial = '';
    this.#journalIntent(l, intent, timeMs);
    for (const draft of verdict.orders) this.#submit(l, draft, timeMs);
  }

  /**
   * The other symbols' exposure, for the risk manager's account-wide limits: each one's position
   * as it will be once its queued entry orders fill (an entry decided earlier in this slot, or a
   * resting one, counts already, or two symbols deciding at the same close would both pass a limit
   * of one), valued at its latest close.
   */
  #fillExposure(l: LaneState): void {
    const o = this.#o;
    let gross = 0;
    let open = 0;
    for (const m of this.#lanes) {
      if (m === l || m.next === 0) continue;
      const held = o.ledger.qty(m.index);
      let qty = held;
      const orders = o.venue.openOrders(m.index);
      for (let k = 0; k < orders.length; k++) {
        const order = orders[k];
        if (!order.reduceOnly) qty += order.side === 'buy' ? order.qty : -order.qty;
      }
      if (held === 0 && qty === 0) continue;
      open++;
      gross += Math.abs(qty) * m.lane.bars.close[m.next - 1];
    }
    l.riskInput.otherExposure = gross;
    l.riskInput.otherPositions = open;
  }

  /** A denial; in a portfolio it names the symbol (a single-symbol journal stays as it was). */
  #journalDenied(l: LaneState, timeMs: number, reason: string, detail: string): void {
    this.#o.journal(this.#lanes.length > 1 ? {type: 'denied', timeMs, reason, detail, symbol: l.lane.symbol} : {type: 'denied', timeMs, reason, detail});
  }

  /** The intent with every source's score at that moment: the attribution the reports use. */
  #journalIntent(l: LaneState, intent: ActionIntent, timeMs: number): void {
    const scores = l.scores();
    this.#o.journal(this.#lanes.length > 1 ? {type: 'intent', timeMs, intent, scores, symbol: l.lane.symbol} : {type: 'intent', timeMs, intent, scores});
  }

  #submit(l: LaneState, draft: OrderDraft, timeMs: number): void {
    const o = this.#o;
    const denied = o.gate.deny(draft);
    if (denied !== null) {
      this.#journalDenied(l, timeMs, denied, `${draft.reason} ${draft.side} ${draft.qty}`);
      return;
    }
    const id = ++this.#orderSeq;
    // Built field by field, not spread: one object shape for every order keeps this path fast.
    const order: OrderRequest = {
      id, clientOrderId: this.#idPrefix + id, symbol: l.lane.symbol, side: draft.side, type: draft.type, qty: draft.qty,
      price: draft.price, stopPrice: draft.stopPrice, reduceOnly: draft.reduceOnly, reason: draft.reason,
      createdMs: timeMs, attached: draft.attached,
    };
    o.journal({type: 'order', timeMs, order});
    const ack = o.venue.submit(order);
    if (ack.status === 'rejected') o.journal({type: 'rejected', timeMs, orderId: id, reason: ack.reason});
  }
}
