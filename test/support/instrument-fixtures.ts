/** The saved Binance responses under test/fixtures/instruments (real field shapes, illustrative values). */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

export const INSTRUMENT_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'instruments');
export const EXCHANGE_INFO_JAN = join(INSTRUMENT_FIXTURES, 'exchange-info-2025-01-01.json');
export const EXCHANGE_INFO_MAR = join(INSTRUMENT_FIXTURES, 'exchange-info-2025-03-01.json');
export const LEVERAGE_BRACKETS = join(INSTRUMENT_FIXTURES, 'leverage-bracket.json');
/** As-of times of the two exchangeInfo files (their serverTime); SOLUSDT's tick is 0.01, then 0.001. */
export const JAN = Date.UTC(2025, 0, 1);
export const MAR = Date.UTC(2025, 2, 1);

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(INSTRUMENT_FIXTURES, name), 'utf8'));
}
