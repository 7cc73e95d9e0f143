/**
 * One symbol's position and the wallet in one-way mode. The wallet changes only through fills
 * (realised PnL − fee), funding and liquidation; running totals of each are kept so the identity
 * initial + realised − fees + funding − liquidation fees = wallet can be checked.
 */
import type {InstrumentSpec, MarginMode, PositionView, SymbolId} from '../core/index.js';
import {bracketFor, liquidationPrice} from './margin.js';
import type {Grid} from './precision.js';

export interface AccountTotals {
  /** Price PnL realised by fills and liquidations. */
  readonly realisedPnl: number;
  /** Trading fees (maker + taker), ≥ 0. */
  readonly fees: number;
  /** Signed funding: negative when the account paid. */
  readonly funding: number;
  readonly liquidationFees: number;
  /** Slippage cost inside fill prices (already part of realisedPnl; informational). */
  readonly slippage: number;
}

export class Account {
  /** Signed position: > 0 long, < 0 short. Kept on the step grid. */
  qty = 0;
  /** Volume-weighted entry price; 0 when flat. */
  entryPrice = 0;
  wallet: number;
  /** Current liquidation price (NaN flat, 0 when the long cannot be liquidated). */
  liquidationPrice = Number.NaN;
  realisedPnl = 0;
  fees = 0;
  funding = 0;
  liquidationFees = 0;
  slippage = 0;
  private view: PositionView | null = null;

  constructor(
    readonly symbol: SymbolId,
    initialBalance: number,
    readonly leverage: number,
    readonly marginMode: MarginMode,
    private readonly spec: InstrumentSpec,
    private readonly step: Grid,
  ) {
    this.wallet = initialBalance;
  }

  /** Isolated: the margin posted at entry (notional at entry / leverage); the initial margin in use for cross. */
  positionMargin(): number {
    return (Math.abs(this.qty) * this.entryPrice) / this.leverage;
  }

  /**
   * Applies a fill of signed qty at price and returns the realised PnL. Increases move the entry
   * to the volume-weighted average; reductions keep it; a reversal closes the whole position and
   * opens the remainder at the same fill price.
   */
  fill(signedQty: number, price: number, fee: number, slippage: number): number {
    const before = this.qty;
    let realised = 0;
    if (before === 0 || Math.sign(before) === Math.sign(signedQty)) {
      const held = Math.abs(before);
      const added = Math.abs(signedQty);
      // From flat the entry is the fill price itself ((q × p) / q is not always exactly p).
      this.entryPrice = before === 0 ? price : (held * this.entryPrice + added * price) / (held + added);
      this.qty = this.step.nearest(before + signedQty);
    } else {
      const closed = Math.min(Math.abs(signedQty), Math.abs(before));
      realised = closed * (price - this.entryPrice) * Math.sign(before);
      this.qty = this.step.nearest(before + signedQty);
      if (this.qty === 0) this.entryPrice = 0;
      else if (Math.sign(this.qty) !== Math.sign(before)) this.entryPrice = price;
    }
    this.wallet += realised - fee;
    this.realisedPnl += realised;
    this.fees += fee;
    this.slippage += slippage;
    this.changed();
    return realised;
  }

  applyFunding(amount: number): void {
    this.wallet += amount;
    this.funding += amount;
    // Cross: the wallet is the liquidation margin, so funding moves the liquidation price.
    if (this.marginMode === 'cross') this.changed();
  }

  /**
   * Closes the whole position at `price` (the liquidation price). The clearance fee is
   * |Q|·price·liquidationFeeRate, capped at what is left: the isolated margin after the loss
   * (isolated, so the loss never exceeds the posted margin) or the wallet after the loss (cross,
   * where the insurance fund, not the trader, absorbs a shortfall). Returns the fee.
   */
  liquidate(price: number): {readonly pnl: number; readonly fee: number} {
    const q = Math.abs(this.qty);
    const pnl = q * (price - this.entryPrice) * Math.sign(this.qty);
    const cushion = this.marginMode === 'isolated' ? this.positionMargin() + pnl : this.wallet + pnl;
    const fee = Math.min(q * price * this.spec.liquidationFeeRate, Math.max(0, cushion));
    this.wallet += pnl - fee;
    this.realisedPnl += pnl;
    this.liquidationFees += fee;
    this.qty = 0;
    this.entryPrice = 0;
    this.changed();
    return {pnl, fee};
  }

  /**
   * True when opening part of this fill needs more than the available balance: initial margin
   * (notional / leverage) plus the taker fee on the opening qty. Reductions never need margin; a
   * reversal first frees the closed position's margin and realises its PnL.
   */
  lacksMargin(signedQty: number, price: number): boolean {
    const held = this.qty;
    const taker = this.spec.takerFeeRate;
    let opening: number;
    let available: number;
    if (held === 0 || Math.sign(held) === Math.sign(signedQty)) {
      opening = Math.abs(signedQty);
      const unrealised = this.marginMode === 'cross' ? held * (price - this.entryPrice) : 0;
      available = this.wallet - this.positionMargin() + unrealised;
    } else if (Math.abs(signedQty) > Math.abs(held)) {
      const closed = Math.abs(held);
      opening = Math.abs(signedQty) - closed;
      available = this.wallet + held * (price - this.entryPrice) - closed * price * taker;
    } else {
      return false;
    }
    const notional = opening * price;
    return notional / this.leverage + notional * taker > available;
  }

  /** True when the position after this fill would exceed what the leverage allows (bracket max leverage). */
  exceedsBracket(signedQty: number, price: number): boolean {
    const after = Math.abs(this.qty + signedQty);
    return after > Math.abs(this.qty) && bracketFor(this.spec.brackets, after * price).maxLeverage < this.leverage;
  }

  totals(): AccountTotals {
    return {
      realisedPnl: this.realisedPnl,
      fees: this.fees,
      funding: this.funding,
      liquidationFees: this.liquidationFees,
      slippage: this.slippage,
    };
  }

  /** Cached until the position changes: the engine may read it every bar. */
  positionView(): PositionView {
    this.view ??= Object.freeze({
      symbol: this.symbol,
      qty: this.qty,
      entryPrice: this.entryPrice,
      leverage: this.leverage,
      marginMode: this.marginMode,
      liquidationPrice: this.liquidationPrice,
    });
    return this.view;
  }

  private changed(): void {
    const margin = this.marginMode === 'isolated' ? this.positionMargin() : this.wallet;
    this.liquidationPrice = liquidationPrice(this.qty, this.entryPrice, margin, this.spec.brackets);
    this.view = null;
  }
}
