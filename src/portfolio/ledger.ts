import type {ClosedTrade, Fill, FundingPayment, Liquidation, PositionSide, SymbolId, VenueEvent} from '../core/index.js';

/** Quantities closer than this are equal: far below any exchange step size, far above float dust. */
const QTY_EPSILON = 1e-9;

export type CashKind = 'deposit' | 'realized-pnl' | 'fee' | 'funding' | 'liquidation-fee';

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
  qty: number;
  entry: number;
  /** Marking price (the latest close the engine gave). */
  mark: number;
  open: OpenTrade | null;
}

/**
 * The books of one account: the only place cash and positions change, and only from venue events
 * (fills, funding, liquidations). One wallet, one position per symbol (in the engine's symbol
 * order); keeps the cash journal and the closed round trips of every symbol. Equity is wallet +
 * every position's unrealised PnL at its marking price.
 */
export class Ledger {
  readonly entries: CashEntry[] = [];
  readonly trades: ClosedTrade[] = [];
  readonly symbols: readonly SymbolId[];
  readonly #books: Book[];
  readonly #laneOf = new Map<SymbolId, number>();
  #wallet: number;
  #fees = 0;
  #funding = 0;
  #liquidationFees = 0;
  #slippage = 0;
  #realized = 0;
  #liquidations = 0;

