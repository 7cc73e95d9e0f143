import type {BarColumns, ExchangeId, FundingSeries, SymbolId, TimeRange} from '../market.js';
import type {Timeframe} from '../timeframe.js';

/** One chat message of a request. */
export interface LlmMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

/**
 * What is sent to an OpenAI-compatible chat endpoint: everything that decides the answer. Its
 * canonical JSON is hashed (`requestHash`) and stored with the answer.
 */
export interface LlmRequest {
  readonly model: string;
  readonly temperature: number;
  readonly messages: readonly LlmMessage[];
  /** Sent as `response_format: {type: 'json_schema', json_schema: {name, strict, schema}}`. */
  readonly responseFormat: {readonly name: string; readonly strict: boolean; readonly schema: Readonly<Record<string, unknown>>};
}

/** Why a request failed. `fatal` failures (bad API key, unknown model or path) stop the whole job. */
export type LlmFailureKind = 'timeout' | 'connection' | 'rate-limit' | 'server' | 'auth' | 'not-found' | 'bad-request' | 'empty';

/** The outcome of one HTTP request, as a value: the client never throws. */
export type LlmCompletion =
  | {
      readonly ok: true;
      /** The assistant message content, unparsed. */
      readonly content: string;
      /** The model the server says answered (may be a dated snapshot of the requested one). */
      readonly responseModel: string | null;
      readonly promptTokens: number;
      readonly completionTokens: number;
      readonly latencyMs: number;
    }
  | {
      readonly ok: false;
      readonly kind: LlmFailureKind;
      readonly status: number | null;
      readonly message: string;
      readonly fatal: boolean;
      /** Server's Retry-After, when it sent one. */
      readonly retryAfterMs: number | null;
      readonly latencyMs: number;
    };

/** An OpenAI-compatible chat endpoint. One call is one HTTP request (no hidden retries). */
export interface LlmClient {
  /** Where requests go, for messages (never contains the API key). */
  readonly endpoint: string;
  complete(request: LlmRequest): Promise<LlmCompletion>;
}

export type LlmDirection = 'long' | 'short' | 'neutral';

/** A validated structured answer. */
export interface LlmAnswer {
  readonly direction: LlmDirection;
  /** 0 … 1. */
  readonly confidence: number;
  /** How far ahead the view reaches ('1h', '4h', '12h', '1d', '3d', '1w'). */
  readonly horizon: string;
  readonly rationale: string;
}

export type LlmAnswerStatus = 'ok' | 'invalid' | 'error';

/** Which recorded answers belong together: one prompt version, one model, one market series. */
export interface LlmSeriesKey {
  readonly promptId: string;
  readonly model: string;
  readonly exchange: ExchangeId;
  readonly symbol: SymbolId;
  readonly timeframe: Timeframe;
}

/** One stored request and its outcome (every attempt is stored, failures too). */
export interface LlmAnswerRow extends LlmSeriesKey {
  /** Close time of the bar the prompt was built at (the prompt holds nothing later). */
  readonly barCloseMs: number;
  /** sha256 of the canonical request JSON. */
  readonly requestHash: string;
  readonly requestJson: string;
  /** The validated answer (ok), the raw reply text (invalid), or null (error). */
  readonly answerJson: string | null;
  readonly responseModel: string | null;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly status: LlmAnswerStatus;
  readonly error: string | null;
  /** The paper/live session that asked (absent or null: a backtest or a recording). */
  readonly sessionId?: string | null;
  /** The answer arrived after the bar's live deadline: the bar abstained; never replayed. */
  readonly late?: boolean;
}

/** The answer a replay uses for one bar: the latest `ok` row recorded for it. */
export interface RecordedLlmAnswer {
  readonly barCloseMs: number;
  readonly requestHash: string;
  /** Parsed answer JSON; the analyzer validates it again before use. */
  readonly answer: unknown;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** What a session's requests have used of its budget (every attempt it stored, late ones too). */
export interface LlmSessionSpend {
  readonly calls: number;
  readonly costUsd: number;
}

/** Recorded LLM requests and answers (DuckDB table `llm_answers`). */
export interface LlmAnswerStore {
  append(row: LlmAnswerRow): Promise<void>;
  /**
   * The latest ok, on-time answer per bar close in [fromCloseMs, toCloseMs], oldest bar first: one
   * query. With `sessionId`, only that session's own answers (what it really used).
   */
  recorded(key: LlmSeriesKey, fromCloseMs: number, toCloseMs: number, sessionId?: string): Promise<RecordedLlmAnswer[]>;
  /** Calls and spend of a session's rows (its per-session budget survives a restart); absent: not tracked. */
  sessionSpend?(sessionId: string): Promise<LlmSessionSpend>;
  /** `${barCloseMs}:${requestHash}` of every ok answer in the range (what a resumed recording skips). */
  answeredRequests(key: LlmSeriesKey, fromCloseMs: number, toCloseMs: number): Promise<Set<string>>;
}

/** A timestamped headline; only items with timeMs ≤ a bar's close may reach that bar's prompt. */
export interface NewsItem {
  readonly timeMs: number;
  readonly source: string;
  readonly headline: string;
}

/**
 * Point-in-time inputs of prompts, read once for a whole range: a prompt at bar t uses only the
 * part at or before t's close.
 */
export interface PromptContextSource {
  /** Stored candles of the series in the range (the history prompts are built from). */
  bars(range: TimeRange): Promise<BarColumns>;
  /** Funding settlements in the range (null: none stored). */
  funding(range: TimeRange): Promise<FundingSeries | null>;
  /** Headlines for the symbol (and market-wide ones) in the range, ordered by time. */
  news(range: TimeRange): Promise<NewsItem[]>;
}
