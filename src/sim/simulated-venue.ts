/**
 * SimulatedVenue: Binance USDⓈ-M perpetual futures for one symbol, one-way mode, replayed bar by
 * bar. `submit` only queues (a decision at bar i−1's close fills no earlier than bar i's open);
 * `sync(i)` then settles bar i in time order: funding, market orders at the open, the intrabar
 * path (resting orders, protective orders, mark-price liquidation).
 */
import {
  ErrorCode,
  IftbError,
  type BarColumns,
  type ExecutionVenue,
  type FundingSeries,
  type InstrumentSpec,
  type MarginMode,
  type OrderAck,
  type OrderRequest,
  type PositionView,
  type SymbolId,
  type VenueEvent,
} from '../core/index.js';
import {Account, type AccountTotals} from './account.js';
import {FundingSchedule} from './funding-schedule.js';
import {validateBrackets} from './margin.js';
import {Matcher} from './matching.js';
import {bookOrder, OrderBook} from './order-book.js';
import {Grid} from './precision.js';
import {validateSlippage, type SlippageModel} from './slippage.js';
import {submitRejection} from './validation.js';

export interface SimulatedVenueOptions {
  readonly symbol: SymbolId;
  /** This symbol's trade candles, oldest first. */
  readonly bars: BarColumns;
  readonly timeframeMs: number;
  /** Mark-price candles aligned with `bars` (same length and openTime); NaN where none (trade prices are used). */
  readonly mark?: BarColumns | null;
  readonly funding?: FundingSeries | null;
  /**
   * Mark price at each settlement instant from stored mark candles (finest stored timeframe),
   * aligned with `funding`, NaN where none: used for settlements inside a bar (long bars).
   */
  readonly fundingMarks?: Float64Array | null;
  readonly instrument: InstrumentSpec;
  /** Wallet balance at the start, quote currency (USDT). */
  readonly initialBalance: number;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  readonly slippage: SlippageModel;
  readonly fundingEnabled: boolean;
}

/** Returned by every quiet sync: shared and frozen, so the common bar allocates nothing. */
const NO_EVENTS: readonly VenueEvent[] = Object.freeze([]);

const invalid = (message: string): never => {
  throw new IftbError(ErrorCode.INPUT_INVALID, message);
};

export class SimulatedVenue implements ExecutionVenue {
  readonly kind = 'simulated' as const;
  readonly symbol: SymbolId;
  readonly instrument: InstrumentSpec;
  private readonly bars: BarColumns;
  private readonly timeframeMs: number;
  private readonly account: Account;
  private readonly book = new OrderBook();
  private readonly matcher: Matcher;
  private readonly tick: Grid;
  private readonly step: Grid;
  private readonly funding: FundingSchedule;
  private readonly markOpen: Float64Array | null;
  private readonly markValid: Uint8Array | null;
  private lastIndex = -1;

  constructor(options: SimulatedVenueOptions) {
    const {symbol, bars, timeframeMs, instrument, leverage} = options;
    if (instrument.symbol !== symbol) invalid(`instrument is for ${instrument.symbol}, venue for ${symbol}`);
    validateBrackets(instrument);
    validateSlippage(options.slippage);
    if (!(timeframeMs > 0)) invalid(`timeframeMs must be > 0, got ${timeframeMs}`);
    if (!(options.initialBalance > 0) || !Number.isFinite(options.initialBalance)) invalid('initialBalance must be a positive number');
    if (!(leverage >= 1) || !Number.isFinite(leverage)) invalid(`leverage must be ≥ 1, got ${leverage}`);
    if (leverage > instrument.brackets[0].maxLeverage) {
      invalid(`leverage ${leverage} exceeds ${symbol}'s maximum ${instrument.brackets[0].maxLeverage}`);
    }
    if (options.marginMode !== 'isolated' && options.marginMode !== 'cross') invalid(`unknown margin mode ${String(options.marginMode)}`);
    this.symbol = symbol;
    this.instrument = instrument;
    this.bars = bars;
    this.timeframeMs = timeframeMs;
    this.tick = new Grid(instrument.tickSize);
    this.step = new Grid(instrument.stepSize);
    this.account = new Account(symbol, options.initialBalance, leverage, options.marginMode, instrument, this.step);

    assertAscending(bars.openTime, bars.length, 'bar openTime');
    const mark = options.mark ?? null;
    this.markValid = mark === null ? null : validMarkRows(bars, mark);
    this.markOpen = mark === null ? null : mark.open;

    const funding = options.funding ?? null;
    if (funding !== null && funding.symbol !== symbol) invalid(`funding series is for ${funding.symbol}, venue for ${symbol}`);
    if (funding !== null) assertAscending(funding.time, funding.length, 'funding time');
    const fundingMarks = options.fundingMarks ?? null;
    if (funding !== null && fundingMarks !== null && fundingMarks.length !== funding.length) invalid('fundingMarks must align with the funding series');

    this.matcher = new Matcher({
      symbol,
      bars,
      mark,
      markValid: this.markValid,
      timeframeMs,
      spec: instrument,
      tick: this.tick,
      slippage: options.slippage,
      account: this.account,
      book: this.book,
    });
    this.funding = new FundingSchedule(symbol, funding, options.fundingEnabled, fundingMarks, this.account, (event) => this.matcher.emit(event));
    this.matcher.funding = this.funding;
  }

