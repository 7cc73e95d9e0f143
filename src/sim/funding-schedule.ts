/**
 * Funding settlements of one symbol, walked bar by bar. A settlement is charged at its own time on
 * the position held at that instant, at the mark price of that instant:
 * - at the bar's open (stored a few ms late, as Binance's records are): before the open's fills,
 *   at the bar's mark open; the same for a settlement that fell in a missing candle;
 * - inside the bar (bars longer than the settlement interval): at its point of the intrabar path,
 *   after the fills and triggers before it and before those after it, at the mark of a stored
 *   candle opening at that instant (finest stored timeframe), else the exchange's recorded
 *   settlement mark, else the path's price there.
 * amount = −qty × mark × rate (a long pays a positive rate). NaN rates (gaps in the data) are skipped.
 */
import type {FundingSeries, SymbolId, VenueEvent} from '../core/index.js';

/** A settlement this close after the open is the open's (recording jitter, not a real intrabar time). */
export const OPEN_JITTER_MS = 1000;

export interface FundingAccount {
  readonly qty: number;
  applyFunding(amount: number): void;
}

export class FundingSchedule {
  /** Path position (leg + fraction, in [0, 3)) of the next settlement inside the bar being walked; Infinity when none. */
  nextU = Number.POSITIVE_INFINITY;
  /** Read through the object on every use: a live series grows as settlements are fetched. */
  readonly #series: FundingSeries | null;
  readonly #enabled: boolean;
  /** Mark at each settlement instant from stored mark candles (NaN where none), aligned with the series. */
  readonly #candleMark: Float64Array | null;
  #cursor = 0;
  #barOpen = 0;
  #barEnd = 0;
  readonly #timeframeMs: number;

  constructor(
    readonly symbol: SymbolId,
    funding: FundingSeries | null,
    enabled: boolean,
    timeframeMs: number,
    candleMarks: Float64Array | null,
    private readonly account: FundingAccount,
    private readonly emit: (event: VenueEvent) => void,
  ) {
    this.#series = funding;
    this.#enabled = enabled;
    this.#timeframeMs = timeframeMs;
    this.#candleMark = candleMarks;
  }

  /**
   * Step a of bar i (opening at openTime[i], mark open markOpen[i]): settleAtOpen when a settlement
   * is due in it, else nothing. Columns and an index, not doubles: this runs every bar, and a double
   * argument of a call V8 does not inline is boxed.
   */
  atOpen(openTime: Float64Array, markOpen: Float64Array, i: number): void {
    const open = openTime[i];
    if (this.dueBefore(open + this.#timeframeMs)) this.#settleAtOpen(open, markOpen[i]);
  }

  /** Whether any settlement is due before `endMs` (one comparison on the common bar). */
  dueBefore(endMs: number): boolean {
    const f = this.#series;
    return this.#enabled && f !== null && this.#cursor < f.length && f.time[this.#cursor] < endMs;
  }

  /**
   * Charges the settlements due at the open of the bar opening at `openMs` (and earlier ones not
   * yet seen), at `markOpen`, then positions `nextU` on the first one inside the bar.
   */
  #settleAtOpen(openMs: number, markOpen: number): void {
    this.#barOpen = openMs;
    this.#barEnd = openMs + this.#timeframeMs;
    const limit = Math.min(openMs + OPEN_JITTER_MS, this.#barEnd);
    while (this.dueBefore(limit)) this.#charge(markOpen);
    this.#aim();
  }

  /** The settlement at `nextU` of the path, with the path's mark there (used only when no better mark is known). */
  settleInside(pathMark: number): void {
    const c = this.#cursor;
    const candle = this.#candleMark === null || c >= this.#candleMark.length ? Number.NaN : this.#candleMark[c];
    const recorded = (this.#series as FundingSeries).markPrice[c];
    this.#charge(candle === candle ? candle : recorded === recorded ? recorded : pathMark);
    this.#aim();
  }

  /** Settlements inside the bar that the path was not walked for (flat, nothing resting): nothing to pay. */
  skipInside(): void {
    while (this.dueBefore(this.#barEnd)) this.#charge(Number.NaN);
    this.nextU = Number.POSITIVE_INFINITY;
  }

  #charge(markPrice: number): void {
    const f = this.#series as FundingSeries;
    const c = this.#cursor++;
    const qty = this.account.qty;
    const rate = f.rate[c];
    if (qty === 0 || rate !== rate) return;
    const amount = -qty * markPrice * rate + 0; // + 0 turns −0 into 0
    this.account.applyFunding(amount);
    this.emit({type: 'funding', funding: {symbol: this.symbol, timeMs: f.time[c], rate, markPrice, positionQty: qty, amount}});
  }

  #aim(): void {
    this.nextU = this.dueBefore(this.#barEnd) ? (3 * ((this.#series as FundingSeries).time[this.#cursor] - this.#barOpen)) / this.#timeframeMs : Number.POSITIVE_INFINITY;
  }
}
