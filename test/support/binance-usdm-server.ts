/**
 * A local stand-in for the Binance USDⓈ-M REST API (the endpoints ccxt's binanceusdm calls for
 * markets, klines, mark-price klines and funding history, and the signed leverage brackets), with
 * fault injection.
 */
import {createHmac, timingSafeEqual} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import type {Bar} from '../../src/core/index.js';

export interface FundingEntry {
  readonly fundingTime: number;
  readonly fundingRate: number;
  /** Omitted: served as "" like Binance does for old settlements. */
  readonly markPrice?: number;
}

export interface GenerateOptions {
  readonly seed: number;
  /** First candle / funding time served (inclusive). */
  readonly fromMs: number;
  /** Exclusive end; default: now, so the still-forming candle is served too. */
  readonly toMs?: number;
}

export interface FaultOptions {
  /** Which endpoint the fault counters count; default '/fapi/v1/klines'. */
  readonly path?: string;
  /** 1-based request numbers answered with 429 + Retry-After. */
  readonly rateLimitAt?: readonly number[];
  readonly retryAfterSeconds?: number;
  /** 1-based request numbers answered with a 5xx. */
  readonly serverErrorAt?: readonly number[];
  readonly serverErrorStatus?: 500 | 502 | 503;
  /** Every request to `path` fails with serverErrorStatus. */
  readonly persistentServerError?: boolean;
  /** 1-based request numbers answered only after delayMs. */
  readonly delayAt?: readonly number[];
  readonly delayMs?: number;
}

export interface BinanceUsdmServerOptions {
  /** Binance symbol ids listed by exchangeInfo; default BTCUSDT and ETHUSDT. */
  readonly symbols?: readonly string[];
  /** Explicit candles per symbol id and interval (oldest first); they win over `generate`. */
  readonly klines?: Readonly<Record<string, Readonly<Record<string, readonly Bar[]>>>>;
  readonly markKlines?: Readonly<Record<string, Readonly<Record<string, readonly Bar[]>>>>;
  readonly funding?: Readonly<Record<string, readonly FundingEntry[]>>;
  /** Listed by exchangeInfo but answered with -1121 "Invalid symbol." by the data endpoints. */
  readonly invalidSymbols?: readonly string[];
  /** Deterministic data for every listed symbol and interval not given explicitly. */
  readonly generate?: GenerateOptions;
  readonly faults?: FaultOptions;
  /** Per-symbol contract rules exchangeInfo serves (default: BTCUSDT's rules for every symbol). */
  readonly instruments?: Readonly<Record<string, SymbolRules>>;
  /** exchangeInfo's serverTime (default: the real clock). */
  readonly serverTimeMs?: number;
  /** Accepted key and secret for signed endpoints; without them every signed request is refused (-2015). */
  readonly credentials?: {readonly apiKey: string; readonly secret: string};
  /** leverageBracket rows per symbol id (default: a three-tier table). */
  readonly leverageBrackets?: Readonly<Record<string, readonly LeverageBracketRow[]>>;
}

/** Rules of one symbol as exchangeInfo states them (decimals as Binance writes them: strings). */
export interface SymbolRules {
  readonly tickSize?: string;
  readonly minPrice?: string;
  readonly maxPrice?: string;
  readonly stepSize?: string;
  readonly minQty?: string;
  readonly maxQty?: string;
  readonly marketMaxQty?: string;
  readonly minNotional?: string;
  readonly pricePrecision?: number;
  readonly quantityPrecision?: number;
  readonly liquidationFee?: string;
  readonly status?: string;
  readonly contractType?: string;
  readonly deliveryDate?: number;
}

/** One row of /fapi/v1/leverageBracket (numbers, not strings, as Binance sends them). */
export interface LeverageBracketRow {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: number;
  readonly notionalFloor: number;
  readonly maintMarginRatio: number;
  readonly cum: number;
}

