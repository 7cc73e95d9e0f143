import {
  type ActionIntent,
  type Analyzer,
  type BarColumns,
  type BarViewCursor,
  type ClosedTrade,
  createBarView,
  type DecisionContext,
  type ExecutionVenue,
  type HealthSnapshot,
  type Indicator,
  type InstrumentSpec,
  type Intent,
  type JournalSink,
  type OrderDraft,
  type OrderRequest,
  type RiskInput,
  type RiskManager,
  type SignalSource,
  type TradingGate,
  type TradingState,
  type VenueEvent,
} from '../core/index.js';
import {EnsembleFuser, type EnsembleSlot, type SourceWeights} from '../decision/index.js';
import type {Ledger} from '../portfolio/ledger.js';
import {RunRecorder} from './run-recorder.js';

export interface EngineOptions {
  readonly runId: string;
  readonly symbol: string;
  readonly timeframeMs: number;
  /** Closed bars, oldest first; live mode appends to the same columns before each step. */
  readonly bars: BarColumns;
  readonly venue: ExecutionVenue;
  readonly ledger: Ledger;
  readonly gate: TradingGate;
  readonly risk: RiskManager;
  readonly instrument: InstrumentSpec;
  readonly decide: (context: DecisionContext) => Intent;
  readonly analyzers: readonly Analyzer[];
  readonly indicators: Readonly<Record<string, Indicator>>;
  readonly weights?: Partial<SourceWeights>;
  /** Indicator name used as ATR for risk sizing and ATR stops. */
  readonly atr?: string;
  readonly journal: JournalSink;
  /** Bars before this index only warm analyzers up; no decisions are taken on them. */
  readonly warmupBars: number;
  /** Decision latency reported to the breakers in replay (deterministic stand-in for live timing). */
  readonly simulatedLatencyMs?: number;
  readonly capacity?: number;
}

interface MutableReading {
  readonly id: string;
  readonly source: SignalSource;
  score: number;
  confidence: number;
  active: boolean;
}

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/**
 * The one loop: the same `step` runs a backtest, paper trading and live trading. Per bar:
 * venue events → ledger → mark → breakers → (kill switch flatten) → indicators and analyzers →
 * ensemble → trailing stop → decision → risk → gate → venue. Synchronous and allocation-free on
 * bars where nothing happens.
 */
