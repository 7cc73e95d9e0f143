/**
 * Checks of a staged file's times that turn a silent misreading into one line saying what the file
 * really is: times in seconds, or candles of another interval than --timeframe.
 */
import {ErrorCode, IftbError, type Timeframe, TIMEFRAMES, timeframeMs} from '../../core/index.js';
import type {DuckDb} from './database.js';

/** 1973-03-03 in ms: epoch-millisecond market data is never this early, epoch seconds always are. */
const EARLIEST_MS = 100_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Refuses times that cannot be epoch milliseconds, saying when they look like seconds. */
export async function assertPlausibleTimes(db: DuckDb, stage: string, column: string, label: (rn: number) => string): Promise<void> {
  const rows = await db.rows(`SELECT rn, ${column} AS t FROM ${stage} WHERE ${column} < ${EARLIEST_MS} ORDER BY rn LIMIT 1`);
  if (rows.length === 0) return;
  const t = Number(rows[0].t);
  const asSeconds = t * 1000;
  const hint = asSeconds >= Date.UTC(2009, 0, 1) && asSeconds < Date.UTC(2100, 0, 1)
    ? `looks like seconds since the epoch (${t} s = ${iso(asSeconds)}); times must be epoch milliseconds (×1000) or microseconds`
    : `is ${iso(t)} read as epoch milliseconds: not a market time`;
  throw new IftbError(ErrorCode.INPUT_INVALID, `${label(Number(rows[0].rn))}: time ${t} ${hint}`);
}

/** Steps between distinct open times needed before the file's own interval is trusted over --timeframe. */
const MIN_STEPS = 10;

/**
 * The interval most rows are apart: when it is not `timeframe`, the file holds other candles
 * ("this file looks like 1h candles"), which would otherwise import as a series full of gaps
 * (a 1h file as 1m) or fail on its first off-grid time (a 1m file as 1h).
 */
export async function assertTimeframe(db: DuckDb, stage: string, timeframe: Timeframe, name: string): Promise<void> {
  const tf = timeframeMs(timeframe);
  const [mode] = await db.rows(`
    WITH t AS (SELECT DISTINCT open_time_ms FROM ${stage}),
    d AS (SELECT open_time_ms - lag(open_time_ms) OVER (ORDER BY open_time_ms) AS step FROM t)
    SELECT (SELECT count(*) FROM d WHERE step > 0) AS steps, step, count(*) AS n FROM d WHERE step > 0
    GROUP BY step ORDER BY n DESC, step LIMIT 1`);
  if (!mode || Number(mode.steps) < MIN_STEPS) return;
  const step = Number(mode.step);
  const share = Number(mode.n) / Number(mode.steps);
  if (step === tf || share < 0.5) return;
  const named = TIMEFRAMES.find((t) => timeframeMs(t) === step);
  const what = named ? `${named} candles` : `candles ${step} ms apart (no timeframe iftb knows)`;
  const pct = `${Math.round(share * 100)} % of consecutive rows are ${named ?? `${step} ms`} apart`;
  throw new IftbError(
    ErrorCode.INPUT_INVALID,
    `${name}: this file looks like ${what}, not ${timeframe} (${pct})${named ? `; import it with --timeframe ${named}` : ''}`,
  );
}
