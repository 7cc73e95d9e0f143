import {ErrorCode, IftbError} from './errors.js';

/** Binance kline intervals with a fixed length (1w and 1M are calendar-based and left out). */
export const TIMEFRAMES = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const UNIT_MS = {m: 60_000, h: 3_600_000, d: 86_400_000} as const;

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value);
}

export function parseTimeframe(value: string): Timeframe {
  if (!isTimeframe(value)) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `unknown timeframe '${value}' (expected one of ${TIMEFRAMES.join(', ')})`);
  }
  return value;
}

export function timeframeMs(timeframe: Timeframe): number {
  const unit = timeframe.slice(-1) as keyof typeof UNIT_MS;
  return Number(timeframe.slice(0, -1)) * UNIT_MS[unit];
}
