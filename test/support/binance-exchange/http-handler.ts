/** One REST request: faults, weight accounting, API key and signature checks, the route, the answer. */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {FaultPlan} from './faults.js';
import {BinanceReject} from './reject.js';
import {ROUTES, type ExchangeCore} from './rest-routes.js';
import {checkApiKey, checkSignature, type ApiCredentials} from './signing.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query and body parameters, without `signature`. */
  readonly params: Readonly<Record<string, string>>;
  /** Wall-clock arrival time. */
  readonly atMs: number;
  /** HTTP status sent; null when the request was held (timeout) or its connection dropped. */
  status: number | null;
  /** What it did to the exchange: false for requests a fault turned away before processing. */
  processed: boolean;
}

export interface HandlerContext {
  readonly core: ExchangeCore;
  readonly credentials: ApiCredentials;
  readonly faults: FaultPlan;
  readonly requests: RecordedRequest[];
  /** Held responses (timeouts), ended when the exchange closes. */
  readonly held: Set<ServerResponse>;
  readonly weightLimit: number;
  /** Requests counted in the current wall-clock minute (X-MBX-USED-WEIGHT-1M; every request weighs 1). */
  readonly weight: {minute: number; used: number};
  /** Runs after state-changing requests (e.g. funding due by the new clock). */
  readonly afterRequest?: () => void;
}

export async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : '';
  const rawBody = await readBody(req);
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) params[k] = v;
  if (rawBody !== '' && !rawBody.startsWith('{')) for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
  const method = req.method ?? 'GET';
  const {signature: _signature, ...logged} = params;
  const record: RecordedRequest = {method, path: url.pathname, params: logged, atMs: Date.now(), status: null, processed: false};
  ctx.requests.push(record);

  const fault = ctx.faults.take(method, url.pathname);
  const now = ctx.core.clock.now();
  switch (fault?.kind) {
    case 'rate-limit':
      return sendJson(res, record, 429, {code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.'}, {'Retry-After': String(fault.retryAfterSeconds ?? 1)});
    case 'ban': {
      const seconds = fault.retryAfterSeconds ?? 120;
      return sendJson(res, record, 418, {code: -1003, msg: `Way too many requests; IP(127.0.0.1) banned until ${now + seconds * 1000}. Please use the websocket for live updates to avoid bans.`}, {'Retry-After': String(seconds)});
    }
    case 'server-error': {
      const status = fault.status ?? 502;
      record.status = status;
      res.writeHead(status, {'Content-Type': 'text/html'});
      res.end(`<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center></body></html>`);
      return;
    }
    case 'reject':
      return sendJson(res, record, fault.status ?? 400, {code: fault.code ?? -1000, msg: fault.msg ?? 'An unknown error occured while processing the request.'});
    case 'clock-skew':
      return sendJson(res, record, 400, {code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.'});
    case 'timeout':
      ctx.held.add(res);
      return;
    case 'drop-connection':
      req.socket.destroy();
      return;
    default:
      break;
  }

  const weight = ctx.weight;
  const minute = Math.floor(Date.now() / 60_000);
  if (weight.minute !== minute) Object.assign(weight, {minute, used: 0});
  weight.used++;
  const headers = {'X-MBX-USED-WEIGHT-1M': String(weight.used)};
  if (weight.used > ctx.weightLimit) {
    return sendJson(res, record, 429, {code: -1003, msg: `Too many requests; current limit of IP(127.0.0.1) is ${ctx.weightLimit} requests per minute.`}, {...headers, 'Retry-After': String(60 - (Math.floor(Date.now() / 1000) % 60))});
  }

  const route = ROUTES[`${method} ${url.pathname}`];
  let status = 200;
  let body: unknown;
  try {
    if (route === undefined) throw new BinanceReject(-1000, `Unknown path ${method} ${url.pathname}`, 404);
    if (route.security !== 'none') checkApiKey(header(req, 'x-mbx-apikey'), ctx.credentials);
    if (route.security === 'signed') checkSignature(rawQuery, rawBody, params, ctx.credentials, now);
    record.processed = true;
    body = route.handle(ctx.core, params);
    ctx.afterRequest?.();
  } catch (error) {
    if (!(error instanceof BinanceReject)) throw error;
    status = error.status;
    body = {code: error.code, msg: error.msg};
  }
  // "After accept" needs an accepted request: one refused (-1021 after a clock jump, …) is answered and leaves the fault for the next.
  if ((fault?.kind === 'timeout-after-accept' || fault?.kind === 'drop-after-accept') && status !== 200) {
    ctx.faults.putBack(fault);
    return sendJson(res, record, status, body, headers);
  }
  if (fault?.kind === 'timeout-after-accept') {
    ctx.held.add(res);
    return;
  }
  if (fault?.kind === 'drop-after-accept') {
    req.socket.destroy();
    return;
  }
  sendJson(res, record, status, body, headers);
}

export function sendJson(res: ServerResponse, record: RecordedRequest | null, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (record !== null) record.status = status;
  res.writeHead(status, {'Content-Type': 'application/json', ...headers});
  res.end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
