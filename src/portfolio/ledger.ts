import {type ClosedTrade, type Fill, type FundingPayment, type Liquidation, type PositionSide, RowBuffer, type SymbolId, type VenueEvent} from '../core/index.js';

/** Quantities closer than this are equal: far below any exchange step size, far above float dust. */
const QTY_EPSILON = 1e-9;

export type CashKind = 'deposit' | 'realized-pnl' | 'fee' | 'funding' | 'liquidation-fee';
const CASH_KINDS: readonly CashKind[] = ['deposit', 'realized-pnl', 'fee', 'funding', 'liquidation-fee'];
const DEPOSIT = 0;
const REALIZED = 1;
const FEE = 2;
const FUNDING = 3;
const LIQUIDATION_FEE = 4;
/** A cash row: time, kind, amount, balance, order id, lane (−1: the account). */
const CASH_WIDTH = 6;
/** A round-trip row: lane, side (0 long, 1 short), qty, entry time, exit time, entry price, exit price, gross, fees, funding, liquidation fee, net, bars. */
const TRADE_WIDTH = 13;

/** One change of the wallet balance, with what caused it. */
export interface CashEntry {
  readonly timeMs: number;
  readonly kind: CashKind;
  readonly amount: number;
  readonly balance: number;
  /** Order id for fills, 0 otherwise. */
  readonly orderId: number;
  /** The symbol it belongs to; '' for the account (the deposit). */
  readonly symbol: SymbolId;
}

/** The trade a book holds; one per book, reset for each round trip (no object per trade). */
interface OpenTrade {
  side: PositionSide;
  entryTimeMs: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  maxQty: number;
  grossPnl: number;
  fees: number;
  funding: number;
  liquidationFee: number;
  entryReason: string;
}

/** One symbol's books inside the account. */
interface Book {
  readonly symbol: SymbolId;
  readonly lane: number;
  qty: number;
  entry: number;
  /** Marking price (the latest close the engine gave). */
  mark: number;
  /** Whether `trade` is a round trip in progress. */
  open: boolean;
  readonly trade: OpenTrade;
}

/**
 * The books of one account: the only place cash and positions change, and only from venue events
 * (fills, funding, liquidations). One wallet, one position per symbol (in the engine's symbol
 * order); keeps the cash journal and the closed round trips of every symbol. Equity is wallet +
 * every position's unrealised PnL at its marking price. Cash entries and round trips are kept as
 * numeric rows and become objects only when read (`entries`, `trades`): a run retains hundreds of
 * thousands of them, and as objects the collector would walk them on every major GC of the loop.
 */
export class Ledger {
  readonly symbols: readonly SymbolId[];
  readonly #cashRows = new RowBuffer(CASH_WIDTH);
  readonly #cashObjects: CashEntry[] = [];
  readonly #tradeRows = new RowBuffer(TRADE_WIDTH);
  readonly #tradeReasons: string[] = [];
  readonly #tradeObjects: ClosedTrade[] = [];
  readonly #books: Book[];
  readonly #laneOf = new Map<SymbolId, number>();
  // Initialised here (a bare field starts as undefined and V8 keeps it tagged: equity() would allocate per bar).
  #wallet = Number.NaN;
  #fees = 0;
  #funding = 0;
  #liquidationFees = 0;
  #slippage = 0;
  #realized = 0;
  #liquidations = 0;
  /** Equity at the marks, as of the last revalue() (the engine reads this field instead of calling equity()). */
  markedEquity = Number.NaN;

