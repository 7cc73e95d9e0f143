import {createHash} from 'node:crypto';
import {resolve} from 'node:path';
import {envLookup} from '../../config/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';

export const BINANCE_REST_URL = 'https://fapi.binance.com';
export const BINANCE_WS_URL = 'wss://fstream.binance.com';
/** Binance's USDⓈ-M futures testnet (REST and streams). */
export const BINANCE_TESTNET_REST_URL = 'https://testnet.binancefuture.com';
export const BINANCE_TESTNET_WS_URL = 'wss://fstream.binancefuture.com';

export interface BinanceEndpoints {
  /** Origin of the REST API; the client keeps each endpoint's own path (/fapi/v1, /fapi/v3). */
  readonly restUrl: string;
  /** Origin of the streams; the client appends /market/ws and /private/ws like ccxt.pro does. */
  readonly wsUrl: string;
  readonly testnet: boolean;
}

/** The secret stays inside this object: never logged, hashed into configs or written to run files. */
export interface BinanceCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface BinanceEnvironment {
  readonly endpoints: BinanceEndpoints;
  /** null: no keys configured (market data only; private calls fail with kind 'auth'). */
  readonly credentials: BinanceCredentials | null;
}

/**
 * IFTB_BINANCE_REST_URL / IFTB_BINANCE_WS_URL (default production) and BINANCE_API_KEY /
 * BINANCE_API_SECRET from the environment, else from `envFile` (default `.env`). `testnet`
 * selects Binance's futures testnet; it refuses explicit URLs, so a typo cannot trade production.
 */
export function readBinanceEnvironment(
  options: {testnet?: boolean; env?: NodeJS.ProcessEnv; envFile?: string} = {},
): BinanceEnvironment {
  const get = envLookup(options.env ?? process.env, options.envFile ?? resolve('.env'));
  const testnet = options.testnet === true;
  const restEnv = get('IFTB_BINANCE_REST_URL');
  const wsEnv = get('IFTB_BINANCE_WS_URL');
  if (testnet && (restEnv !== null || wsEnv !== null)) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, '--testnet cannot be combined with IFTB_BINANCE_REST_URL or IFTB_BINANCE_WS_URL; unset them or drop --testnet');
  }
  const endpoints: BinanceEndpoints = {
    restUrl: checkUrl('IFTB_BINANCE_REST_URL', restEnv ?? (testnet ? BINANCE_TESTNET_REST_URL : BINANCE_REST_URL), /^https?:$/),
    wsUrl: checkUrl('IFTB_BINANCE_WS_URL', wsEnv ?? (testnet ? BINANCE_TESTNET_WS_URL : BINANCE_WS_URL), /^wss?:$/),
    testnet,
  };
  const apiKey = get('BINANCE_API_KEY');
  const apiSecret = get('BINANCE_API_SECRET');
  if ((apiKey === null) !== (apiSecret === null)) {
    const missing = apiKey === null ? 'BINANCE_API_KEY' : 'BINANCE_API_SECRET';
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${missing} is not set (BINANCE_API_KEY and BINANCE_API_SECRET go together)`);
  }
  return {endpoints, credentials: apiKey !== null && apiSecret !== null ? {apiKey, apiSecret} : null};
}

/** A short, stable account id derived from the API key (never the key itself). */
export function accountIdOf(credentials: BinanceCredentials | null): string {
  if (credentials === null) return 'public';
  return createHash('sha256').update(credentials.apiKey).digest('hex').slice(0, 16);
}

function checkUrl(name: string, value: string, protocol: RegExp): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${name} '${value}' is not a URL`);
  }
  if (!protocol.test(url.protocol) || url.pathname.replace(/\/+$/, '') !== '' || url.search !== '') {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${name} '${value}' must be a bare ${protocol.source.includes('wss') ? 'ws(s)' : 'http(s)'} origin such as ${name.includes('WS') ? BINANCE_WS_URL : BINANCE_REST_URL}`);
  }
  return url.origin;
}
