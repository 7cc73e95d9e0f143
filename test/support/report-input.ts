/** A ReportInput from a real backtest on the shipped sample, as `iftb backtest` builds it. */
import type {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {reportInputOf} from '../../src/app/backtest-record.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import type {ReportInput} from '../../src/report/index.js';

export async function sampleReportInput(store: DuckDbStore, config: Record<string, unknown>): Promise<ReportInput> {
  const run = await runBacktest(store, config);
  return reportInputOf(run, summarizeRun(run));
}

/** A run with nothing in it: flat equity, no journal, no trades, one abstaining source. */
export function emptyReportInput(bars = 200, interval: {timeframe: string; stepMs: number} = {timeframe: '1h', stepMs: 3_600_000}): ReportInput {
  const step = interval.stepMs;
  const timeMs = Float64Array.from({length: bars}, (_, i) => Date.UTC(2024, 0, 1) + (i + 1) * step);
  const zeros = () => new Float64Array(bars);
  const accuracy = {
    horizonBars: 12, samples: 0, hits: 0, hitRate: null, meanSignedReturn: null,
    long: {samples: 0, hits: 0, hitRate: null}, short: {samples: 0, hits: 0, hitRate: null}, byConfidence: [],
    calibration: {meanConfidence: null, confidenceHitCorrelation: null},
  };
  const metrics = {
    totalReturn: 0, cagr: 0, sharpe: null, sortino: null, calmar: null, maxDrawdown: 0, maxDrawdownDurationMs: 0, winRate: null,
    profitFactor: null, expectancy: null, avgWin: null, avgLoss: null, exposure: 0, tradeCount: 0, fees: 0, funding: 0,
    liquidationFees: 0, slippage: 0, liquidations: 0, finalEquity: 1000, bars,
  };
  return {
    summary: {
      runId: 'empty0000000', mode: 'backtest', strategy: {name: 'idle', version: '0.0.1', params: {}},
      market: {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: interval.timeframe, firstBarMs: timeMs[0] - step, lastBarMs: timeMs[bars - 1] - step, warmupBars: 0},
      config: {cash: 1000, funding: false}, configHash: 'c'.repeat(64), dataHash: 'd'.repeat(64), finalEquity: 1000, bars, trades: 0, metrics,
      sources: [{id: 'llm.read@v1', source: 'llm', activeBars: 0, status: 'abstained', note: 'no LLM endpoint configured', weight: 0.25, accuracy}],
      ensembleAccuracy: accuracy, events: {},
    },
    bars: {
      length: bars, timeMs, close: Float64Array.from({length: bars}, (_, i) => 100 + Math.sin(i / 9)), equity: zeros().fill(1000), position: zeros(),
      ensemble: {score: zeros(), confidence: zeros(), active: new Uint8Array(bars)},
      signals: [{id: 'llm.read@v1', source: 'llm', score: zeros(), confidence: zeros(), active: new Uint8Array(bars)}],
    },
    journal: [],
    trades: [],
    cash: [{timeMs: timeMs[0] - 3_600_000, kind: 'deposit', amount: 1000, balance: 1000}],
  };
}
