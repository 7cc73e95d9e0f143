/**
 * One symbol of the simulated venue: its candles, mark candles, funding, order book, matcher and
 * position in the shared account. `settle(i)` settles bar i in time order: funding due at the
 * open, market orders at the open, then the intrabar path (resting orders, protective orders,
 * funding inside the bar, mark-price liquidation).
 */
import {ErrorCode, IftbError, type BarColumns, type FundingSeries, type InstrumentSpec, type MarginMode, type SymbolId, type VenueEvent} from '../core/index.js';
import type {Account, Position} from './account.js';
import {FundingSchedule} from './funding-schedule.js';
import {MarkRows} from './mark-rows.js';
import {validateBrackets} from './margin.js';
import {Matcher} from './matching.js';
import {OrderBook} from './order-book.js';
import {Grid} from './precision.js';
import type {SlippageModel} from './slippage.js';

export interface LaneMarket {
  readonly symbol: SymbolId;
  /** This symbol's trade candles, oldest first (a live buffer may grow; read through the object). */
  readonly bars: BarColumns;
  /** Mark-price candles aligned with `bars` (same length and openTime); NaN where none (trade prices are used). */
  readonly mark?: BarColumns | null;
  readonly funding?: FundingSeries | null;
  /**
   * Mark price at each settlement instant from stored mark candles (finest stored timeframe),
   * aligned with `funding`, NaN where none: used for settlements inside a bar (long bars).
   */
  readonly fundingMarks?: Float64Array | null;
  readonly instrument: InstrumentSpec;
  /** Overrides the venue's leverage / margin mode for this symbol. */
  readonly leverage?: number;
  readonly marginMode?: MarginMode;
}

const invalid = (message: string): never => {
  throw new IftbError(ErrorCode.INPUT_INVALID, message);
};

export class VenueLane {
  readonly symbol: SymbolId;
  readonly spec: InstrumentSpec;
  readonly bars: BarColumns;
  readonly book = new OrderBook();
  readonly matcher: Matcher;
  readonly tick: Grid;
  readonly step: Grid;
  readonly position: Position;
  lastIndex = -1;
  readonly #account: Account;
  readonly #timeframeMs: number;
  readonly #funding: FundingSchedule;
  readonly #marks: MarkRows | null;

  constructor(
    market: LaneMarket,
    shared: {readonly account: Account; readonly timeframeMs: number; readonly slippage: SlippageModel; readonly fundingEnabled: boolean; readonly leverage: number; readonly marginMode: MarginMode; readonly venueIds: {next: number}},
  ) {
    const {symbol, bars, instrument} = market;
    const leverage = market.leverage ?? shared.leverage;
    const marginMode = market.marginMode ?? shared.marginMode;
    if (instrument.symbol !== symbol) invalid(`instrument is for ${instrument.symbol}, venue for ${symbol}`);
    validateBrackets(instrument);
    if (!(leverage >= 1) || !Number.isFinite(leverage)) invalid(`leverage must be ≥ 1, got ${leverage}`);
    if (leverage > instrument.brackets[0].maxLeverage) invalid(`leverage ${leverage} exceeds ${symbol}'s maximum ${instrument.brackets[0].maxLeverage}`);
    if (marginMode !== 'isolated' && marginMode !== 'cross') invalid(`unknown margin mode ${String(marginMode)}`);
    this.symbol = symbol;
    this.spec = instrument;
    this.bars = bars;
    this.#account = shared.account;
    this.#timeframeMs = shared.timeframeMs;
    this.tick = new Grid(instrument.tickSize);
    this.step = new Grid(instrument.stepSize);
    this.position = shared.account.addPosition(symbol, leverage, marginMode, instrument, this.step);

    assertAscending(bars.openTime, bars.length, `${symbol} bar openTime`);
    const mark = market.mark ?? null;
    this.#marks = mark === null ? null : MarkRows.of(bars, mark);

    const funding = market.funding ?? null;
    if (funding !== null && funding.symbol !== symbol) invalid(`funding series is for ${funding.symbol}, venue for ${symbol}`);
    if (funding !== null) assertAscending(funding.time, funding.length, `${symbol} funding time`);
    const fundingMarks = market.fundingMarks ?? null;
    if (funding !== null && fundingMarks !== null && fundingMarks.length !== funding.length) invalid('fundingMarks must align with the funding series');

    this.matcher = new Matcher({
      symbol, bars, marks: this.#marks, timeframeMs: shared.timeframeMs, spec: instrument, tick: this.tick,
      slippage: shared.slippage, account: shared.account, position: this.position, book: this.book, venueIds: shared.venueIds,
    });
    const position = this.position;
    const account = shared.account;
    const fundingAccount = {
      get qty() {
        return position.qty;
      },
      applyFunding: (amount: number) => account.applyFunding(position, amount),
    };
    this.#funding = new FundingSchedule(symbol, funding, shared.fundingEnabled, shared.timeframeMs, fundingMarks, fundingAccount, (event) => this.matcher.emit(event));
    this.matcher.funding = this.#funding;
  }

  /** Settles bars up to `index` (a skipped bar is settled on the way); returns the matcher's events or null. */
  settleTo(index: number): VenueEvent[] | null {
    const last = this.lastIndex;
    if (!(index > last && index < this.bars.length && Number.isInteger(index))) {
      invalid(`sync(${index}) of ${this.symbol}: expected an integer in (${last}, ${this.bars.length})`);
    }
    for (let i = last < 0 ? index : last + 1; i <= index; i++) this.#settleBar(i);
    const out = this.matcher.out;
    this.matcher.out = null;
    return out;
  }

  #settleBar(i: number): void {
    this.lastIndex = i;
    const bars = this.bars;
    const marks = this.#marks;
    const m = marks !== null && marks.valid(i) ? marks.mark : null;
    // a. Funding due at the open (or in a missing candle before it) settles on the position held
    //    at the open, before any fill (see funding-schedule.ts); later ones wait on the path.
    const funding = this.#funding;
    funding.atOpen(bars.openTime, (m ?? bars).open, i);
    // b. Market orders queued before this bar fill at its open.
    if (this.book.market.length > 0) this.matcher.fillMarketOrders(i);
    // c–e. The intrabar path, only when something can trigger on it (orders, liquidation, funding inside the bar).
    const inside = funding.nextU !== Number.POSITIVE_INFINITY;
    if (this.book.resting.length > 0 || (this.position.qty !== 0 && (inside || this.matcher.mayLiquidate(i)))) this.matcher.walkPath(i);
    if (funding.nextU !== Number.POSITIVE_INFINITY) funding.skipInside();
    // The bar's closing mark values this position for the other cross positions.
    const closingMarks = (m ?? bars).close;
    if (this.position.qty !== 0) this.#account.setMark(this.position, closingMarks, i);
    else this.position.mark = closingMarks[i];
  }
}

/** How far each time column was found ascending (a sweep builds a venue per trial on the same views). */
const ascendingTo = new WeakMap<Float64Array, number>();

/** The funding cursor and the path timestamps rely on strictly increasing times. */
function assertAscending(times: Float64Array, length: number, what: string): void {
  const from = ascendingTo.get(times) ?? 1;
  for (let i = Math.max(1, from); i < length; i++) {
    if (!(times[i] > times[i - 1])) {
      throw new IftbError(ErrorCode.DATA_INVALID, `${what} must increase strictly: index ${i} (${times[i]}) after ${times[i - 1]}`);
    }
  }
  if (length > from) ascendingTo.set(times, length);
}
