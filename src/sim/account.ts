/**
 * One account in one-way mode: a wallet shared by one position per symbol. The wallet changes only
 * through fills (realised PnL − fee), funding and liquidation; running totals of each are kept so
 * the identity initial + realised − fees + funding − liquidation fees = wallet can be checked.
 *
 * Margin follows Binance USDⓈ-M: an isolated position's margin is its own (notional at entry /
 * leverage); cross positions share the wallet, so a cross position's liquidation price depends on
 * the wallet and on the other cross positions' unrealised PnL and maintenance margin, valued at
 * their latest settled mark. With one position every formula reduces to the single-position one.
 */
import type {InstrumentSpec, MarginMode, PositionView, SymbolId} from '../core/index.js';
import {bracketFor, liquidationPrice, maintenanceMargin} from './margin.js';
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

/** One symbol's position. */
export class Position {
  /** Signed: > 0 long, < 0 short. Kept on the step grid. */
  qty = 0;
  /** Volume-weighted entry price; 0 when flat. */
  entryPrice = 0;
  /** Latest settled mark price (how the other cross positions value this one); NaN before the first bar. */
  mark = Number.NaN;
  /** The liquidation price needs recomputing because this position moved (the wallet and the others: Account's epoch). */
  stale = true;
  /** Cached; read through Account.liquidationPriceOf. */
  lp = Number.NaN;
  /** The account's epoch `lp` was solved at (a cross LP moves with the wallet and the other cross positions). */
  epoch = -1;
  /**
   * What this position adds to the other cross positions' margin balance (kept only while the
   * account has several open): its unrealised PnL less its maintenance margin at its mark (cross),
   * or minus its posted margin (isolated).
   */
  othersPart = 0;
  view: PositionView | null = null;

  constructor(
    readonly lane: number,
    readonly symbol: SymbolId,
    readonly leverage: number,
    readonly marginMode: MarginMode,
    readonly spec: InstrumentSpec,
    readonly step: Grid,
  ) {}

  /** Isolated: the margin posted at entry (notional at entry / leverage); the initial margin in use for cross. */
  margin(): number {
    return (Math.abs(this.qty) * this.entryPrice) / this.leverage;
  }
}

export class Account {
  // Initialised here, not only in the constructor: a class field declared bare starts as undefined,
  // and V8 then keeps the field tagged (every update of the double allocates a heap number).
  wallet = Number.NaN;
  realisedPnl = 0;
  fees = 0;
  funding = 0;
  liquidationFees = 0;
  slippage = 0;
  readonly positions: Position[] = [];
  /** Positions with qty ≠ 0 (cross valuation of others is skipped while at most one is open). */
  #open = 0;
  /** Σ othersPart over the positions while several are open: each cross LP is then O(1) in the number of symbols. */
  #othersSum = 0;
  /** Bumped whenever the wallet or another position's value moves: every cached cross LP is then stale, at O(1). */
  #epoch = 0;

  constructor(initialBalance: number) {
    this.wallet = initialBalance;
  }

  addPosition(symbol: SymbolId, leverage: number, marginMode: MarginMode, spec: InstrumentSpec, step: Grid): Position {
    const p = new Position(this.positions.length, symbol, leverage, marginMode, spec, step);
    this.positions.push(p);
    return p;
  }

