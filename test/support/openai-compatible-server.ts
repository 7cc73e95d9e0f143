/**
 * A local stand-in for an OpenAI-compatible chat endpoint (node:http on 127.0.0.1). It parses the
 * request the `openai` SDK really sends (POST /v1/chat/completions, JSON body with model, messages
 * and a json_schema response_format; Bearer Authorization), answers the way the API does, and
 * injects faults: 429 and 500 with OpenAI error bodies, an answer slower than the client's
 * timeout, malformed JSON content, a schema-invalid answer.
 */
import {createHash} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

/** 'slow': the whole answer after slowMs; 'stall': headers and half the body at once, the rest never. */
export type ChatFault = 'rate-limit' | 'server-error' | 'slow' | 'stall' | 'malformed' | 'schema-invalid';

export interface ChatRequestBody {
  readonly model: string;
  readonly messages: ReadonlyArray<{readonly role: string; readonly content: string}>;
  readonly temperature?: number;
  readonly response_format: {readonly type: 'json_schema'; readonly json_schema: {readonly name: string; readonly strict?: boolean; readonly schema: Record<string, unknown>}};
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly contentType: string | null;
  /** Parsed JSON body (chat requests only). */
  readonly body: ChatRequestBody | null;
  /** What the server did: 'ok', a fault, or 'unauthorized' / 'bad-request' / 'not-found'. */
  readonly outcome: string;
  readonly atMs: number;
}

export interface OpenAiServerOptions {
  /** Expected bearer token; any other gets a 401 like OpenAI's. null: accept anything. Default 'test-key'. */
  readonly apiKey?: string | null;
  /** The JSON answer to a request (default: deterministicAnswer). */
  readonly answer?: (body: ChatRequestBody, n: number) => Record<string, unknown>;
  /** Fault for the n-th chat request (1-based), or null to answer normally. */
  readonly fault?: (n: number, body: ChatRequestBody) => ChatFault | null;
  /** How long a 'slow' answer takes (default 5 s). */
  readonly slowMs?: number;
  /** Retry-After (seconds) sent with 429s; default 0. */
  readonly retryAfterSeconds?: number;
}

export interface RunningOpenAiServer {
  /** Base URL including /v1, for IFTB_LLM_BASE_URL. */
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Chat requests received so far. */
  chatCount(): number;
  close(): Promise<void>;
}

const HORIZONS = ['1h', '4h', '12h', '1d'];

/** A stable answer derived from the user message: the same prompt always gets the same answer. */
export function deterministicAnswer(body: ChatRequestBody): Record<string, unknown> {
  const user = body.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  const digest = createHash('sha256').update(user).digest();
  const direction = ['long', 'short', 'neutral'][digest[0] % 3];
  return {
    direction,
    confidence: Math.round((0.3 + (digest[1] / 255) * 0.6) * 100) / 100,
    horizon: HORIZONS[digest[2] % HORIZONS.length],
    rationale: `synthetic read ${digest.subarray(3, 7).toString('hex')}: ${direction} on the recent candles`,
  };
}

function errorBody(message: string, type: string, code: string | null): string {
  return JSON.stringify({error: {message, type, param: null, code}});
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** null when the body is what the SDK sends for a structured chat completion, else why not. */
function invalidChat(body: unknown): string | null {
  if (body === null || typeof body !== 'object') return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return "you must provide a model parameter";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty array";
  for (const m of b.messages as Array<Record<string, unknown>>) {
    if (typeof m?.role !== 'string' || typeof m?.content !== 'string') return 'each message needs a role and string content';
  }
  const rf = b.response_format as Record<string, unknown> | undefined;
  if (rf?.type !== 'json_schema') return "response_format.type must be 'json_schema'";
  const js = rf.json_schema as Record<string, unknown> | undefined;
  if (typeof js?.name !== 'string' || typeof js.schema !== 'object' || (js.schema as Record<string, unknown>).type !== 'object') {
    return 'response_format.json_schema needs a name and an object schema';
  }
  return null;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<RunningOpenAiServer> {
  const apiKey = options.apiKey === undefined ? 'test-key' : options.apiKey;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let chats = 0;
  let ids = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const authorization = req.headers.authorization ?? null;
    const contentType = req.headers['content-type'] ?? null;
    const text = await readBody(req);
    const log = (outcome: string, body: ChatRequestBody | null) =>
      requests.push({method: req.method ?? '', path, authorization, contentType, body, outcome, atMs: Date.now()});
    const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, {'content-type': 'application/json', 'x-request-id': `req_${++ids}`, ...headers});
      res.end(payload);
    };
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      log('not-found', null);
      return send(404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error', null));
    }
    if (apiKey !== null && authorization !== `Bearer ${apiKey}`) {
      log('unauthorized', null);
      const shown = (authorization ?? '').replace(/^Bearer /, '');
      return send(401, errorBody(
        `Incorrect API key provided: ${shown.slice(0, 3)}***${shown.slice(-2)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error', 'invalid_api_key'));
    }
    let body: ChatRequestBody;
    try {
      body = JSON.parse(text) as ChatRequestBody;
    } catch {
      log('bad-request', null);
      return send(400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    }
    const invalid = !String(contentType).startsWith('application/json') ? 'Content-Type must be application/json' : invalidChat(body);
    if (invalid) {
      log('bad-request', body);
      return send(400, errorBody(invalid, 'invalid_request_error', null));
    }
    const n = ++chats;
    const fault = options.fault?.(n, body) ?? null;
    log(fault ?? 'ok', body);
    if (fault === 'rate-limit') {
      return send(429, errorBody(`Rate limit reached for ${body.model} on requests per min (RPM): Limit 3, Used 3, Requested 1.`, 'requests', 'rate_limit_exceeded'),
        {'retry-after': String(options.retryAfterSeconds ?? 0), 'x-ratelimit-limit-requests': '3'});
    }
    if (fault === 'server-error') {
      return send(500, errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null));
    }
    let content: string;
    if (fault === 'malformed') content = '{"direction": "long", "confidence": 0.8, "horizon": "4h", "rationale": "cut off';
    else if (fault === 'schema-invalid') content = JSON.stringify({direction: 'up', confidence: 1.7, horizon: '4h', rationale: 'bullish'});
    else content = JSON.stringify((options.answer ?? deterministicAnswer)(body, n));
    const promptTokens = tokens(body.messages.map((m) => m.content).join(''));
    const completionTokens = tokens(content);
    const payload = JSON.stringify({
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: 1_700_000_000 + n,
      model: body.model,
      choices: [{index: 0, message: {role: 'assistant', content, refusal: null}, logprobs: null, finish_reason: 'stop'}],
      usage: {prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens},
      system_fingerprint: 'fp_test',
    });
    if (fault === 'stall') {
      res.writeHead(200, {'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload))});
      res.write(payload.slice(0, payload.length >> 1));
      return;
    }
    if (fault === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(200, payload);
      }, options.slowMs ?? 5000);
      timers.add(timer);
      return;
    }
    send(200, payload);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, {'content-type': 'application/json'});
      res.end(errorBody(String(error), 'server_error', null));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatCount: () => chats,
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A 127.0.0.1 port nothing listens on (bound once, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
