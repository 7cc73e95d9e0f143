import {type Timeframe, timeframeMs} from '../../core/index.js';
import {type DuckDb, sqlString} from './database.js';

export type QualityIssueKind =
  | 'gap'
  | 'duplicate'
  | 'unsorted'
  | 'nan'
  | 'high-below-body'
  | 'low-above-body'
  | 'high-below-low'
  | 'non-positive-price'
  | 'negative-volume'
  | 'jump';

export interface QualityIssue {
  readonly kind: QualityIssueKind;
  /** Where: "file.csv line 12" for files, the candle's UTC time for the store. */
  readonly at: string;
  readonly timeMs: number;
  readonly detail: string;
}

export interface QualityReport {
  readonly rows: number;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
  readonly gaps: number;
  readonly missing: number;
  readonly counts: Readonly<Record<QualityIssueKind, number>>;
  /** The first few examples of each kind, in row order. */
  readonly issues: readonly QualityIssue[];
}

const EXAMPLES_PER_KIND = 5;

/** DuckDB orders NaN above every number, so a NaN row is counted as 'nan' only, not as impossible OHLC. */
const PRICES_FINITE = 'isfinite(open) AND isfinite(high) AND isfinite(low) AND isfinite(close) AND ';

/** Row predicates for the per-row checks; each row that matches is one issue. */
const ROW_CHECKS: ReadonlyArray<readonly [QualityIssueKind, string, string]> = [
  ['nan', 'NOT (isfinite(open) AND isfinite(high) AND isfinite(low) AND isfinite(close) AND isfinite(volume))', "'NaN or infinite value'"],
  ['high-below-body', PRICES_FINITE + 'high < greatest(open, close)', "format('high {} < max(open, close) {}', high, greatest(open, close))"],
  ['low-above-body', PRICES_FINITE + 'low > least(open, close)', "format('low {} > min(open, close) {}', low, least(open, close))"],
  ['high-below-low', PRICES_FINITE + 'high < low', "format('high {} < low {}', high, low)"],
  ['non-positive-price', PRICES_FINITE + 'least(open, high, low, close) <= 0', "format('price {} ≤ 0', least(open, high, low, close))"],
  ['negative-volume', 'volume < 0', "format('volume {}', volume)"],
];

/** Row problems no real market produces: an import refuses a file with any of them. */
export const IMPOSSIBLE_KINDS: readonly QualityIssueKind[] = ['nan', 'high-below-body', 'low-above-body', 'high-below-low', 'non-positive-price', 'negative-volume'];

/**
 * Implausible jumps: a bar whose move (its range, or its open's distance from the previous close)
 * exceeds `factor` × the median range of the previous JUMP_WINDOW bars. The median is floored at
 * 0.02 % of the price, so a stretch of one-tick candles does not make every normal bar a jump;
 * on the real Binance sample (BTC and ETH, 1m and 1h, 2018–2026) the largest ratio so found is
 * 56 (ETH, 2020-03-12), so the default factor of 100 flags none of it, while a bar at 0, 1e-8 or
 * 1e308 in a BTC series is flagged thousands of times over.
 */
export const DEFAULT_JUMP_FACTOR = 100;
const JUMP_WINDOW = 100;
const JUMP_MIN_HISTORY = 20;

export interface QualityOptions {
  /** Flag implausible jumps at this multiple of the rolling median range; off when absent. */
  readonly jumpFactor?: number;
}

/**
 * Checks a relation (rn, open_time_ms, open, high, low, close, volume), rn being the row's
 * position in its source. Reports; never changes a row.
 */
export async function seriesQuality(
  db: DuckDb,
  relation: string,
  timeframe: Timeframe,
  label: (rn: number, timeMs: number) => string,
  options: QualityOptions = {},
): Promise<QualityReport> {
  const tf = timeframeMs(timeframe);
  const rowCounts = ROW_CHECKS.map(([kind, where]) => `count(*) FILTER (WHERE ${where}) AS "${kind}"`).join(', ');
  // One pass in file order; when the rows turn out sorted, duplicates and gaps follow from the same steps.
  const [pass] = await db.rows(`
    WITH r AS (SELECT *, open_time_ms - lag(open_time_ms) OVER (ORDER BY rn) AS step FROM ${relation})
    SELECT count(*) AS rows, min(open_time_ms) AS first, max(open_time_ms) AS last, ${rowCounts},
      count(*) FILTER (WHERE step < 0) AS "unsorted", count(*) FILTER (WHERE step = 0) AS "duplicate",
      count(*) FILTER (WHERE step > ${tf}) AS gaps, coalesce(sum(step // ${tf} - 1) FILTER (WHERE step > ${tf}), 0) AS missing
    FROM r`);
  const summary: Record<string, unknown> = {...pass};
  if (Number(pass.unsorted) > 0) {
    Object.assign(summary, (await db.rows(`
      WITH times AS (SELECT DISTINCT open_time_ms FROM ${relation}),
      steps AS (SELECT lead(open_time_ms) OVER (ORDER BY open_time_ms) - open_time_ms AS d FROM times)
      SELECT (SELECT count(*) FROM ${relation}) - (SELECT count(*) FROM times) AS "duplicate",
        count(*) FILTER (WHERE d > ${tf}) AS gaps, coalesce(sum(d // ${tf} - 1) FILTER (WHERE d > ${tf}), 0) AS missing
      FROM steps`))[0]);
  }
  const jumps = options.jumpFactor === undefined ? null : jumpRelation(relation, options.jumpFactor);
  summary.jump = jumps === null ? 0 : (await db.rows(`SELECT count(*) AS n FROM ${jumps}`))[0].n;
  const kinds: QualityIssueKind[] = ['gap', 'duplicate', 'unsorted', ...ROW_CHECKS.map(([k]) => k), 'jump'];
  const counts = Object.fromEntries(kinds.map((k) => [k, Number(summary[k === 'gap' ? 'gaps' : k])])) as Record<QualityIssueKind, number>;
  const examples = exampleQueries(tf, jumps).filter(([kind]) => counts[kind] > 0).map(([, sql]) => sql);
  const rows = examples.length === 0 ? [] : await db.rows(`WITH r AS (SELECT * FROM ${relation}) SELECT * FROM (${examples.join(' UNION ALL ')}) ORDER BY kind, rn`);
  return {
    rows: Number(summary.rows),
    firstMs: summary.first === null ? null : Number(summary.first),
    lastMs: summary.last === null ? null : Number(summary.last),
    gaps: counts.gap,
    missing: Number(summary.missing),
    counts,
    issues: rows.map((row) => ({
      kind: row.kind as QualityIssueKind,
      at: label(Number(row.rn), Number(row.open_time_ms)),
      timeMs: Number(row.open_time_ms),
      detail: String(row.detail),
    })),
  };
}

