import {createHmac, timingSafeEqual} from 'node:crypto';
import {MSG, reject} from './reject.js';

export interface ApiCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

const MAX_RECV_WINDOW = 60_000;
const DEFAULT_RECV_WINDOW = 5_000;

/** X-MBX-APIKEY must name the account: missing → -2014, unknown → -2015 (HTTP 401). */
export function checkApiKey(header: string | undefined, account: ApiCredentials): void {
  if (header === undefined || header.trim() === '') reject(-2014, MSG.apiKeyFormat, 401);
  if (header !== account.apiKey) reject(-2015, MSG.apiKeyInvalid, 401);
}

/**
 * SIGNED endpoints: signature = hex HMAC-SHA256 of totalParams (query string + body, signature
 * removed), with the account's secret; timestamp within recvWindow of the server clock: not more
 * than 1 s ahead, not older than recvWindow (default 5 000 ms, at most 60 000).
 */
export function checkSignature(rawQuery: string, rawBody: string, params: Readonly<Record<string, string>>, account: ApiCredentials, serverNowMs: number): void {
  const signature = params.signature;
  if (signature === undefined || signature === '') reject(-1102, MSG.mandatory('signature'));
  const timestamp = Number(params.timestamp);
  if (params.timestamp === undefined || !Number.isInteger(timestamp)) reject(-1102, MSG.mandatory('timestamp'));
  const recvWindow = params.recvWindow === undefined ? DEFAULT_RECV_WINDOW : Number(params.recvWindow);
  if (!Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW) reject(-1131, 'recvWindow must be less than 60000');
  const totalParams = stripSignature(rawQuery) + stripSignature(rawBody);
  const expected = createHmac('sha256', account.apiSecret).update(totalParams).digest('hex');
  const given = Buffer.from(signature.toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) reject(-1022, MSG.signature);
  if (timestamp >= serverNowMs + 1_000 || serverNowMs - timestamp > recvWindow) reject(-1021, MSG.timestamp);
}

function stripSignature(raw: string): string {
  return raw
    .split('&')
    .filter((part) => part !== '' && !part.startsWith('signature='))
    .join('&');
}

/** What a client sends: urlencoded params with `signature` last (for tests that sign by hand). */
export function signParams(params: Readonly<Record<string, string | number | boolean>>, secret: string): string {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return `${query}&signature=${createHmac('sha256', secret).update(query).digest('hex')}`;
}
