import {describe, expect, it} from 'vitest';
import {runBacktest} from '../../src/app/backtest-runner.js';
import {summarizeRun} from '../../src/app/run-summary.js';
import {useSampleStore} from '../support/sample-store.js';

const BASE = {strategy: 'sma-cross', symbol: 'BTC/USDT:USDT', timeframe: '1h', fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 1, 1)};

describe('run identity', () => {
  const sample = useSampleStore();

  it('writes the same run.json whatever order the params came in', async () => {
    const a = await runBacktest(sample.store(), {...BASE, params: {fast: 10, slow: 30}});
    const b = await runBacktest(sample.store(), {...BASE, params: {slow: 30, fast: 10}});
    expect(b.runId).toBe(a.runId);
    expect(JSON.stringify(summarizeRun(b))).toBe(JSON.stringify(summarizeRun(a)));
  });

  it('hashes the strategy source, and ignores LLM settings for a strategy without an LLM source', async () => {
    const plain = await runBacktest(sample.store(), BASE);
    expect(plain.resolvedConfig.strategySource).toMatch(/^[0-9a-f]{64}$/);
    const withLlm = await runBacktest(sample.store(), {...BASE, llm: {model: 'gpt-4.1'}});
    expect(withLlm.runId).toBe(plain.runId);
    const otherParams = await runBacktest(sample.store(), {...BASE, params: {fast: 11}});
    expect(otherParams.runId).not.toBe(plain.runId);
  });
});
