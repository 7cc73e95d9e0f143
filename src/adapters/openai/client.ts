import type OpenAI from 'openai';
import type {LlmClient, LlmCompletion, LlmFailureKind, LlmRequest} from '../../core/index.js';
import type {LlmEndpoint} from './env.js';

export interface OpenAiClientOptions {
  /** Per request, connection to last byte; the SDK aborts past it. */
  readonly timeoutMs: number;
}

type OpenAiSdk = typeof OpenAI;
/** The SDK, loaded with the first request: composing a run (a sweep's worker, a backtest without answers to fetch) never pays for it. */
let sdk: Promise<OpenAiSdk> | null = null;
const openAiSdk = () => (sdk ??= import('openai').then((m) => m.default));

/** Deepest cause's message ("connect ECONNREFUSED 127.0.0.1:9"): the SDK's own says only "Connection error." */
function rootCause(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
    else if (typeof current === 'string') message = current;
  }
  return message;
}

function retryAfterMs(headers: Headers | undefined): number | null {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms)) return ms;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

type Failure = Extract<LlmCompletion, {ok: false}>;

function failure(OpenAI: OpenAiSdk, error: unknown, endpoint: string, latencyMs: number, model: string): Failure {
  const make = (kind: LlmFailureKind, status: number | null, message: string, fatal = false, retryAfter: number | null = null): Failure => ({
    ok: false, kind, status, message, fatal, retryAfterMs: retryAfter, latencyMs,
  });
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof OpenAI.APIUserAbortError) {
    return make('timeout', null, `no answer from ${endpoint} within the timeout`);
  }
  if (error instanceof OpenAI.APIConnectionError) return make('connection', null, `cannot reach ${endpoint}: ${rootCause(error)}`);
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const detail = error.message.replace(/^\d{3}\s*/, '') || 'no message';
    if (status === 401 || status === 403) {
      return make('auth', status, `${endpoint} refused the API key (${status} ${detail}): check OPENAI_API_KEY`, true);
    }
    if (status === 404) return make('not-found', status, `${endpoint} has no model '${model}' or no /chat/completions (${status} ${detail}): check IFTB_LLM_BASE_URL and the model`, true);
    if (status === 429) return make('rate-limit', status, `rate limited (${status} ${detail})`, false, retryAfterMs(error.headers as Headers | undefined));
    if (status === 408) return make('timeout', status, `request timeout (${status} ${detail})`);
    if (status >= 500 || status === 409) return make('server', status, `server error (${status} ${detail})`, false, retryAfterMs(error.headers as Headers | undefined));
    return make('bad-request', status, `request refused (${status} ${detail})`);
  }
  return make('connection', null, `request to ${endpoint} failed: ${rootCause(error)}`);
}

/** The `openai` SDK pointed at any OpenAI-compatible endpoint; SDK retries off (the caller retries once). */
class OpenAiLlmClient implements LlmClient {
  readonly endpoint: string;
  readonly #endpoint: LlmEndpoint;
  readonly #timeoutMs: number;
  #sdk: OpenAI | null = null;

  constructor(endpoint: LlmEndpoint, options: OpenAiClientOptions) {
    this.endpoint = endpoint.baseUrl;
    this.#endpoint = endpoint;
    this.#timeoutMs = options.timeoutMs;
  }

  #client(OpenAI: OpenAiSdk): OpenAI {
    const endpoint = this.#endpoint;
    return (this.#sdk ??= new OpenAI({
      baseURL: endpoint.baseUrl,
      // Local servers often need no key; the SDK insists on one, and a dummy one is harmless there.
      apiKey: endpoint.apiKey ?? 'no-key',
      organization: null,
      project: null,
      timeout: this.#timeoutMs,
      maxRetries: 0,
    }));
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    const OpenAI = await openAiSdk();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // The SDK's own timeout stops at the response headers; this deadline also covers a body that
    // never finishes, so no request outlives timeoutMs.
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.abort();
        reject(new OpenAI.APIConnectionTimeoutError());
      }, this.#timeoutMs);
    });
    try {
      const call = this.#client(OpenAI).chat.completions.create({
        model: request.model,
        temperature: request.temperature,
        messages: request.messages.map((m) => ({role: m.role, content: m.content})),
        response_format: {
          type: 'json_schema',
          json_schema: {name: request.responseFormat.name, strict: request.responseFormat.strict, schema: {...request.responseFormat.schema}},
        },
      }, {signal: deadline.signal});
      const response = await Promise.race([call, expired]);
      const latencyMs = elapsed();
      const choice = response?.choices?.[0];
      const content = choice?.message?.content;
      if (typeof content !== 'string' || content.trim() === '') {
        const why = choice?.message?.refusal ? `refused: ${choice.message.refusal}` : `finish_reason ${choice?.finish_reason ?? 'none'}`;
        return {ok: false, kind: 'empty', status: 200, message: `the answer has no content (${why})`, fatal: false, retryAfterMs: null, latencyMs};
      }
      return {
        ok: true,
        content,
        responseModel: typeof response.model === 'string' ? response.model : null,
        promptTokens: response.usage?.prompt_tokens ?? 0,
        completionTokens: response.usage?.completion_tokens ?? 0,
        latencyMs,
      };
    } catch (error) {
      return failure(OpenAI, error, this.endpoint, elapsed(), request.model);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createOpenAiClient(endpoint: LlmEndpoint, options: OpenAiClientOptions): LlmClient {
  return new OpenAiLlmClient(endpoint, options);
}
