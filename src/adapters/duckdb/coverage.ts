import {type Timeframe, timeframeMs, TIMEFRAMES} from '../../core/index.js';
import type {DuckDb} from './database.js';

export interface CoverageRow {
  readonly kind: 'candles' | 'mark' | 'funding';
  readonly exchange: string;
  readonly symbol: string;
  /** '8h' spacing is assumed for funding gaps; Binance settles BTC and ETH every 8 hours. */
  readonly timeframe: string;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly rows: number;
  readonly gaps: number;
  readonly missing: number;
}

const FUNDING_INTERVAL_MS = 8 * 3_600_000;
/** Funding timestamps carry a few ms of jitter; a step counts as a gap only past this slack. */
const FUNDING_SLACK_MS = 60_000;

function stepCase(): string {
  return `CASE timeframe ${TIMEFRAMES.map((tf) => `WHEN '${tf}' THEN ${timeframeMs(tf as Timeframe)}`).join(' ')} END`;
}

/** One row per stored series: first and last candle, row count, gaps and missing candles. */
export async function listCoverage(db: DuckDb): Promise<CoverageRow[]> {
  const candleSql = (table: string, kind: string) => `
    SELECT '${kind}' AS kind, exchange, symbol, timeframe, min(open_time_ms) AS first, max(open_time_ms) AS last, count(*) AS n,
      count(*) FILTER (WHERE d > step) AS gaps, coalesce(sum(d // step - 1) FILTER (WHERE d > step), 0) AS missing
    FROM (SELECT *, ${stepCase()} AS step,
            lead(open_time_ms) OVER (PARTITION BY exchange, symbol, timeframe ORDER BY open_time_ms) - open_time_ms AS d
          FROM ${table})
    GROUP BY ALL`;
  const fundingSql = `
    SELECT 'funding' AS kind, exchange, symbol, '8h' AS timeframe, min(funding_time_ms), max(funding_time_ms), count(*),
      count(*) FILTER (WHERE d > ${FUNDING_INTERVAL_MS + FUNDING_SLACK_MS}),
      coalesce(sum(round(d / ${FUNDING_INTERVAL_MS}) - 1) FILTER (WHERE d > ${FUNDING_INTERVAL_MS + FUNDING_SLACK_MS}), 0)
    FROM (SELECT *, lead(funding_time_ms) OVER (PARTITION BY exchange, symbol ORDER BY funding_time_ms) - funding_time_ms AS d
          FROM funding_rates)
    GROUP BY ALL`;
  const rows = await db.rows(
    `${candleSql('candles', 'candles')} UNION ALL ${candleSql('mark_candles', 'mark')} UNION ALL ${fundingSql}
     ORDER BY exchange, symbol, kind, timeframe`,
  );
  return rows.map((row) => ({
    kind: row.kind as CoverageRow['kind'],
    exchange: String(row.exchange),
    symbol: String(row.symbol),
    timeframe: String(row.timeframe),
    firstMs: Number(row.first),
    lastMs: Number(row.last),
    rows: Number(row.n),
    gaps: Number(row.gaps),
    missing: Number(row.missing),
  }));
}