export const DEFAULT_BRACKET_ROWS: readonly LeverageBracketRow[] = [
  {bracket: 1, initialLeverage: 50, notionalCap: 10_000, notionalFloor: 0, maintMarginRatio: 0.01, cum: 0},
  {bracket: 2, initialLeverage: 20, notionalCap: 100_000, notionalFloor: 10_000, maintMarginRatio: 0.025, cum: 150},
  {bracket: 3, initialLeverage: 10, notionalCap: 1_000_000, notionalFloor: 100_000, maintMarginRatio: 0.05, cum: 2_650},
];

/** Binance's recvWindow default, used when a signed request sends none. */
const DEFAULT_RECV_WINDOW_MS = 5_000;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Arrival time (Date.now()). */
  readonly atMs: number;
}

export interface RunningServer {
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** The candles the server holds for [fromMs, toMs), exactly as it serves them. */
  candles(symbolId: string, interval: string, fromMs: number, toMs: number, kind?: 'candles' | 'mark'): Bar[];
  funding(symbolId: string, fromMs: number, toMs: number): FundingEntry[];
  /** Changes what exchangeInfo serves from now on (a listing's rules changing, time passing). */
  setInstrument(symbolId: string, rules: SymbolRules, serverTimeMs?: number): void;
  close(): Promise<void>;
}

const INTERVAL_MS: Record<string, number> = {
  '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000,
  '2h': 7_200_000, '4h': 14_400_000, '6h': 21_600_000, '8h': 28_800_000, '12h': 43_200_000, '1d': 86_400_000,
};
const FUNDING_INTERVAL_MS = 8 * 3_600_000;
const KLINES_MAX_LIMIT = 1500;
const FUNDING_MAX_LIMIT = 1000;
const BASE_PRICE: Record<string, number> = {BTCUSDT: 30_000, ETHUSDT: 2_000};

export function startBinanceUsdmServer(options: BinanceUsdmServerOptions = {}): Promise<RunningServer> {
  return new BinanceUsdmServer(options).start();
}

class BinanceUsdmServer {
  private readonly requests: RecordedRequest[] = [];
  private readonly faultCounter = {n: 0};
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly symbols: readonly string[];
  private readonly instruments: Record<string, SymbolRules>;
  private serverTimeMs: number | undefined;

  constructor(private readonly options: BinanceUsdmServerOptions) {
    this.symbols = options.symbols ?? ['BTCUSDT', 'ETHUSDT'];
    this.instruments = {...options.instruments};
    this.serverTimeMs = options.serverTimeMs;
  }

  private known(symbol: string | undefined): symbol is string {
    return symbol !== undefined && this.symbols.includes(symbol) && !(this.options.invalidSymbols ?? []).includes(symbol);
  }

