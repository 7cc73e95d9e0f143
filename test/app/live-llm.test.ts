import {describe, expect, it} from 'vitest';
import {parseLiveConfig} from '../../src/app/live-config.js';
import {liveLlmDeadlineMs, refuseUnsupportedLlm} from '../../src/app/live-llm.js';
import type {StateStores} from '../../src/app/state-stores.js';
import {LlmAnalyzer} from '../../src/signals/llm/index.js';
import {promptReadings} from '../../src/app/llm-runtime.js';

const base = {strategy: 'ensemble', symbol: 'BTC/USDT:USDT'};

describe('the LLM source of a session: deadline and store', () => {
  it('waits min(llm.timeoutMs, live.llmDeadlineFraction × timeframe)', () => {
    expect(liveLlmDeadlineMs(parseLiveConfig({...base, timeframe: '1m'}))).toBe(10_000);
    expect(liveLlmDeadlineMs(parseLiveConfig({...base, timeframe: '1m', live: {llmDeadlineFraction: 0.05}}))).toBe(3000);
    expect(liveLlmDeadlineMs(parseLiveConfig({...base, timeframe: '1h', llm: {timeoutMs: 20_000}}))).toBe(20_000);
    expect(liveLlmDeadlineMs(parseLiveConfig({...base, timeframe: '1m', llm: {timeoutMs: 2000}}))).toBe(2000);
  });

  it('refuses llm.mode call or news feeds on a store without the LLM tables (PostgreSQL), with one line', () => {
    const pg = {kind: 'postgres'} as StateStores;
    const config = parseLiveConfig({...base, timeframe: '1m', llm: {mode: 'call'}});
    const llm = new LlmAnalyzer({
      promptId: 'market-read@v1', config: config.trading.llm, market: {exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1m', timeframeMs: 60_000},
      answers: null, client: null, context: null, readings: promptReadings, journal: () => {}, decisionFromMs: 0, strict: false,
    });
    expect(() => refuseUnsupportedLlm(config, pg, [llm])).toThrow('llm.mode call in a session needs the DuckDB store');
    const feeds = parseLiveConfig({...base, timeframe: '1m', news: {feeds: [{name: 'w', kind: 'rss', url: 'https://x.test/rss'}]}});
    expect(() => refuseUnsupportedLlm(feeds, pg, [])).toThrow('news feeds in a session needs the DuckDB store');
    expect(() => refuseUnsupportedLlm(config, {kind: 'duckdb', llm: {}} as StateStores, [llm], false)).toThrow('llm.mode call needs an LLM endpoint: set IFTB_LLM_BASE_URL');
    // replay (the default) asks nothing: it runs on PostgreSQL, the source abstaining.
    expect(() => refuseUnsupportedLlm(parseLiveConfig({...base, timeframe: '1m'}), pg, [llm])).not.toThrow();
  });
});
