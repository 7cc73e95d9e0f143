/**
 * Versioned prompts. A prompt id ('market-read@v1') names an exact system text and an exact
 * rendering of a snapshot; any change to either is a new version (market-read@v2), never an edit,
 * because recorded answers are stored and replayed under the id.
 */
import {createHash} from 'node:crypto';
import {ErrorCode, IftbError, type LlmRequest} from '../../core/index.js';
import {LLM_ANSWER_JSON_SCHEMA, MAX_RATIONALE} from './answer.js';
import type {MarketSnapshot} from './context.js';

export interface PromptTemplate {
  readonly id: string;
  readonly system: string;
  render(snapshot: MarketSnapshot): string;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';
/** Fixed significant digits, no exponent for prices and volumes in the usual ranges. */
const num = (x: number, digits = 6) => (Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : 'n/a');
const signed = (x: number, decimals: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(decimals)}` : 'n/a');
const pct = (x: number, decimals = 2) => (Number.isFinite(x) ? `${signed(x * 100, decimals)} %` : 'n/a');

const TA_LABELS: Readonly<Record<string, readonly [label: string, format: (x: number) => string]>> = {
  meanReversion: ['mean reversion', (x) => signed(x, 2)],
  trend: ['trend', (x) => signed(x, 2)],
  trendWeight: ['trend weight (0 range … 1 trend)', (x) => x.toFixed(2)],
  pattern: ['candlestick patterns', (x) => signed(x, 2)],
  volatilityRatio: ['volatility vs normal', (x) => `${x.toFixed(2)}×`],
};

const MARKET_READ_V1: PromptTemplate = {
  id: 'market-read@v1',
  system: [
    'You are a quantitative analyst for Binance USDⓈ-M perpetual futures.',
    'You read one market snapshot and give a directional view for the coming hours to days.',
    'Use only the data in the message: it is everything known at the snapshot time. Do not use any knowledge of events after that time.',
    'Reply with JSON only: direction (long, short or neutral), confidence from 0 to 1 (0.5 is a coin flip),',
    `horizon (1h, 4h, 12h, 1d, 3d or 1w) and a rationale of one or two sentences (at most ${MAX_RATIONALE} characters).`,
  ].join(' '),
  render(s: MarketSnapshot): string {
    const lines: string[] = [];
    lines.push(`Market: ${s.symbol} perpetual, ${s.timeframe} candles. Snapshot time: ${iso(s.closeTimeMs)} (close of the latest candle).`);
    lines.push('');
    lines.push(`Last ${s.recent.length} closed candles (UTC open time, open, high, low, close, volume):`);
    for (const b of s.recent) lines.push(`${iso(b.openTime)},${num(b.open)},${num(b.high)},${num(b.low)},${num(b.close)},${num(b.volume)}`);
    if (s.changes.length > 0) lines.push(`Change: ${s.changes.map((c) => `${c.bars} bar${c.bars === 1 ? '' : 's'} ${pct(c.change)}`).join(', ')}.`);
    lines.push('');
    if (s.ta.active) {
      const parts = Object.entries(TA_LABELS)
        .filter(([key]) => key in s.ta.components)
        .map(([key, [label, format]]) => `${label} ${Number.isFinite(s.ta.components[key]) ? format(s.ta.components[key]) : 'n/a'}`);
      lines.push(`Technical analysis (${s.ta.id}): score ${signed(s.ta.score, 3)} (−1 short … +1 long), confidence ${s.ta.confidence.toFixed(2)}` +
        (parts.length > 0 ? `; ${parts.join(', ')}.` : '.'));
    } else {
      lines.push(`Technical analysis (${s.ta.id}): no reading (not enough history).`);
    }
    const indicators = Object.entries(s.indicators).map(([name, value]) => `${name} ${num(value, 5)}`);
    if (indicators.length > 0) lines.push(`Indicators: ${indicators.join(', ')}.`);
    lines.push(s.funding === null
      ? 'Funding rate: none settled in the last day.'
      : `Funding rate: ${pct(s.funding.rate, 4)} per 8 h (settled ${iso(s.funding.timeMs)}).`);
    lines.push('');
    if (s.news.length === 0) lines.push('Headlines: none.');
    else {
      lines.push('Headlines (UTC, newest last):');
      for (const n of s.news) lines.push(`${iso(n.timeMs)} [${n.source}] ${n.headline}`);
    }
    return lines.join('\n');
  },
};

const PROMPTS: Readonly<Record<string, PromptTemplate>> = {[MARKET_READ_V1.id]: MARKET_READ_V1};

export const PROMPT_IDS: readonly string[] = Object.keys(PROMPTS);

export function promptTemplate(id: string): PromptTemplate {
  const template = PROMPTS[id];
  if (!template) throw new IftbError(ErrorCode.CONFIG_INVALID, `unknown LLM prompt '${id}' (known: ${PROMPT_IDS.join(', ')})`);
  return template;
}

/** The request for a snapshot: system + rendered user message, JSON-schema answer, temperature. */
export function buildLlmRequest(template: PromptTemplate, snapshot: MarketSnapshot, model: string, temperature: number): LlmRequest {
  return {
    model,
    temperature,
    messages: [
      {role: 'system', content: template.system},
      {role: 'user', content: template.render(snapshot)},
    ],
    responseFormat: {name: 'market_read', strict: true, schema: LLM_ANSWER_JSON_SCHEMA},
  };
}

/** JSON with keys sorted at every level. */
export function canonicalRequestJson(request: LlmRequest): string {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sort((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return JSON.stringify(sort(request));
}

/** sha256 of the canonical request JSON: equal requests, equal hashes. */
export function requestHash(request: LlmRequest): string {
  return createHash('sha256').update(canonicalRequestJson(request)).digest('hex');
}