/** The rows of `relation` (in time order) that jump; with rn, open_time_ms and a detail. */
function jumpRelation(relation: string, factor: number): string {
  return `(SELECT rn, open_time_ms, format('moves {} ({}× the median range {} of the {} bars before)', round(move, 8), round(move / med, 1), round(med, 8), ${JUMP_WINDOW}) AS detail
    FROM (SELECT rn, open_time_ms, greatest(high - low, abs(open - lag(close) OVER w)) AS move,
        greatest(median(high - low) OVER (w ROWS BETWEEN ${JUMP_WINDOW} PRECEDING AND 1 PRECEDING), 0.0002 * abs(lag(close) OVER w)) AS med,
        count(*) OVER (w ROWS BETWEEN ${JUMP_WINDOW} PRECEDING AND 1 PRECEDING) AS history
      FROM ${relation} WHERE isfinite(open) AND isfinite(high) AND isfinite(low) AND isfinite(close) WINDOW w AS (ORDER BY open_time_ms, rn))
    WHERE history >= ${JUMP_MIN_HISTORY} AND med > 0 AND move > ${factor} * med)`;
}

/** One query per issue kind listing its first examples, over a CTE named r. */
function exampleQueries(tf: number, jumps: string | null): Array<readonly [QualityIssueKind, string]> {
  const limit = `ORDER BY rn LIMIT ${EXAMPLES_PER_KIND}`;
  return [
    ...(jumps === null ? [] : [['jump', `(SELECT 'jump' AS kind, rn, open_time_ms, detail FROM ${jumps} ${limit})`] as const]),
    ...ROW_CHECKS.map(([kind, where, detail]) => [kind, `(SELECT '${kind}' AS kind, rn, open_time_ms, ${detail} AS detail FROM r WHERE ${where} ${limit})`] as const),
    ['duplicate', `(SELECT 'duplicate' AS kind, rn, open_time_ms, 'repeats an earlier row' AS detail FROM (SELECT *, row_number() OVER (PARTITION BY open_time_ms ORDER BY rn) AS k FROM r) WHERE k > 1 ${limit})`],
    ['unsorted', `(SELECT 'unsorted' AS kind, rn, open_time_ms, 'earlier than the row before it' AS detail FROM (SELECT *, lag(open_time_ms) OVER (ORDER BY rn) AS prev FROM r) WHERE open_time_ms < prev ${limit})`],
    ['gap', `(SELECT 'gap' AS kind, rn, open_time_ms, format('{} missing candle(s) after this one', (next - open_time_ms) // ${tf} - 1) AS detail
      FROM (SELECT min(rn) AS rn, open_time_ms, lead(open_time_ms) OVER (ORDER BY open_time_ms) AS next FROM r GROUP BY open_time_ms)
      WHERE next - open_time_ms > ${tf} ORDER BY open_time_ms LIMIT ${EXAMPLES_PER_KIND})`],
  ];
}

/** Quality of one stored series; issues are located by candle time. */
export async function storedSeriesQuality(
  db: DuckDb,
  table: string,
  key: {exchange: string; symbol: string; timeframe: Timeframe},
  options: QualityOptions = {},
): Promise<QualityReport> {
  const relation = `(SELECT row_number() OVER (ORDER BY open_time_ms) AS rn, open_time_ms, open, high, low, close, volume FROM ${table}
    WHERE exchange = ${sqlString(key.exchange)} AND symbol = ${sqlString(key.symbol)} AND timeframe = ${sqlString(key.timeframe)})`;
  return seriesQuality(db, relation, key.timeframe, (_rn, timeMs) => new Date(timeMs).toISOString(), options);
}