export class TradingEngine {
  readonly recorder: RunRecorder;
  readonly #o: EngineOptions;
  readonly #names: readonly string[];
  readonly #indicators: readonly Indicator[];
  readonly #values: Record<string, number> = {};
  readonly #previous: Record<string, number> = {};
  readonly #readings: MutableReading[];
  readonly #ensemble: EnsembleSlot = {score: 0, confidence: 0, active: false};
  readonly #fuser: EnsembleFuser;
  readonly #context: Mutable<DecisionContext>;
  /** The strategy-facing view of the bars, bounded at the bar being stepped. */
  readonly #cursor: BarViewCursor;
  readonly #health: HealthSnapshot = {timeMs: 0, equity: 0, staleData: false, dataAgeMs: 0, decisionLatencyMs: 0, venueRequests: 0, venueErrors: 0};
  readonly #riskInput: Mutable<RiskInput>;
  /** Analyzers that make outside requests (an LLM endpoint): their counts feed the breaker's error rate. */
  readonly #healthSources: readonly Analyzer[];
  #orderSeq = 0;
  #closeAllReason: string | null = null;
  /** The last denial journaled; the same intent denied for the same reason on later bars is only counted. */
  #lastDenial = '';
  #repeatedDenials = 0;
  #state: TradingState = 'active';

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#names = Object.keys(options.indicators);
    this.#indicators = this.#names.map((n) => options.indicators[n]);
    for (const n of this.#names) {
      this.#values[n] = NaN;
      this.#previous[n] = NaN;
    }
    this.#readings = options.analyzers.map((a) => ({id: a.id, source: a.source, score: 0, confidence: 0, active: false}));
    this.#healthSources = options.analyzers.filter((a) => typeof a.health === 'function');
    this.#fuser = new EnsembleFuser(options.analyzers.map((a) => a.source), options.weights);
    this.recorder = new RunRecorder(options.capacity ?? options.bars.length, options.analyzers);
    this.#cursor = createBarView(options.bars);
    this.#context = {
      index: 0, timeMs: 0, open: 0, high: 0, low: 0, close: 0, volume: 0, bars: this.#cursor.view,
      values: this.#values, previous: this.#previous, signals: this.#readings, ensemble: this.#ensemble,
      positionQty: 0, entryPrice: 0, equity: 0, state: 'active',
    };
    this.#riskInput = {
      timeMs: 0, price: 0, positionQty: 0, entryPrice: 0, equity: 0, walletBalance: 0, atr: NaN,
      instrument: options.instrument, state: 'active',
    };
  }

  /** Denials not journaled because they repeated the previous bar's (e.g. every bar while halted). */
  get repeatedDenials(): number {
    return this.#repeatedDenials;
  }

  /** Operator close-all: at the next bar's close, cancel every order and close the position. */
  closeAll(reason: string): void {
    this.#closeAllReason = reason;
  }

  /** Processes bar `i` (closed); bars must be stepped in order from 0. */
  step(i: number): void {
    const o = this.#o;
    const bars = o.bars;
    const closeTime = bars.openTime[i] + o.timeframeMs;

    const events = o.venue.sync(i);
    for (let k = 0; k < events.length; k++) this.#onVenueEvent(events[k]);

    const close = bars.close[i];
    const equity = o.ledger.equityAt(close);
    const health = this.#health;
    health.timeMs = closeTime;
    health.equity = equity;
    health.staleData = i > 0 && bars.openTime[i] - bars.openTime[i - 1] > o.timeframeMs;
    health.decisionLatencyMs = o.simulatedLatencyMs ?? 0;
    if (this.#healthSources.length > 0) {
      let requests = 0;
      let errors = 0;
      for (let k = 0; k < this.#healthSources.length; k++) {
        const h = this.#healthSources[k].health!();
        requests += h.requests;
        errors += h.errors;
      }
      health.venueRequests = requests;
      health.venueErrors = errors;
    }
    o.gate.onBar(health);
    this.#state = o.gate.state();

    // A flatten owns this bar's decision: no strategy order may race the closing one.
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

    this.#cursor.moveTo(i);
    const view = this.#cursor.view;
    for (let k = 0; k < this.#indicators.length; k++) {
      const name = this.#names[k];
      this.#previous[name] = this.#values[name];
      this.#values[name] = this.#indicators[k].update(view);
    }
    for (let k = 0; k < o.analyzers.length; k++) o.analyzers[k].update(view, this.#readings[k]);
    this.#fuser.fuse(this.#readings, this.#ensemble);

    const qty = o.ledger.positionQty;
    this.#record(i, closeTime, equity, qty);
    if (i < o.warmupBars || flattening) return;

    const ctx = this.#context;
    ctx.index = i;
    ctx.timeMs = closeTime;
    ctx.open = bars.open[i];
    ctx.high = bars.high[i];
    ctx.low = bars.low[i];
    ctx.close = close;
    ctx.volume = bars.volume[i];
    ctx.positionQty = qty;
    ctx.entryPrice = o.ledger.entryPrice;
    ctx.equity = equity;
    ctx.state = this.#state;

    const risk = this.#riskInput;
    risk.timeMs = closeTime;
    risk.price = close;
    risk.positionQty = qty;
    risk.entryPrice = ctx.entryPrice;
    risk.equity = equity;
    risk.walletBalance = o.ledger.walletBalance;
    risk.atr = o.atr === undefined ? NaN : this.#values[o.atr];
    risk.state = this.#state;

    if (qty !== 0) this.#trail(i);
    const intent = o.decide(ctx);
    if (intent.kind !== 'hold') this.#act(intent, closeTime);
    else this.#lastDenial = '';
  }

  #onVenueEvent(event: VenueEvent): void {
    const o = this.#o;
    const closed: ClosedTrade | null = o.ledger.apply(event);
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
    if (closed) o.gate.onTradeClosed(closed.netPnl, closed.exitTimeMs);
  }

  #record(i: number, closeTime: number, equity: number, qty: number): void {
    const r = this.recorder;
    r.ensure(i);
    r.timeMs[i] = closeTime;
    r.equity[i] = equity;
    r.positionQty[i] = qty;
    r.ensembleScore[i] = this.#ensemble.score;
    r.ensembleConfidence[i] = this.#ensemble.confidence;
    r.ensembleActive[i] = this.#ensemble.active ? 1 : 0;
    for (let k = 0; k < this.#readings.length; k++) {
      const s = r.signals[k];
      const reading = this.#readings[k];
      s.score[i] = reading.score;
      s.confidence[i] = reading.confidence;
      s.active[i] = reading.active ? 1 : 0;
    }
    if (i + 1 > r.length) r.length = i + 1;
  }

  /** Kill switch or close-all: cancel every resting order, close the position reduce-only. */
  #flatten(timeMs: number, reason: 'kill-switch' | 'close-all'): void {
    const o = this.#o;
    const canceled = o.venue.cancelAll(reason);
    const qty = o.ledger.positionQty;
    if (reason === 'kill-switch') {
      o.journal({type: 'kill-switch', timeMs, action: 'flatten', reason: `canceled ${canceled} orders, closing ${qty}`, by: 'engine'});
    }
    if (qty !== 0) {
      this.#submit({side: qty > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(qty), reduceOnly: true, reason}, timeMs);
    }
  }

  /** Tightens the protective stop when the risk manager's trailing rule says so. */
  #trail(i: number): void {
    const o = this.#o;
    const orders = o.venue.openOrders();
    for (let k = 0; k < orders.length; k++) {
      const order = orders[k];
      if (order.type !== 'stop-market' || !order.reduceOnly) continue;
      const next = o.risk.trail(this.#riskInput, o.bars.high[i], o.bars.low[i], order.stopPrice ?? NaN);
      if (next === next) o.venue.amendStop(order.id, next);
    }
  }

  #act(intent: ActionIntent, timeMs: number): void {
    const o = this.#o;
    const verdict = o.risk.plan(intent, this.#riskInput);
    if (!verdict.ok) {
      const key = `${intent.kind}:${intent.kind === 'enter' ? intent.side : ''}:${verdict.reason}`;
      if (key === this.#lastDenial) {
        this.#repeatedDenials++;
        return;
      }
      this.#lastDenial = key;
      this.#journalIntent(intent, timeMs);
      o.journal({type: 'denied', timeMs, reason: verdict.reason, detail: verdict.detail});
      return;
    }
    this.#lastDenial = '';
    this.#journalIntent(intent, timeMs);
    for (const draft of verdict.orders) this.#submit(draft, timeMs);
  }

  /** The intent with every source's score at that moment: the attribution the reports use. */
  #journalIntent(intent: ActionIntent, timeMs: number): void {
    const scores: Record<string, number> = {ensemble: this.#ensemble.score};
    for (const r of this.#readings) scores[r.id] = r.active ? r.score : NaN;
    this.#o.journal({type: 'intent', timeMs, intent, scores});
  }

  #submit(draft: OrderDraft, timeMs: number): void {
    const o = this.#o;
    const denied = o.gate.deny(draft);
    if (denied !== null) {
      o.journal({type: 'denied', timeMs, reason: denied, detail: `${draft.reason} ${draft.side} ${draft.qty}`});
      return;
    }
    const id = ++this.#orderSeq;
    // Built field by field, not spread: one object shape for every order keeps this path fast.
    const order: OrderRequest = {
      id, clientOrderId: o.runId + '-' + id, symbol: o.symbol, side: draft.side, type: draft.type, qty: draft.qty,
      price: draft.price, stopPrice: draft.stopPrice, reduceOnly: draft.reduceOnly, reason: draft.reason,
      createdMs: timeMs, attached: draft.attached,
    };
    o.journal({type: 'order', timeMs, order});
    const ack = o.venue.submit(order);
    if (ack.status === 'rejected') o.journal({type: 'rejected', timeMs, orderId: id, reason: ack.reason});
  }
}