  start(): Promise<RunningServer> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const {port} = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${port}`,
          requests: this.requests,
          candles: (symbolId, interval, fromMs, toMs, kind = 'candles') =>
            this.series(symbolId, interval, kind, fromMs, toMs),
          funding: (symbolId, fromMs, toMs) => this.fundingSeries(symbolId, fromMs, toMs),
          setInstrument: (symbolId, rules, serverTimeMs) => {
            this.instruments[symbolId] = rules;
            if (serverTimeMs !== undefined) this.serverTimeMs = serverTimeMs;
          },
          close: () =>
            new Promise<void>((done) => {
              for (const timer of this.timers) clearTimeout(timer);
              // keep-alive sockets from the client's pool would otherwise hold close() open
              for (const socket of this.sockets) socket.destroy();
              server.close(() => done());
            }),
        });
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    this.requests.push({method: req.method ?? 'GET', path: url.pathname, query, atMs: Date.now()});
    const faults = this.options.faults;
    if (faults !== undefined && url.pathname === (faults.path ?? '/fapi/v1/klines')) {
      const n = ++this.faultCounter.n;
      if (faults.rateLimitAt?.includes(n)) {
        const retryAfter = String(faults.retryAfterSeconds ?? 1);
        sendJson(res, 429, {code: -1003, msg: 'Too many requests; current limit of IP is 2400 requests per minute.'}, {'Retry-After': retryAfter});
        return;
      }
      if (faults.persistentServerError || faults.serverErrorAt?.includes(n)) {
        const status = faults.serverErrorStatus ?? 502;
        res.writeHead(status, {'Content-Type': 'text/html'});
        res.end(`<html><body><h1>${status} Bad Gateway</h1></body></html>`);
        return;
      }
      if (faults.delayAt?.includes(n)) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) this.route(url.pathname, query, res, req);
        }, faults.delayMs ?? 5_000);
        this.timers.add(timer);
        return;
      }
    }
    this.route(url.pathname, query, res, req);
  }

  private route(path: string, query: Record<string, string>, res: ServerResponse, req: IncomingMessage): void {
    switch (path) {
      case '/fapi/v1/ping':
        return sendJson(res, 200, {});
      case '/fapi/v1/time':
        return sendJson(res, 200, {serverTime: Date.now()});
      case '/fapi/v1/exchangeInfo':
        return sendJson(res, 200, exchangeInfo([...this.symbols, ...(this.options.invalidSymbols ?? [])], this.instruments, this.serverTimeMs ?? Date.now()));
      case '/fapi/v1/leverageBracket':
        return this.leverageBracket(query, req, res);
      case '/fapi/v1/klines':
        return this.klines(query, 'candles', res);
      case '/fapi/v1/markPriceKlines':
        return this.klines(query, 'mark', res);
      case '/fapi/v1/fundingRate':
        return this.fundingRate(query, res);
      default:
        return sendJson(res, 404, {code: -1000, msg: `Unknown path ${path}`});
    }
  }

  private klines(query: Record<string, string>, kind: 'candles' | 'mark', res: ServerResponse): void {
    const symbol = query.symbol;
    if (!this.known(symbol)) {
      return sendJson(res, 400, {code: -1121, msg: 'Invalid symbol.'});
    }
    const tf = INTERVAL_MS[query.interval ?? ''];
    if (tf === undefined) {
      return sendJson(res, 400, {code: -1120, msg: 'Invalid interval.'});
    }
    const limit = query.limit === undefined ? 500 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > KLINES_MAX_LIMIT) {
      return sendJson(res, 400, {code: -1130, msg: "Data sent for parameter 'limit' is not valid."});
    }
    const start = query.startTime === undefined ? undefined : Number(query.startTime);
    const end = query.endTime === undefined ? undefined : Number(query.endTime);
    // [from, to) in open times; Binance's endTime is inclusive
    const to = end === undefined ? Date.now() + 1 : end + 1;
    let bars = this.series(symbol, query.interval, kind, start ?? to - limit * tf, to);
    bars = start === undefined ? bars.slice(-limit) : bars.slice(0, limit);
    sendJson(res, 200, bars.map((bar) => klineRow(bar, tf, kind)));
  }

  /** Binance's signed-request checks, in its order: API key, timestamp within recvWindow, HMAC-SHA256 signature of the query. */
  private signedRequestError(query: Record<string, string>, req: IncomingMessage): {status: number; code: number; msg: string} | null {
    const credentials = this.options.credentials;
    if (credentials === undefined || req.headers['x-mbx-apikey'] !== credentials.apiKey) {
      return {status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.'};
    }
    const timestamp = Number(query.timestamp);
    const recvWindow = query.recvWindow === undefined ? DEFAULT_RECV_WINDOW_MS : Number(query.recvWindow);
    const now = Date.now();
    if (!Number.isFinite(timestamp) || timestamp >= now + 1_000 || now - timestamp > recvWindow) {
      return {status: 400, code: -1021, msg: "Timestamp for this request is outside of the recvWindow."};
    }
    // The signature covers the query exactly as sent, up to `&signature=`.
    const url = req.url ?? '';
    const raw = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const at = raw.lastIndexOf('&signature=');
    const signed = at < 0 ? '' : raw.slice(0, at);
    const given = Buffer.from(at < 0 ? '' : raw.slice(at + '&signature='.length));
    const expected = Buffer.from(createHmac('sha256', credentials.secret).update(signed).digest('hex'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return {status: 400, code: -1022, msg: 'Signature for this request is not valid.'};
    }
    return null;
  }

  private leverageBracket(query: Record<string, string>, req: IncomingMessage, res: ServerResponse): void {
    const refused = this.signedRequestError(query, req);
    if (refused !== null) return sendJson(res, refused.status, {code: refused.code, msg: refused.msg});
    const entry = (symbol: string) => ({symbol, brackets: this.options.leverageBrackets?.[symbol] ?? DEFAULT_BRACKET_ROWS});
    if (query.symbol !== undefined) {
      if (!this.known(query.symbol)) return sendJson(res, 400, {code: -1121, msg: 'Invalid symbol.'});
      // With a symbol Binance answers one object, without it a list.
      return sendJson(res, 200, entry(query.symbol));
    }
    sendJson(res, 200, this.symbols.map(entry));
  }

  private fundingRate(query: Record<string, string>, res: ServerResponse): void {
    const symbol = query.symbol;
    if (!this.known(symbol)) {
      return sendJson(res, 400, {code: -1121, msg: 'Invalid symbol.'});
    }
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > FUNDING_MAX_LIMIT) {
      return sendJson(res, 400, {code: -1130, msg: "Data sent for parameter 'limit' is not valid."});
    }
    const start = query.startTime === undefined ? undefined : Number(query.startTime);
    const to = query.endTime === undefined ? Date.now() + 1 : Number(query.endTime) + 1;
    let rows = this.fundingSeries(symbol, start ?? 0, to);
    rows = start === undefined ? rows.slice(-limit) : rows.slice(0, limit);
    sendJson(
      res,
      200,
      rows.map((row) => ({
        symbol,
        fundingTime: row.fundingTime,
        fundingRate: row.fundingRate.toFixed(8),
        markPrice: row.markPrice === undefined ? '' : String(row.markPrice),
      })),
    );
  }

  private series(symbol: string, interval: string, kind: 'candles' | 'mark', fromMs: number, toMs: number): Bar[] {
    const explicit = (kind === 'mark' ? this.options.markKlines : this.options.klines)?.[symbol]?.[interval];
    if (explicit !== undefined) {
      return explicit.filter((bar) => bar.openTime >= fromMs && bar.openTime < toMs);
    }
    const gen = this.options.generate;
    const tf = INTERVAL_MS[interval];
    if (gen === undefined || tf === undefined) return [];
    const end = Math.min(toMs, gen.toMs ?? Date.now() + 1);
    const bars: Bar[] = [];
    for (let t = Math.ceil(Math.max(fromMs, gen.fromMs) / tf) * tf; t < end; t += tf) {
      bars.push(generatedBar(gen.seed, symbol, kind, t, tf));
    }
    return bars;
  }

  private fundingSeries(symbol: string, fromMs: number, toMs: number): FundingEntry[] {
    const explicit = this.options.funding?.[symbol];
    if (explicit !== undefined) {
      return explicit.filter((row) => row.fundingTime >= fromMs && row.fundingTime < toMs);
    }
    const gen = this.options.generate;
    if (gen === undefined) return [];
    const end = Math.min(toMs, gen.toMs ?? Date.now() + 1);
    const rows: FundingEntry[] = [];
    // settlements at 00/08/16 UTC plus a few ms of jitter, as Binance records them
    for (let slot = Math.ceil(gen.fromMs / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS; ; slot += FUNDING_INTERVAL_MS) {
      const rand = mulberry32(hashKey(gen.seed, symbol, 'funding', slot));
      const time = slot + Math.floor(rand() * 8);
      if (time >= end) break;
      if (time < fromMs) continue;
      const rate = Number(((rand() - 0.3) * 0.0004).toFixed(8)) || 0.0001; // no -0 from rounding
      const mark = rand() < 0.1 ? undefined : generatedBar(gen.seed, symbol, 'mark', slot, 60_000).open;
      rows.push(mark === undefined ? {fundingTime: time, fundingRate: rate} : {fundingTime: time, fundingRate: rate, markPrice: mark});
    }
    return rows;
  }
}

/** Depends only on (seed, symbol, kind, openTime), so any window of a series is consistent. */
function generatedBar(seed: number, symbol: string, kind: string, openTime: number, tf: number): Bar {
  const rand = mulberry32(hashKey(seed, symbol, kind, openTime));
  const base = BASE_PRICE[symbol] ?? 100;
  const level = base * (1 + 0.1 * Math.sin(openTime / (tf * 500)) + 0.02 * Math.sin(openTime / (tf * 37)));
  const open = round(level * (1 + (rand() - 0.5) * 0.002), 1);
  const close = round(level * (1 + (rand() - 0.5) * 0.002), 1);
  const high = round(Math.max(open, close) * (1 + rand() * 0.001), 1);
  const low = round(Math.min(open, close) * (1 - rand() * 0.001), 1);
  const volume = kind === 'mark' ? 0 : round(rand() * 50, 3);
  return {openTime, open, high, low, close, volume};
}

function klineRow(bar: Bar, tf: number, kind: 'candles' | 'mark'): unknown[] {
  if (kind === 'mark') {
    return [bar.openTime, String(bar.open), String(bar.high), String(bar.low), String(bar.close), '0', bar.openTime + tf - 1, '0', 60, '0', '0', '0'];
  }
  const quoteVolume = (bar.volume * bar.close).toFixed(5);
  const trades = Math.round(bar.volume * 17) + 1;
  return [
    bar.openTime, String(bar.open), String(bar.high), String(bar.low), String(bar.close), String(bar.volume),
    bar.openTime + tf - 1, quoteVolume, trades, (bar.volume / 2).toFixed(3), (bar.volume * bar.close / 2).toFixed(5), '0',
  ];
}

function exchangeInfo(symbols: readonly string[], instruments: Readonly<Record<string, SymbolRules>>, serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      {rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400},
      {rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200},
      {rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300},
    ],
    exchangeFilters: [],
    assets: [{asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000'}],
    symbols: symbols.map((symbol) => {
      const baseAsset = symbol.replace(/USDT$/, '');
      const r = instruments[symbol] ?? {};
      return {
        symbol,
        pair: symbol,
        contractType: r.contractType ?? 'PERPETUAL',
        deliveryDate: r.deliveryDate ?? 4133404800000,
        onboardDate: 1569398400000,
        status: r.status ?? 'TRADING',
        maintMarginPercent: '2.5000',
        requiredMarginPercent: '5.0000',
        baseAsset,
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: r.pricePrecision ?? 2,
        quantityPrecision: r.quantityPrecision ?? 3,
        baseAssetPrecision: 8,
        quotePrecision: 8,
        underlyingType: 'COIN',
        underlyingSubType: [],
        settlePlan: 0,
        triggerProtect: '0.0500',
        liquidationFee: r.liquidationFee ?? '0.012500',
        marketTakeBound: '0.05',
        maxMoveOrderLimit: 10000,
        filters: [
          {filterType: 'PRICE_FILTER', minPrice: r.minPrice ?? '556.80', maxPrice: r.maxPrice ?? '4529764', tickSize: r.tickSize ?? '0.10'},
          {filterType: 'LOT_SIZE', minQty: r.minQty ?? '0.001', maxQty: r.maxQty ?? '1000', stepSize: r.stepSize ?? '0.001'},
          {filterType: 'MARKET_LOT_SIZE', minQty: r.minQty ?? '0.001', maxQty: r.marketMaxQty ?? '120', stepSize: r.stepSize ?? '0.001'},
          {filterType: 'MAX_NUM_ORDERS', limit: 200},
          {filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10},
          {filterType: 'MIN_NOTIONAL', notional: r.minNotional ?? '100'},
          {filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4'},
        ],
        orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
      };
    }),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, {'Content-Type': 'application/json', ...headers});
  res.end(JSON.stringify(body));
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

function hashKey(seed: number, ...parts: (string | number)[]): number {
  let h = 2166136261 ^ seed;
  for (const char of parts.join('|')) {
    h = Math.imul(h ^ char.charCodeAt(0), 16777619);
  }
  return h >>> 0;
}

function mulberry32(state: number): () => number {
  let a = state;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
