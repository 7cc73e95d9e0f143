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

/**
 * The books of one symbol: the only place cash and position change, and only from venue events
 * (fills, funding, liquidations). Keeps the cash journal and the closed round trips; equity is
 * wallet + unrealised PnL at the marking price.
 */
export class Ledger {
  readonly entries: CashEntry[] = [];
  readonly trades: ClosedTrade[] = [];
  #wallet: number;
  #qty = 0;
  #entry = 0;
  #open: OpenTrade | null = null;
  #fees = 0;
  #funding = 0;
  #liquidationFees = 0;
  #slippage = 0;
  #realized = 0;
  #liquidations = 0;

  constructor(
    readonly symbol: SymbolId,
    readonly initialBalance: number,
    startMs: number,
    private readonly timeframeMs: number,
  ) {
    this.#wallet = initialBalance;
    this.entries.push({timeMs: startMs, kind: 'deposit', amount: initialBalance, balance: initialBalance, orderId: 0});
  }

  get walletBalance(): number {
    return this.#wallet;
  }
  get positionQty(): number {
    return this.#qty;
  }
  get entryPrice(): number {
    return this.#entry;
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

  /** Equity at `price`: wallet balance plus unrealised PnL. */
  equityAt(price: number): number {
    return this.#qty === 0 ? this.#wallet : this.#wallet + this.#qty * (price - this.#entry);
  }

  /** Applies one venue event; returns the round trip it closed, if any. */
  apply(event: VenueEvent): ClosedTrade | null {
    switch (event.type) {
      case 'fill':
        return this.#applyFill(event.fill);
      case 'funding':
        this.#applyFunding(event.funding);
        return null;
      case 'liquidation':
        return this.#applyLiquidation(event.liquidation);
      default:
        return null;
    }
  }

  #cash(timeMs: number, kind: CashKind, amount: number, orderId: number): void {
    if (amount === 0) return;
    this.#wallet += amount;
    this.entries.push({timeMs, kind, amount, balance: this.#wallet, orderId});
  }

  #applyFill(fill: Fill): ClosedTrade | null {
    const signed = fill.side === 'buy' ? fill.qty : -fill.qty;
    this.#fees += fill.fee;
    this.#slippage += fill.slippage;
    let closed: ClosedTrade | null = null;
    let opening = fill.qty;
    if (this.#qty !== 0 && Math.sign(signed) !== Math.sign(this.#qty)) {
      const closing = Math.min(fill.qty, Math.abs(this.#qty));
      opening = fill.qty - closing < QTY_EPSILON ? 0 : fill.qty - closing;
      const pnl = closing * (fill.price - this.#entry) * Math.sign(this.#qty);
      // A reversal's fee is split pro rata between the trade it closes and the one it opens.
      const closingFee = (fill.fee * closing) / fill.qty;
      this.#realized += pnl;
      this.#cash(fill.timeMs, 'realized-pnl', pnl, fill.orderId);
      this.#cash(fill.timeMs, 'fee', -closingFee, fill.orderId);
      const trade = this.#open!;
      trade.exitQty += closing;
      trade.exitNotional += closing * fill.price;
      trade.grossPnl += pnl;
      trade.fees += closingFee;
      this.#qty += Math.sign(signed) * closing;
      if (Math.abs(this.#qty) < QTY_EPSILON) {
        this.#qty = 0;
        this.#entry = 0;
        closed = this.#closeTrade(fill.timeMs, fill.reason);
      }
    }
    if (opening > 0) {
      const openingFee = (fill.fee * opening) / fill.qty;
      this.#cash(fill.timeMs, 'fee', -openingFee, fill.orderId);
      const held = Math.abs(this.#qty);
      this.#entry = (this.#entry * held + fill.price * opening) / (held + opening);
      this.#qty += Math.sign(signed) * opening;
      if (!this.#open) {
        this.#open = {
          side: signed > 0 ? 'long' : 'short', entryTimeMs: fill.timeMs, entryQty: 0, entryNotional: 0, exitQty: 0,
          exitNotional: 0, maxQty: 0, grossPnl: 0, fees: 0, funding: 0, liquidationFee: 0, entryReason: fill.reason,
        };
      }
      const trade = this.#open;
      trade.entryQty += opening;
      trade.entryNotional += opening * fill.price;
      trade.fees += openingFee;
      trade.maxQty = Math.max(trade.maxQty, Math.abs(this.#qty));
    }
    return closed;
  }

  #applyFunding(funding: FundingPayment): void {
    this.#funding += funding.amount;
    this.#cash(funding.timeMs, 'funding', funding.amount, 0);
    if (this.#open) this.#open.funding += funding.amount;
  }

  #applyLiquidation(liquidation: Liquidation): ClosedTrade | null {
    const qty = Math.abs(this.#qty);
    const pnl = qty * (liquidation.price - this.#entry) * Math.sign(this.#qty);
    this.#realized += pnl;
    this.#liquidationFees += liquidation.fee;
    this.#liquidations++;
    this.#cash(liquidation.timeMs, 'realized-pnl', pnl, 0);
    this.#cash(liquidation.timeMs, 'liquidation-fee', -liquidation.fee, 0);
    const trade = this.#open!;
    trade.exitQty += qty;
    trade.exitNotional += qty * liquidation.price;
    trade.grossPnl += pnl;
    trade.liquidationFee += liquidation.fee;
    this.#qty = 0;
    this.#entry = 0;
    return this.#closeTrade(liquidation.timeMs, 'liquidation');
  }

  #closeTrade(timeMs: number, exitReason: string): ClosedTrade {
    const t = this.#open!;
    this.#open = null;
    const trade: ClosedTrade = {
      id: this.trades.length + 1,
      symbol: this.symbol,
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
