import type {Bar} from '../../../src/core/index.js';
import type {SymbolSpec} from './instruments.js';

export const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000,
  '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000, '1d': 86_400_000,
};

export interface FundingSettlement {
  readonly fundingTime: number;
  readonly fundingRate: number;
  /** Omitted: served as "" like Binance does for old settlements. */
  readonly markPrice?: number;
}

type Kind = 'candles' | 'mark';

/** Candles (last price and mark price), the current prices and funding of every listed symbol. */
export class MarketBook {
  private readonly candles = new Map<string, Bar[]>();
  private readonly last = new Map<string, number>();
  private readonly mark = new Map<string, number>();
  private readonly rates = new Map<string, number>();
  private readonly settlements = new Map<string, FundingSettlement[]>();

  constructor(
    readonly specs: ReadonlyMap<string, SymbolSpec>,
    private readonly defaultRate: number,
    readonly fundingIntervalMs: number,
  ) {}

  has(symbol: string | undefined): symbol is string {
    return symbol !== undefined && this.specs.has(symbol);
  }

  spec(symbol: string): SymbolSpec {
    const spec = this.specs.get(symbol);
    if (spec === undefined) throw new Error(`local exchange: unknown symbol ${symbol}`);
    return spec;
  }

  /** Inserts or replaces the candle with this open time (a forming candle is replaced as it grows). */
  upsert(symbol: string, interval: string, bar: Bar, kind: Kind = 'candles'): void {
    const list = this.series(symbol, interval, kind);
    const lastBar = list[list.length - 1];
    if (lastBar === undefined || bar.openTime > lastBar.openTime) list.push(bar);
    else {
      const index = list.findIndex((b) => b.openTime === bar.openTime);
      if (index >= 0) list[index] = bar;
      else {
        list.push(bar);
        list.sort((a, b) => a.openTime - b.openTime);
      }
    }
  }

  lastCandle(symbol: string, interval: string, kind: Kind = 'candles'): Bar | undefined {
    const list = this.series(symbol, interval, kind);
    return list[list.length - 1];
  }

  /** Binance's klines window: [startTime, endTime] by open time, `limit` from the start (or the end if no start). */
  klines(symbol: string, interval: string, kind: Kind, startTime: number | undefined, endTime: number | undefined, limit: number): Bar[] {
    const list = this.series(symbol, interval, kind).filter((b) => (startTime === undefined || b.openTime >= startTime) && (endTime === undefined || b.openTime <= endTime));
    return startTime === undefined ? list.slice(-limit) : list.slice(0, limit);
  }

  lastPrice(symbol: string): number | undefined {
    return this.last.get(symbol);
  }

  markPrice(symbol: string): number | undefined {
    return this.mark.get(symbol) ?? this.last.get(symbol);
  }

  setLast(symbol: string, price: number): void {
    this.last.set(symbol, price);
  }

  setMark(symbol: string, price: number): void {
    this.mark.set(symbol, price);
  }

  fundingRate(symbol: string): number {
    return this.rates.get(symbol) ?? this.defaultRate;
  }

  setFundingRate(symbol: string, rate: number): void {
    this.rates.set(symbol, rate);
  }

  /** Funding times are multiples of the interval (00/08/16 UTC for 8 h). */
  nextFundingTime(afterMs: number): number {
    return Math.floor(afterMs / this.fundingIntervalMs) * this.fundingIntervalMs + this.fundingIntervalMs;
  }

  addSettlement(symbol: string, settlement: FundingSettlement): void {
    const list = this.settlements.get(symbol) ?? [];
    list.push(settlement);
    list.sort((a, b) => a.fundingTime - b.fundingTime);
    this.settlements.set(symbol, list);
  }

  fundingHistory(symbol: string, startTime: number | undefined, endTime: number | undefined, limit: number): FundingSettlement[] {
    const list = (this.settlements.get(symbol) ?? []).filter((s) => (startTime === undefined || s.fundingTime >= startTime) && (endTime === undefined || s.fundingTime <= endTime));
    return startTime === undefined ? list.slice(-limit) : list.slice(0, limit);
  }

  private series(symbol: string, interval: string, kind: Kind): Bar[] {
    const key = `${kind}|${symbol}|${interval}`;
    let list = this.candles.get(key);
    if (list === undefined) {
      list = [];
      this.candles.set(key, list);
    }
    return list;
  }
}
