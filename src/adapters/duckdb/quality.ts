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
  | 'negative-volume';

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

/** Row predicates for the per-row checks; each row that matches is one issue. */
const ROW_CHECKS: ReadonlyArray<readonly [QualityIssueKind, string, string]> = [
  ['nan', 'isnan(open) OR isnan(high) OR isnan(low) OR isnan(close) OR isnan(volume)', "'NaN value'"],
  ['high-below-body', 'high < greatest(open, close)', "format('high {} < max(open, close) {}', high, greatest(open, close))"],
  ['low-above-body', 'low > least(open, close)', "format('low {} > min(open, close) {}', low, least(open, close))"],
  ['high-below-low', 'high < low', "format('high {} < low {}', high, low)"],
  ['negative-volume', 'volume < 0', "format('volume {}', volume)"],
];

/**
 * Checks a relation (rn, open_time_ms, open, high, low, close, volume), rn being the row's
 * position in its source. Reports; never changes a row.
 */
export async function seriesQuality(
  db: DuckDb,
  relation: string,
  timeframe: Timeframe,
  label: (rn: number, timeMs: number) => string,
): Promise<QualityReport> {
  const tf = timeframeMs(timeframe);
  const examples = [
    ...ROW_CHECKS.map(([kind, where, detail]) => `(SELECT '${kind}' AS kind, rn, open_time_ms, ${detail} AS detail FROM r WHERE ${where} ORDER BY rn LIMIT ${EXAMPLES_PER_KIND})`),
    `(SELECT 'duplicate', rn, open_time_ms, 'repeats an earlier row' FROM (SELECT *, row_number() OVER (PARTITION BY open_time_ms ORDER BY rn) AS k FROM r) WHERE k > 1 ORDER BY rn LIMIT ${EXAMPLES_PER_KIND})`,
    `(SELECT 'unsorted', rn, open_time_ms, 'earlier than the row before it' FROM (SELECT *, lag(open_time_ms) OVER (ORDER BY rn) AS prev FROM r) WHERE open_time_ms < prev ORDER BY rn LIMIT ${EXAMPLES_PER_KIND})`,
    `(SELECT 'gap', rn, open_time_ms, format('{} candles missing after this one', (next - open_time_ms) // ${tf} - 1)
      FROM (SELECT min(rn) AS rn, open_time_ms, lead(open_time_ms) OVER (ORDER BY open_time_ms) AS next FROM r GROUP BY open_time_ms)
      WHERE next - open_time_ms > ${tf} ORDER BY open_time_ms LIMIT ${EXAMPLES_PER_KIND})`,
  ].join(' UNION ALL ');
  const counts = ROW_CHECKS.map(([kind, where]) => `count(*) FILTER (WHERE ${where}) AS "${kind}"`).join(', ');
  const [summary] = await db.rows(`
    WITH r AS (SELECT * FROM ${relation}),
    times AS (SELECT DISTINCT open_time_ms FROM r),
    steps AS (SELECT lead(open_time_ms) OVER (ORDER BY open_time_ms) - open_time_ms AS d FROM times),
    ordered AS (SELECT open_time_ms < lag(open_time_ms) OVER (ORDER BY rn) AS back FROM r)
    SELECT count(*) AS rows, min(open_time_ms) AS first, max(open_time_ms) AS last, ${counts},
      count(*) - (SELECT count(*) FROM times) AS "duplicate",
      (SELECT count(*) FILTER (WHERE back) FROM ordered) AS "unsorted",
      (SELECT count(*) FILTER (WHERE d > ${tf}) FROM steps) AS gaps,
      (SELECT coalesce(sum(d // ${tf} - 1) FILTER (WHERE d > ${tf}), 0) FROM steps) AS missing
    FROM r`);
  const rows = await db.rows(`WITH r AS (SELECT * FROM ${relation}) SELECT * FROM (${examples}) ORDER BY kind, rn`);
  const kinds: QualityIssueKind[] = ['gap', 'duplicate', 'unsorted', ...ROW_CHECKS.map(([k]) => k)];
  return {
    rows: Number(summary.rows),
    firstMs: summary.first === null ? null : Number(summary.first),
    lastMs: summary.last === null ? null : Number(summary.last),
    gaps: Number(summary.gaps),
    missing: Number(summary.missing),
    counts: Object.fromEntries(kinds.map((k) => [k, Number(summary[k] ?? (k === 'gap' ? summary.gaps : 0))])) as Record<QualityIssueKind, number>,
    issues: rows.map((row) => ({
      kind: row.kind as QualityIssueKind,
      at: label(Number(row.rn), Number(row.open_time_ms)),
      timeMs: Number(row.open_time_ms),
      detail: String(row.detail),
    })),
  };
}

/** Quality of one stored series; issues are located by candle time. */
export async function storedSeriesQuality(db: DuckDb, table: string, key: {exchange: string; symbol: string; timeframe: Timeframe}): Promise<QualityReport> {
  const relation = `(SELECT row_number() OVER (ORDER BY open_time_ms) AS rn, open_time_ms, open, high, low, close, volume FROM ${table}
    WHERE exchange = ${sqlString(key.exchange)} AND symbol = ${sqlString(key.symbol)} AND timeframe = ${sqlString(key.timeframe)})`;
  return seriesQuality(db, relation, key.timeframe, (_rn, timeMs) => new Date(timeMs).toISOString());
}