  constructor(
    symbols: SymbolId | readonly SymbolId[],
    readonly initialBalance: number,
    startMs: number,
    private readonly timeframeMs: number,
  ) {
    this.symbols = Object.freeze(typeof symbols === 'string' ? [symbols] : [...symbols]);
    this.#books = this.symbols.map((symbol, k) => {
      this.#laneOf.set(symbol, k);
      const trade: OpenTrade = {
        side: 'long', entryTimeMs: Number.NaN, entryQty: 0, entryNotional: 0, exitQty: 0, exitNotional: 0, maxQty: 0, grossPnl: 0,
        fees: 0, funding: 0, liquidationFee: 0, entryReason: '',
      };
      return {symbol, lane: k, qty: 0, entry: 0, mark: Number.NaN, open: false, trade};
    });
    this.#wallet = initialBalance;
    this.#row(startMs, DEPOSIT, initialBalance, 0, -1);
  }

  /** The cash journal, oldest first: every change of the wallet with its cause. */
  get entries(): readonly CashEntry[] {
    const out = this.#cashObjects;
    const d = this.#cashRows.data;
    for (let i = out.length; i < this.#cashRows.length; i++) {
      const at = i * CASH_WIDTH;
      const lane = d[at + 5];
      out.push({timeMs: d[at], kind: CASH_KINDS[d[at + 1]], amount: d[at + 2], balance: d[at + 3], orderId: d[at + 4], symbol: lane < 0 ? '' : this.symbols[lane]});
    }
    return out;
  }

  /** The closed round trips of every symbol, in closing order. */
  get trades(): readonly ClosedTrade[] {
    const out = this.#tradeObjects;
    const d = this.#tradeRows.data;
    for (let i = out.length; i < this.#tradeRows.length; i++) {
      const at = i * TRADE_WIDTH;
      out.push({
        id: i + 1, symbol: this.symbols[d[at]], side: d[at + 1] === 0 ? 'long' : 'short', qty: d[at + 2], entryTimeMs: d[at + 3],
        exitTimeMs: d[at + 4], entryPrice: d[at + 5], exitPrice: d[at + 6], grossPnl: d[at + 7], fees: d[at + 8], funding: d[at + 9],
        liquidationFee: d[at + 10], netPnl: d[at + 11], entryReason: this.#tradeReasons[2 * i], exitReason: this.#tradeReasons[2 * i + 1],
        bars: d[at + 12],
      });
    }
    return out;
  }

  /** Round trips closed so far (without making their objects). */
  get tradeCount(): number {
    return this.#tradeRows.length;
  }

  /** Net PnL of closed round trip k (0-based, closing order). */
  tradeNetPnl(k: number): number {
    return this.#tradeRows.data[k * TRADE_WIDTH + 11];
  }

  /** Exit time of closed round trip k. */
  tradeExitMs(k: number): number {
    return this.#tradeRows.data[k * TRADE_WIDTH + 4];
  }

  /** The symbol of a single-symbol ledger (its first). */
  get symbol(): SymbolId {
    return this.symbols[0];
  }
  get walletBalance(): number {
    return this.#wallet;
  }
  /** Lane 0's signed position (single-symbol runs; see qty(lane)). */
  get positionQty(): number {
    return this.#books[0].qty;
  }
  get entryPrice(): number {
    return this.#books[0].entry;
  }
  qty(lane: number): number {
    return this.#books[lane].qty;
  }
  /** out[0] = qty(lane), for the engine's per-bar step (see markAt). */
  qtyInto(lane: number, out: Float64Array): void {
    out[0] = this.#books[lane].qty;
  }
  entry(lane: number): number {
    return this.#books[lane].entry;
  }
  /** Bars since the open trade's first fill at `timeMs` (as its closed trade will count them); 0 without one. */
  heldBars(lane: number, timeMs: number): number {
    return this.#held(this.#books[lane], timeMs);
  }

  #held(b: Book, timeMs: number): number {
    return b.open ? Math.round((timeMs - b.trade.entryTimeMs) / this.timeframeMs) : 0;
  }
  get totals() {
    return {
      fees: this.#fees,
      funding: this.#funding,
      liquidationFees: this.#liquidationFees,
      slippage: this.#slippage,
      realizedPnl: this.#realized,
      liquidations: this.#liquidations,
    };
  }

  /** Sets the price a symbol's position is marked at (its latest close). */
  mark(lane: number, price: number): void {
    this.#books[lane].mark = price;
  }

  /**
   * mark(lane, closes[i]) for the engine's per-bar step, which passes no double: a double argument
   * or result of a call V8 does not inline is boxed, a heap allocation per bar.
   */
  markAt(lane: number, closes: Float64Array, i: number): void {
    this.#books[lane].mark = closes[i];
  }

  /**
   * The engine's per-decision reads of `lane`, written into its context and risk input rather than
   * returned (see markAt): entry price, bars held as of `position.timeMs`, wallet balance.
   */
  positionInto(lane: number, position: {readonly timeMs: number; entryPrice: number; positionBars: number}, wallet: {entryPrice: number; walletBalance: number}): void {
    const b = this.#books[lane];
    position.entryPrice = b.entry;
    position.positionBars = b.qty === 0 ? 0 : this.#held(b, position.timeMs);
    wallet.entryPrice = b.entry;
    wallet.walletBalance = this.#wallet;
  }

  revalue(): void {
    // equity()'s loop, not a call to it: its result would come back boxed whenever V8 does not inline it.
    let equity = this.#wallet;
    const books = this.#books;
    for (let k = 0; k < books.length; k++) {
      const b = books[k];
      if (b.qty !== 0) equity += b.qty * (b.mark - b.entry);
    }
    this.markedEquity = equity;
  }

  /** Equity: wallet balance plus every open position's unrealised PnL at its mark. */
  equity(): number {
    this.revalue();
    return this.markedEquity;
  }

  /** Equity of a single-symbol ledger at `price`. */
  equityAt(price: number): number {
    const b = this.#books[0];
    return b.qty === 0 ? this.#wallet : this.#wallet + b.qty * (price - b.entry);
  }

  /** Applies one venue event; returns the round trip it closed, if any. */
  apply(event: VenueEvent): ClosedTrade | null {
    const k = this.settle(event);
    return k < 0 ? null : this.trades[k];
  }

  /** Applies one venue event; returns the index of the round trip it closed (see tradeNetPnl), or −1. */
  settle(event: VenueEvent): number {
    switch (event.type) {
      case 'fill':
        return this.#applyFill(this.#book(event.fill.symbol), event.fill);
      case 'funding':
        this.#applyFunding(this.#book(event.funding.symbol), event.funding);
        return -1;
      case 'liquidation':
        return this.#applyLiquidation(this.#book(event.liquidation.symbol), event.liquidation);
      default:
        return -1;
    }
  }

  #book(symbol: SymbolId): Book {
    const k = this.#laneOf.get(symbol);
    if (k === undefined) throw new RangeError(`ledger has no symbol ${symbol} (has ${this.symbols.join(', ')})`);
    return this.#books[k];
  }

  #cash(b: Book, timeMs: number, kind: number, amount: number, orderId: number): void {
    if (amount === 0) return;
    this.#wallet += amount;
    this.#row(timeMs, kind, amount, orderId, b.lane);
  }

  #row(timeMs: number, kind: number, amount: number, orderId: number, lane: number): void {
    const at = this.#cashRows.append();
    const d = this.#cashRows.data;
    d[at] = timeMs;
    d[at + 1] = kind;
    d[at + 2] = amount;
    d[at + 3] = this.#wallet;
    d[at + 4] = orderId;
    d[at + 5] = lane;
  }

  #applyFill(b: Book, fill: Fill): number {
    const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
    this.#fees += fill.fee;
    this.#slippage += fill.slippage;
    let closed = -1;
    let opening = fill.qty;
    if (b.qty !== 0 && Math.sign(signed) !== Math.sign(b.qty)) {
      const closing = Math.min(fill.qty, Math.abs(b.qty));
      opening = fill.qty - closing < QTY_EPSILON ? 0 : fill.qty - closing;
      const pnl = closing * (fill.price - b.entry) * Math.sign(b.qty);
      // A reversal's fee is split pro rata between the trade it closes and the one it opens.
      const closingFee = (fill.fee * closing) / fill.qty;
      this.#realized += pnl;
      this.#cash(b, fill.timeMs, REALIZED, pnl, fill.orderId);
      this.#cash(b, fill.timeMs, FEE, -closingFee, fill.orderId);
      const trade = b.trade;
      trade.exitQty += closing;
      trade.exitNotional += closing * fill.price;
      trade.grossPnl += pnl;
      trade.fees += closingFee;
      b.qty += Math.sign(signed) * closing;
      if (Math.abs(b.qty) < QTY_EPSILON) {
        b.qty = 0;
        b.entry = 0;
        closed = this.#closeTrade(b, fill.timeMs, fill.reason);
      }
    }
    if (opening > 0) {
      const openingFee = (fill.fee * opening) / fill.qty;
      this.#cash(b, fill.timeMs, FEE, -openingFee, fill.orderId);
      const held = Math.abs(b.qty);
      b.entry = (b.entry * held + fill.price * opening) / (held + opening);
      b.qty += Math.sign(signed) * opening;
      const trade = b.trade;
      if (!b.open) {
        b.open = true;
        trade.side = signed > 0 ? 'long' : 'short';
        trade.entryTimeMs = fill.timeMs;
        trade.entryQty = 0;
        trade.entryNotional = 0;
        trade.exitQty = 0;
        trade.exitNotional = 0;
        trade.maxQty = 0;
        trade.grossPnl = 0;
        trade.fees = 0;
        trade.funding = 0;
        trade.liquidationFee = 0;
        trade.entryReason = fill.reason;
      }
      trade.entryQty += opening;
      trade.entryNotional += opening * fill.price;
      trade.fees += openingFee;
      trade.maxQty = Math.max(trade.maxQty, Math.abs(b.qty));
    }
    return closed;
  }

  #applyFunding(b: Book, funding: FundingPayment): void {
    this.#funding += funding.amount;
    this.#cash(b, funding.timeMs, FUNDING, funding.amount, 0);
    if (b.open) b.trade.funding += funding.amount;
  }

  #applyLiquidation(b: Book, liquidation: Liquidation): number {
    const qty = Math.abs(b.qty);
    const pnl = qty * (liquidation.price - b.entry) * Math.sign(b.qty);
    this.#realized += pnl;
    this.#liquidationFees += liquidation.fee;
    this.#liquidations++;
    this.#cash(b, liquidation.timeMs, REALIZED, pnl, 0);
    this.#cash(b, liquidation.timeMs, LIQUIDATION_FEE, -liquidation.fee, 0);
    const trade = b.trade;
    trade.exitQty += qty;
    trade.exitNotional += qty * liquidation.price;
    trade.grossPnl += pnl;
    trade.liquidationFee += liquidation.fee;
    b.qty = 0;
    b.entry = 0;
    return this.#closeTrade(b, liquidation.timeMs, 'liquidation');
  }

  #closeTrade(b: Book, timeMs: number, exitReason: string): number {
    const t = b.trade;
    b.open = false;
    const k = this.#tradeRows.length;
    const at = this.#tradeRows.append();
    const d = this.#tradeRows.data;
    d[at] = b.lane;
    d[at + 1] = t.side === 'long' ? 0 : 1;
    d[at + 2] = t.maxQty;
    d[at + 3] = t.entryTimeMs;
    d[at + 4] = timeMs;
    d[at + 5] = t.entryNotional / t.entryQty;
    d[at + 6] = t.exitNotional / t.exitQty;
    d[at + 7] = t.grossPnl;
    d[at + 8] = t.fees;
    d[at + 9] = t.funding;
    d[at + 10] = t.liquidationFee;
    d[at + 11] = t.grossPnl - t.fees + t.funding - t.liquidationFee;
    d[at + 12] = Math.round((timeMs - t.entryTimeMs) / this.timeframeMs);
    this.#tradeReasons.push(t.entryReason, exitReason);
    return k;
  }
}
