import {InvalidArgumentError} from 'commander';
import {parseSymbol, parseTimeframe} from '../core/index.js';

function wrap<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

export const symbolOption = wrap(parseSymbol);

/** 'BTC/USDT:USDT,ETH/USDT:USDT': a portfolio's symbols, each a ccxt unified symbol, none twice. */
export const symbolsOption = wrap((value: string): string[] => {
  const symbols = value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(parseSymbol);
  if (symbols.length === 0) throw new Error('--symbols needs at least one symbol, e.g. BTC/USDT:USDT,ETH/USDT:USDT');
  const twice = symbols.find((s, k) => symbols.indexOf(s) !== k);
  if (twice !== undefined) throw new Error(`--symbols lists ${twice} twice`);
  return symbols;
});
export const timeframeOption = wrap(parseTimeframe);

/** '2024-01-01', '2024-01-01T12:00', a full ISO time, or epoch milliseconds; always UTC. */
export const timeOption = wrap((value: string): number => {
  if (/^\d{10,}$/.test(value)) return Number(value);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`cannot read '${value}' as a date (use YYYY-MM-DD, an ISO time, or epoch ms)`);
  return ms;
});

export function choiceOption<T extends string>(choices: readonly T[]): (value: string) => T {
  return wrap((value: string) => {
    if (!(choices as readonly string[]).includes(value)) throw new Error(`expected one of ${choices.join(', ')}, got '${value}'`);
    return value as T;
  });
}

/** A finite number, optionally at least `min`. */
export function numberOption(name: string, min = -Infinity): (value: string) => number {
  return wrap((value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new Error(`${name} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}, got '${value}'`);
    return n;
  });
}

const UNIT_MS: Readonly<Record<string, number>> = {m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000};

/** '180d', '12h', '4w', '90m'. */
export function durationOption(value: string): number {
  const match = /^(\d+)([mhdw])$/.exec(value.trim());
  if (!match || Number(match[1]) <= 0) throw new InvalidArgumentError(`expected a duration such as 180d, 12h or 4w, got '${value}'`);
  return Number(match[1]) * UNIT_MS[match[2]];
}