  /**
   * Applies a fill of signed qty at price to `p` and returns the realised PnL. Increases move the
   * entry to the volume-weighted average; reductions keep it; a reversal closes the whole position
   * and opens the remainder at the same fill price.
   */
  fill(p: Position, signedQty: number, price: number, fee: number, slippage: number): number {
    const before = p.qty;
    let realised = 0;
    if (before === 0 || Math.sign(before) === Math.sign(signedQty)) {
      const held = Math.abs(before);
      const added = Math.abs(signedQty);
      // From flat the entry is the fill price itself ((q × p) / q is not always exactly p).
      p.entryPrice = before === 0 ? price : (held * p.entryPrice + added * price) / (held + added);
      p.qty = p.step.nearest(before + signedQty);
    } else {
      const closed = Math.min(Math.abs(signedQty), Math.abs(before));
      realised = closed * (price - p.entryPrice) * Math.sign(before);
      p.qty = p.step.nearest(before + signedQty);
      if (p.qty === 0) p.entryPrice = 0;
      else if (Math.sign(p.qty) !== Math.sign(before)) p.entryPrice = price;
    }
    this.wallet += realised - fee;
    this.realisedPnl += realised;
    this.fees += fee;
    this.slippage += slippage;
    this.#opened(before, p.qty);
    this.#moved(p, true);
    if (this.#open > 1 && before !== 0 && p.qty !== 0) this.#repart(p);
    return realised;
  }

  applyFunding(p: Position, amount: number): void {
    this.wallet += amount;
    this.funding += amount;
    // Cross: the wallet is the liquidation margin, so funding moves every cross liquidation price.
    if (p.marginMode === 'cross') this.#moved(p, true);
  }

  /**
   * Closes `p` at `price` (its liquidation price). The clearance fee is |Q|·price·liquidationFeeRate,
   * capped at what is left: the isolated margin after the loss (isolated, so the loss never exceeds
   * the posted margin) or the wallet after the loss (cross, where the insurance fund, not the
   * trader, absorbs a shortfall). Returns the PnL and the fee.
   */
  liquidate(p: Position, price: number): {readonly pnl: number; readonly fee: number} {
    const q = Math.abs(p.qty);
    const pnl = q * (price - p.entryPrice) * Math.sign(p.qty);
    const cushion = p.marginMode === 'isolated' ? p.margin() + pnl : this.wallet + pnl;
    const fee = Math.min(q * price * p.spec.liquidationFeeRate, Math.max(0, cushion));
    this.wallet += pnl - fee;
    this.realisedPnl += pnl;
    this.liquidationFees += fee;
    const before = p.qty;
    p.qty = 0;
    p.entryPrice = 0;
    this.#opened(before, 0);
    this.#moved(p, true);
    return {pnl, fee};
  }

  /**
   * True when opening part of this fill needs more than the available balance: initial margin
   * (notional / leverage) plus the taker fee on the opening qty. Available = wallet − every
   * position's margin + cross unrealised PnL (this position's at the fill price, the others' at
   * their marks). Reductions never need margin; a reversal first frees the closed position's
   * margin and realises its PnL.
   */
  lacksMargin(p: Position, signedQty: number, price: number): boolean {
    const held = p.qty;
    const taker = p.spec.takerFeeRate;
    let opening: number;
    let available: number;
    if (held === 0 || Math.sign(held) === Math.sign(signedQty)) {
      opening = Math.abs(signedQty);
      const unrealised = p.marginMode === 'cross' ? held * (price - p.entryPrice) : 0;
      available = this.wallet - p.margin() + unrealised;
    } else if (Math.abs(signedQty) > Math.abs(held)) {
      const closed = Math.abs(held);
      opening = Math.abs(signedQty) - closed;
      available = this.wallet + held * (price - p.entryPrice) - closed * price * taker;
    } else {
      return false;
    }
    if (this.#open > (held === 0 ? 0 : 1)) available += this.#othersAvailable(p);
    const notional = opening * price;
    return notional / p.leverage + notional * taker > available;
  }

  /** True when the position after this fill would exceed what the leverage allows (bracket max leverage). */
  exceedsBracket(p: Position, signedQty: number, price: number): boolean {
    const after = Math.abs(p.qty + signedQty);
    return after > Math.abs(p.qty) && bracketFor(p.spec.brackets, after * price).maxLeverage < p.leverage;
  }

  /** The latest settled mark of `p` (marks[i]: no double argument on the per-bar path); the other cross positions' liquidation prices depend on it. */
  setMark(p: Position, marks: Float64Array, i: number): void {
    p.mark = marks[i];
    if (this.#open > 1 && p.qty !== 0) {
      this.#repart(p);
      this.#epoch++;
    }
  }

  /** Current liquidation price of `p` (NaN flat, 0 when a long cannot be liquidated). */
  liquidationPriceOf(p: Position): number {
    this.solveLiquidation(p);
    return p.lp;
  }

  /** Brings `p.lp` up to date (the per-bar check reads the field: a returned double may be boxed). */
  solveLiquidation(p: Position): void {
    if (p.stale || (p.marginMode === 'cross' && p.epoch !== this.#epoch)) {
      p.stale = false;
      p.epoch = this.#epoch;
      const margin = p.marginMode === 'isolated' ? p.margin() : this.#crossBalance(p);
      p.lp = liquidationPrice(p.qty, p.entryPrice, margin, p.spec.brackets);
    }
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

  /** Cached until the position or its liquidation price changes: the engine may read it every bar. */
  positionView(p: Position): PositionView {
    const lp = this.liquidationPriceOf(p);
    if (p.view === null || !Object.is(p.view.liquidationPrice, lp)) {
      p.view = Object.freeze({
        symbol: p.symbol,
        qty: p.qty,
        entryPrice: p.entryPrice,
        leverage: p.leverage,
        marginMode: p.marginMode,
        liquidationPrice: lp,
      });
    }
    return p.view;
  }

  /**
   * The margin balance a cross position's liquidation price is solved against: the wallet, less
   * the isolated positions' margins, plus the other cross positions' unrealised PnL less their
   * maintenance margin (at their marks).
   */
  #crossBalance(p: Position): number {
    return this.#open > (p.qty === 0 ? 0 : 1) ? this.wallet + this.#othersCross(p) : this.wallet;
  }

  #othersCross(p: Position): number {
    return this.#othersSum - p.othersPart;
  }

  static #part(o: Position): number {
    if (o.qty === 0) return 0;
    if (o.marginMode === 'isolated') return -o.margin();
    return o.mark === o.mark ? o.qty * (o.mark - o.entryPrice) - maintenanceMargin(o.spec.brackets, o.qty * o.mark) : 0;
  }

  /** `p`'s mark, size or entry moved: its part of the others' balance, kept by difference. */
  #repart(p: Position): void {
    const part = Account.#part(p);
    this.#othersSum += part - p.othersPart;
    p.othersPart = part;
  }

  /** Every part summed afresh in position order (when a position opens or closes), so differences never drift for long. */
  #resum(): void {
    let sum = 0;
    for (const o of this.positions) {
      o.othersPart = Account.#part(o);
      sum += o.othersPart;
    }
    this.#othersSum = sum;
  }

  /** What the other positions take from (margins) or add to (cross unrealised PnL) the available balance. */
  #othersAvailable(p: Position): number {
    let sum = 0;
    for (const o of this.positions) {
      if (o === p || o.qty === 0) continue;
      sum -= o.margin();
      if (o.marginMode === 'cross' && o.mark === o.mark) sum += o.qty * (o.mark - o.entryPrice);
    }
    return sum;
  }

  #opened(before: number, after: number): void {
    if (before === 0 && after !== 0) this.#open++;
    else if (before !== 0 && after === 0) this.#open--;
    else return;
    if (this.positions.length > 1) this.#resum();
  }

  /** `p` changed (and, when `wallet`, the shared wallet): its price and every cross one need recomputing. */
  #moved(p: Position, wallet: boolean): void {
    p.stale = true;
    p.view = null;
    if (wallet) this.#epoch++;
  }
}
