import {describe, expect, it} from 'vitest';
import {backtestRecordOf, decodeBacktestRecord, encodeBacktestRecord} from '../../src/app/backtest-record.js';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {useSampleStore} from '../support/sample-store.js';

describe('a backtest record', () => {
  const sample = useSampleStore();

  it('survives its wire form exactly: typed arrays, NaN readings, the journal and the summary', async () => {
    const run = await runBacktest(sample.store(), {strategy: 'ensemble', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2024, 2, 1), toMs: Date.UTC(2024, 3, 1)});
    const record = backtestRecordOf(run);
    const back = decodeBacktestRecord(encodeBacktestRecord(record));
    expect(back).toEqual(record);
    expect(back.bars.equity).toBeInstanceOf(Float64Array);
    expect(back.bars.timeMs.length).toBe(31 * 24);
    // The LLM source abstains (no answers recorded): the journal's decisions carry its score as NaN, kept NaN (JSON would give null).
    const llmScores = (r: typeof record) => r.journal.flatMap((e) => Object.entries((e as {scores?: Record<string, number>}).scores ?? {}).filter(([id]) => id.startsWith('llm.')).map(([, v]) => v));
    expect(llmScores(record).length).toBeGreaterThan(0);
    expect(llmScores(back).every(Number.isNaN)).toBe(true);
    expect(back.summary).toEqual(summarizeRun(run));
    expect(back.journal.length).toBe(run.journal.length);
  });
});