  constructor(
    symbols: SymbolId | readonly SymbolId[],
    readonly initialBalance: number,
    startMs: number,
    private readonly timeframeMs: number,
  ) {
    this.symbols = Object.freeze(typeof symbols === 'string' ? [symbols] : [...symbols]);
    this.#books = this.symbols.map((symbol, k) => {
      this.#laneOf.set(symbol, k);
      return {symbol, qty: 0, entry: 0, mark: Number.NaN, open: null};
    });
    this.#wallet = initialBalance;
    this.entries.push({timeMs: startMs, kind: 'deposit', amount: initialBalance, balance: initialBalance, orderId: 0, symbol: ''});
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
  entry(lane: number): number {
    return this.#books[lane].entry;
  }
  /** Bars since the open trade's first fill at `timeMs` (as its closed trade will count them); 0 without one. */
  heldBars(lane: number, timeMs: number): number {
    const open = this.#books[lane].open;
    return open === null ? 0 : Math.round((timeMs - open.entryTimeMs) / this.timeframeMs);
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

  /** Equity: wallet balance plus every open position's unrealised PnL at its mark. */
  equity(): number {
    let equity = this.#wallet;
    const books = this.#books;
    for (let k = 0; k < books.length; k++) {
      const b = books[k];
      if (b.qty !== 0) equity += b.qty * (b.mark - b.entry);
    }
    return equity;
  }

  /** Equity of a single-symbol ledger at `price`. */
  equityAt(price: number): number {
    const b = this.#books[0];
    return b.qty === 0 ? this.#wallet : this.#wallet + b.qty * (price - b.entry);
  }

  /** Applies one venue event; returns the round trip it closed, if any. */
  apply(event: VenueEvent): ClosedTrade | null {
    switch (event.type) {
      case 'fill':
        return this.#applyFill(this.#book(event.fill.symbol), event.fill);
      case 'funding':
        this.#applyFunding(this.#book(event.funding.symbol), event.funding);
        return null;
      case 'liquidation':
        return this.#applyLiquidation(this.#book(event.liquidation.symbol), event.liquidation);
      default:
        return null;
    }
  }

  #book(symbol: SymbolId): Book {
    const k = this.#laneOf.get(symbol);
    if (k === undefined) throw new RangeError(`ledger has no symbol ${symbol} (has ${this.symbols.join(', ')})`);
    return this.#books[k];
  }

  #cash(b: Book, timeMs: number, kind: CashKind, amount: number, orderId: number): void {
    if (amount === 0) return;
    this.#wallet += amount;
    this.entries.push({timeMs, kind, amount, balance: this.#wallet, orderId, symbol: b.symbol});
  }

  #applyFill(b: Book, fill: Fill): ClosedTrade | null {
    const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
    this.#fees += fill.fee;
    this.#slippage += fill.slippage;
    let closed: ClosedTrade | null = null;
    let opening = fill.qty;
    if (b.qty !== 0 && Math.sign(signed) !== Math.sign(b.qty)) {
      const closing = Math.min(fill.qty, Math.abs(b.qty));
      opening = fill.qty - closing < QTY_EPSILON ? 0 : fill.qty - closing;
      const pnl = closing * (fill.price - b.entry) * Math.sign(b.qty);
      // A reversal's fee is split pro rata between the trade it closes and the one it opens.
      const closingFee = (fill.fee * closing) / fill.qty;
      this.#realized += pnl;
      this.#cash(b, fill.timeMs, 'realized-pnl', pnl, fill.orderId);
      this.#cash(b, fill.timeMs, 'fee', -closingFee, fill.orderId);
      const trade = b.open!;
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
      this.#cash(b, fill.timeMs, 'fee', -openingFee, fill.orderId);
      const held = Math.abs(b.qty);
      b.entry = (b.entry * held + fill.price * opening) / (held + opening);
      b.qty += Math.sign(signed) * opening;
      if (!b.open) {
        b.open = {
          side: signed > 0 ? 'long' : 'short', entryTimeMs: fill.timeMs, entryQty: 0, entryNotional: 0, exitQty: 0,
          exitNotional: 0, maxQty: 0, grossPnl: 0, fees: 0, funding: 0, liquidationFee: 0, entryReason: fill.reason,
        };
      }
      const trade = b.open;
      trade.entryQty += opening;
      trade.entryNotional += opening * fill.price;
      trade.fees += openingFee;
      trade.maxQty = Math.max(trade.maxQty, Math.abs(b.qty));
    }
    return closed;
  }

  #applyFunding(b: Book, funding: FundingPayment): void {
    this.#funding += funding.amount;
    this.#cash(b, funding.timeMs, 'funding', funding.amount, 0);
    if (b.open) b.open.funding += funding.amount;
  }

  #applyLiquidation(b: Book, liquidation: Liquidation): ClosedTrade | null {
    const qty = Math.abs(b.qty);
    const pnl = qty * (liquidation.price - b.entry) * Math.sign(b.qty);
    this.#realized += pnl;
    this.#liquidationFees += liquidation.fee;
    this.#liquidations++;
    this.#cash(b, liquidation.timeMs, 'realized-pnl', pnl, 0);
    this.#cash(b, liquidation.timeMs, 'liquidation-fee', -liquidation.fee, 0);
    const trade = b.open!;
    trade.exitQty += qty;
    trade.exitNotional += qty * liquidation.price;
    trade.grossPnl += pnl;
    trade.liquidationFee += liquidation.fee;
    b.qty = 0;
    b.entry = 0;
    return this.#closeTrade(b, liquidation.timeMs, 'liquidation');
  }

  #closeTrade(b: Book, timeMs: number, exitReason: string): ClosedTrade {
    const t = b.open!;
    b.open = null;
    const trade: ClosedTrade = {
      id: this.trades.length + 1,
      symbol: b.symbol,
      side: t.side,
      qty: t.maxQty,
      entryTimeMs: t.entryTimeMs,
      exitTimeMs: timeMs,
      entryPrice: t.entryNotional / t.entryQty,
      exitPrice: t.exitNotional / t.exitQty,
      grossPnl: t.grossPnl,
      fees: t.fees,
      funding: t.funding,
      liquidationFee: t.liquidationFee,
      netPnl: t.grossPnl - t.fees + t.funding - t.liquidationFee,
      entryReason: t.entryReason,
      exitReason,
      bars: Math.round((timeMs - t.entryTimeMs) / this.timeframeMs),
    };
    this.trades.push(trade);
    return trade;
  }
}