  /**
   * Settles bar `index`. Indices must increase; a skipped bar is settled on the way (funding and
   * liquidation are not optional), so sync(7) after sync(5) equals sync(6) then sync(7).
   */
  sync(index: number): readonly VenueEvent[] {
    const last = this.lastIndex;
    if (!(index > last && index < this.bars.length && Number.isInteger(index))) {
      invalid(`sync(${index}): expected an integer in (${last}, ${this.bars.length})`);
    }
    for (let i = last < 0 ? index : last + 1; i <= index; i++) this.settleBar(i);
    const out = this.matcher.out;
    if (out === null) return NO_EVENTS;
    this.matcher.out = null;
    return out;
  }

  private settleBar(i: number): void {
    this.lastIndex = i;
    const open = this.bars.openTime[i];
    // a. Funding due at the open (or in a missing candle before it) settles on the position held
    //    at the open, before any fill (see funding-schedule.ts); later ones wait on the path.
    const funding = this.funding.dueBefore(open + this.timeframeMs);
    if (funding) {
      const markOpen = this.markValid !== null && this.markValid[i] === 1 ? (this.markOpen as Float64Array)[i] : Number.NaN;
      this.funding.settleAtOpen(open, this.timeframeMs, markOpen === markOpen ? markOpen : this.bars.open[i]);
    }
    // b. Market orders queued before this bar fill at its open.
    if (this.book.market.length > 0) this.matcher.fillMarketOrders(i);
    // c–e. The intrabar path, only when something can trigger on it (orders, liquidation, funding inside the bar).
    const inside = this.funding.nextU !== Number.POSITIVE_INFINITY;
    if (this.book.resting.length > 0 || (this.account.qty !== 0 && (inside || this.matcher.mayLiquidate(i)))) this.matcher.walkPath(i);
    if (this.funding.nextU !== Number.POSITIVE_INFINITY) this.funding.skipInside();
  }

  submit(order: OrderRequest): OrderAck {
    const last = this.lastIndex;
    const referencePrice = last >= 0 ? this.bars.close[last] : this.bars.length > 0 ? this.bars.open[0] : Number.NaN;
    let reason = submitRejection(order, {symbol: this.symbol, spec: this.instrument, tick: this.tick, step: this.step, referencePrice});
    if (reason === null && this.book.find(order.id) !== undefined) reason = 'duplicate-order-id';
    if (reason !== null) return {status: 'rejected', orderId: order.id, reason};
    this.book.add(bookOrder(order));
    return {status: 'accepted', orderId: order.id};
  }

  /** Moves a resting stop's trigger, snapped to the nearest tick; false if it is gone or not a stop. */
  amendStop(orderId: number, stopPrice: number): boolean {
    const order = this.book.find(orderId);
    if (order === undefined || order.type !== 'stop-market' || !(stopPrice > 0) || !Number.isFinite(stopPrice)) return false;
    const snapped = this.tick.nearest(stopPrice);
    if (!(snapped > 0)) return false;
    order.stopPrice = snapped;
    order.request = {...order.request, stopPrice: snapped};
    this.book.amended();
    return true;
  }

  /** Engine-initiated: no `canceled` event (the caller knows). An OCO sibling stays. */
  cancel(orderId: number, _reason: string): boolean {
    return this.book.remove(orderId) !== undefined;
  }

  cancelAll(_reason: string): number {
    return this.book.clear();
  }

  openOrders(): readonly OrderRequest[] {
    return this.book.openRequests();
  }

  position(): PositionView {
    return this.account.positionView();
  }

  walletBalance(): number {
    return this.account.wallet;
  }

  /** Running totals behind the wallet (realised PnL, fees, funding, liquidation fees, slippage). */
  totals(): AccountTotals {
    return this.account.totals();
  }

  /** Fills that took more than the volume model's maxParticipation of the previous bar's volume. */
  get overParticipationFills(): number {
    return this.matcher.overParticipationFills;
  }

  /** The last bar settled, −1 before the first sync. */
  get lastSyncedIndex(): number {
    return this.lastIndex;
  }
}

/** The funding cursor and the path timestamps rely on strictly increasing times. */
function assertAscending(times: Float64Array, length: number, what: string): void {
  for (let i = 1; i < length; i++) {
    if (!(times[i] > times[i - 1])) {
      throw new IftbError(ErrorCode.DATA_INVALID, `${what} must increase strictly: index ${i} (${times[i]}) after ${times[i - 1]}`);
    }
  }
}

/** Checks mark alignment once and marks the rows whose four mark prices are all numbers. */
function validMarkRows(bars: BarColumns, mark: BarColumns): Uint8Array {
  if (mark.length !== bars.length) invalid(`mark candles: ${mark.length} rows for ${bars.length} bars`);
  const valid = new Uint8Array(bars.length);
  for (let i = 0; i < bars.length; i++) {
    if (mark.openTime[i] !== bars.openTime[i]) invalid(`mark candle ${i} opens at ${mark.openTime[i]}, bar at ${bars.openTime[i]}`);
    const o = mark.open[i];
    const h = mark.high[i];
    const l = mark.low[i];
    const c = mark.close[i];
    valid[i] = o === o && h === h && l === l && c === c ? 1 : 0;
  }
  return valid;
}
