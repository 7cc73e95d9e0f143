import {ErrorCode, IftbError, type LlmAnswerRow, type LlmAnswerStore, type LlmSeriesKey, type LlmSessionSpend, type RecordedLlmAnswer} from '../../core/index.js';
import {type DuckDb, firstLine} from './database.js';

const KEY_WHERE = 'prompt_id = $1 AND model = $2 AND exchange = $3 AND symbol = $4 AND timeframe = $5 AND bar_close_ms BETWEEN $6 AND $7';

const keyParams = (key: LlmSeriesKey, fromMs: number, toMs: number) => [
  key.promptId, key.model, key.exchange, key.symbol, key.timeframe, BigInt(Math.trunc(fromMs)), BigInt(Math.trunc(toMs)),
];

/**
 * The `llm_answers` table. Writes are serialised (recording runs several requests at once over one
 * connection); reads of a range are one query each.
 */
export class DuckDbLlmAnswerStore implements LlmAnswerStore {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: DuckDb) {}

  append(row: LlmAnswerRow): Promise<void> {
    const write = this.#queue.then(() => this.#insert(row));
    this.#queue = write.catch(() => undefined);
    return write;
  }

  async #insert(r: LlmAnswerRow): Promise<void> {
    try {
      await this.db.run(
        `INSERT INTO llm_answers (prompt_id, model, exchange, symbol, timeframe, bar_close_ms, request_hash, request_json, answer_json,
           response_model, latency_ms, prompt_tokens, completion_tokens, cost_usd, status, error, session_id, late)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
        [r.promptId, r.model, r.exchange, r.symbol, r.timeframe, BigInt(Math.trunc(r.barCloseMs)), r.requestHash, r.requestJson, r.answerJson,
          r.responseModel, r.latencyMs, r.promptTokens, r.completionTokens, r.costUsd, r.status, r.error, r.sessionId ?? null, r.late ?? false],
      );
    } catch (error) {
      throw new IftbError(ErrorCode.STORE_FAILED, `cannot store the LLM answer: ${firstLine(error)}`, {cause: error});
    }
  }

  async recorded(key: LlmSeriesKey, fromCloseMs: number, toCloseMs: number, sessionId?: string): Promise<RecordedLlmAnswer[]> {
    // A late answer (after a session's bar deadline) was used by no one: no replay reads it.
    const rows = await this.db.rows(
      `SELECT bar_close_ms, request_hash, answer_json, latency_ms, prompt_tokens, completion_tokens, cost_usd
       FROM llm_answers WHERE ${KEY_WHERE} AND status = 'ok' AND NOT coalesce(late, false)${sessionId === undefined ? '' : ' AND session_id = $8'}
       QUALIFY row_number() OVER (PARTITION BY bar_close_ms ORDER BY id DESC) = 1
       ORDER BY bar_close_ms`,
      sessionId === undefined ? keyParams(key, fromCloseMs, toCloseMs) : [...keyParams(key, fromCloseMs, toCloseMs), sessionId],
    );
    return rows.map((r) => ({
      barCloseMs: Number(r.bar_close_ms),
      requestHash: String(r.request_hash),
      answer: parseJson(r.answer_json),
      latencyMs: Number(r.latency_ms),
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      costUsd: Number(r.cost_usd),
    }));
  }

  async answeredRequests(key: LlmSeriesKey, fromCloseMs: number, toCloseMs: number): Promise<Set<string>> {
    const rows = await this.db.rows(
      `SELECT DISTINCT bar_close_ms, request_hash FROM llm_answers WHERE ${KEY_WHERE} AND status = 'ok' AND NOT coalesce(late, false)`,
      keyParams(key, fromCloseMs, toCloseMs),
    );
    return new Set(rows.map((r) => `${Number(r.bar_close_ms)}:${String(r.request_hash)}`));
  }

  async sessionSpend(sessionId: string): Promise<LlmSessionSpend> {
    const [row] = await this.db.rows('SELECT count(*) AS calls, coalesce(sum(cost_usd), 0) AS cost FROM llm_answers WHERE session_id = $1', [sessionId]);
    return {calls: Number(row.calls), costUsd: Number(row.cost)};
  }

  /** Every row of a series in the range, oldest first (for tests and audits). */
  async rows(key: LlmSeriesKey, fromCloseMs = 0, toCloseMs = Number.MAX_SAFE_INTEGER): Promise<LlmAnswerRow[]> {
    const rows = await this.db.rows(`SELECT * FROM llm_answers WHERE ${KEY_WHERE} ORDER BY id`, keyParams(key, fromCloseMs, toCloseMs));
    return rows.map((r) => ({
      promptId: String(r.prompt_id), model: String(r.model), exchange: String(r.exchange), symbol: String(r.symbol),
      timeframe: String(r.timeframe) as LlmAnswerRow['timeframe'], barCloseMs: Number(r.bar_close_ms), requestHash: String(r.request_hash),
      requestJson: String(r.request_json), answerJson: r.answer_json === null ? null : String(r.answer_json),
      responseModel: r.response_model === null ? null : String(r.response_model), latencyMs: Number(r.latency_ms),
      promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens), costUsd: Number(r.cost_usd),
      status: String(r.status) as LlmAnswerRow['status'], error: r.error === null ? null : String(r.error),
      sessionId: r.session_id === null || r.session_id === undefined ? null : String(r.session_id), late: r.late === true,
    }));
  }
}

function parseJson(value: unknown): unknown {
  try {
    return JSON.parse(String(value));
  } catch {
    return null;
  }
}
