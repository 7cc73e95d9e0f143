import {describe, expect, it} from 'vitest';
import {type BarColumns, type FundingSeries, type NewsItem} from '../../../src/core/index.js';
import {
  buildLlmRequest,
  DEFAULT_SNAPSHOT,
  LLM_ANSWER_JSON_SCHEMA,
  marketSnapshot,
  parseAnswer,
  promptTemplate,
  requestHash,
  type SnapshotOptions,
  validateAnswer,
} from '../../../src/signals/llm/index.js';
import {createTaAnalyzer, rsi} from '../../../src/signals/ta/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function bars(n: number, seed = 1): BarColumns {
  const openTime = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let price = 40_000;
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    const move = ((s / 2147483647) - 0.5) * 400;
    openTime[i] = T0 + i * HOUR;
    open[i] = price;
    close[i] = price + move;
    high[i] = Math.max(open[i], close[i]) + 50;
    low[i] = Math.min(open[i], close[i]) - 50;
    volume[i] = 100 + (s % 50);
    price = close[i];
  }
  return {length: n, openTime, open, high, low, close, volume};
}

const OPTIONS: SnapshotOptions = {
  ...DEFAULT_SNAPSHOT, symbol: 'BTC/USDT:USDT', timeframe: '1h', timeframeMs: HOUR,
  readings: () => ({ta: createTaAnalyzer(), indicators: {'RSI(14)': rsi(14)}}),
};
const template = promptTemplate('market-read@v1');
const hashAt = (b: BarColumns, i: number, funding: FundingSeries | null = null, news: NewsItem[] = []) =>
  requestHash(buildLlmRequest(template, marketSnapshot(b, i, OPTIONS, funding, news), 'm', 0));

describe('LLM answers', () => {
  it('accepts a well-formed answer and refuses anything else', () => {
    const good = {direction: 'long', confidence: 0.7, horizon: '4h', rationale: 'higher lows'};
    expect(validateAnswer(good)).toEqual({ok: true, answer: good});
    expect(parseAnswer('```json\n' + JSON.stringify(good) + '\n```').ok).toBe(true);
    for (const bad of [
      {...good, direction: 'up'}, {...good, confidence: 1.2}, {...good, confidence: -0.1}, {...good, horizon: '2w'},
      {...good, rationale: ''}, {...good, rationale: 'x'.repeat(601)}, {...good, extra: 1}, {direction: 'long'},
    ]) {
      expect(validateAnswer(bad).ok, JSON.stringify(bad).slice(0, 60)).toBe(false);
    }
    expect(parseAnswer('{"direction": "long"').ok).toBe(false);
  });

  it('asks for a strict JSON schema that names every property as required and allows no others', () => {
    const schema = LLM_ANSWER_JSON_SCHEMA as {properties: Record<string, unknown>; required: string[]; additionalProperties: boolean};
    expect(schema.required.sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.additionalProperties).toBe(false);
    expect(() => promptTemplate('market-read@v9')).toThrow(/unknown LLM prompt 'market-read@v9' \(known: market-read@v1\)/);
  });
});

describe('point-in-time prompt context', () => {
  const b = bars(600);

  it('holds only bars up to the snapshot bar, in a window that does not depend on what was loaded around it', () => {
    const i = 450;
    const snap = marketSnapshot(b, i, OPTIONS, null, []);
    expect(snap.closeTimeMs).toBe(b.openTime[i] + HOUR);
    expect(snap.recent.at(-1)!.openTime).toBe(b.openTime[i]);
    expect(snap.recent).toHaveLength(24);
    expect(snap.ta.active).toBe(true);
    // Later bars changed or cut off, earlier bars beyond the window changed: the same request.
    const later = bars(600, 99);
    const spliced: BarColumns = {...b, close: Float64Array.from(b.close, (c, k) => (k > i ? later.close[k] : c))};
    const cut = (n: number, from = 0): BarColumns => ({
      length: n - from, openTime: b.openTime.slice(from, n), open: b.open.slice(from, n), high: b.high.slice(from, n),
      low: b.low.slice(from, n), close: b.close.slice(from, n), volume: b.volume.slice(from, n),
    });
    const h = hashAt(b, i);
    expect(hashAt(spliced, i)).toBe(h);
    expect(hashAt(cut(i + 1), i)).toBe(h);
    expect(hashAt(cut(600, 100), i - 100)).toBe(h);
    expect(hashAt(b, i + 1)).not.toBe(h);
  });

  it('shows only headlines and funding at or before the close', () => {
    const i = 400;
    const close = b.openTime[i] + HOUR;
    const news: NewsItem[] = [
      {timeMs: close - 3 * 86_400_000, source: 'old', headline: 'too old'},
      {timeMs: close - HOUR, source: 'wire', headline: 'ETF inflows rise'},
      {timeMs: close, source: 'wire', headline: 'at the close'},
      {timeMs: close + 1, source: 'wire', headline: 'FUTURE crash'},
    ];
    const funding: FundingSeries = {
      exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', length: 2,
      time: Float64Array.of(close - 4 * HOUR, close + 4 * HOUR), rate: Float64Array.of(0.0001, 0.05), markPrice: Float64Array.of(NaN, NaN),
    };
    const snap = marketSnapshot(b, i, OPTIONS, funding, news);
    expect(snap.news.map((n) => n.headline)).toEqual(['ETF inflows rise', 'at the close']);
    expect(snap.funding).toEqual({rate: 0.0001, timeMs: close - 4 * HOUR});
    const text = template.render(snap);
    expect(text).not.toMatch(/FUTURE|too old|5\.0000 %/);
    expect(text).toMatch(/ETF inflows rise/);
    expect(text).toMatch(/Funding rate: \+0\.0100 % per 8 h/);
    // A headline published after the close never changes that bar's request.
    expect(hashAt(b, i, funding, news)).toBe(hashAt(b, i, funding, news.slice(0, 3)));
  });

  it('hashes equal requests equally, whatever the key order', () => {
    const req = buildLlmRequest(template, marketSnapshot(b, 300, OPTIONS, null, []), 'm', 0);
    const reordered = JSON.parse(JSON.stringify({responseFormat: req.responseFormat, messages: req.messages, temperature: 0, model: 'm'}));
    expect(requestHash(reordered)).toBe(requestHash(req));
    expect(requestHash({...req, model: 'other'})).not.toBe(requestHash(req));
  });
});
