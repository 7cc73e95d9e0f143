/**
 * Driving an exchange that runs in another process: POST /__iftb/control {"op", "args"} calls
 * the same methods a test calls in process. RemoteBinanceExchange is the typed client.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Bar} from '../../../src/core/index.js';
import type {AdvanceInput, LocalBinanceExchange} from './exchange.js';
import type {Fault} from './faults.js';
import type {RecordedRequest} from './http-handler.js';
import type {StreamKind} from './streams.js';

const OPS = [
  'advance',
  'setPrice',
  'setMarkPrice',
  'setFundingRate',
  'setTime',
  'now',
  'placeOrder',
  'inject',
  'dropStreams',
  'stallStreams',
  'expireListenKey',
  'refuseStreams',
  'holdUserEvents',
  'releaseUserEvents',
  'ordersByClientId',
  'orders',
  'algoOrders',
  'positions',
  'balance',
  'trades',
  'incomes',
  'requestLog',
  'streamConnections',
] as const;
type Op = (typeof OPS)[number];

export async function handleControl(exchange: LocalBinanceExchange, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let status = 200;
  let body: unknown;
  try {
    const {op, args} = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {op: Op; args?: unknown[]};
    if (!OPS.includes(op)) throw new Error(`unknown control op '${String(op)}'`);
    const method = exchange[op] as (...a: unknown[]) => unknown;
    body = {result: method.apply(exchange, args ?? []) ?? null};
  } catch (error) {
    status = 400;
    body = {error: error instanceof Error ? error.message : String(error)};
  }
  res.writeHead(status, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(body));
}

/** The exchange of another process, driven over its control endpoint. */
export class RemoteBinanceExchange {
  constructor(
    readonly url: string,
    readonly apiKey: string,
    readonly apiSecret: string,
  ) {}

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  advance(input: AdvanceInput | Bar): Promise<void> {
    return this.call('advance', input);
  }
  setPrice(symbol: string, price: number): Promise<void> {
    return this.call('setPrice', symbol, price);
  }
  setMarkPrice(symbol: string, price: number): Promise<void> {
    return this.call('setMarkPrice', symbol, price);
  }
  setFundingRate(symbol: string, rate: number): Promise<void> {
    return this.call('setFundingRate', symbol, rate);
  }
  setTime(ms: number): Promise<void> {
    return this.call('setTime', ms);
  }
  now(): Promise<number> {
    return this.call('now');
  }
  placeOrder(params: Readonly<Record<string, string | number | boolean>>): Promise<Record<string, unknown>> {
    return this.call('placeOrder', params);
  }
  inject(fault: Fault): Promise<void> {
    return this.call('inject', fault);
  }
  dropStreams(kind: StreamKind = 'all'): Promise<number> {
    return this.call('dropStreams', kind);
  }
  stallStreams(kind: StreamKind = 'all'): Promise<number> {
    return this.call('stallStreams', kind);
  }
  expireListenKey(): Promise<string[]> {
    return this.call('expireListenKey');
  }
  refuseStreams(count: number): Promise<void> {
    return this.call('refuseStreams', count);
  }
  holdUserEvents(): Promise<void> {
    return this.call('holdUserEvents');
  }
  releaseUserEvents(): Promise<number> {
    return this.call('releaseUserEvents');
  }
  ordersByClientId(clientOrderId: string): Promise<Record<string, unknown>[]> {
    return this.call('ordersByClientId', clientOrderId);
  }
  orders(): Promise<Record<string, unknown>[]> {
    return this.call('orders');
  }
  algoOrders(): Promise<Record<string, unknown>[]> {
    return this.call('algoOrders');
  }
  positions(): Promise<{symbol: string; qty: number; entryPrice: number}[]> {
    return this.call('positions');
  }
  balance(): Promise<{walletBalance: number}> {
    return this.call('balance');
  }
  trades(): Promise<{id: number; symbol: string; orderId: number; side: string; qty: number; price: number; commission: number; realizedPnl: number; time: number}[]> {
    return this.call('trades');
  }
  incomes(): Promise<{symbol: string; incomeType: string; income: number; time: number; tranId: number}[]> {
    return this.call('incomes');
  }
  requestLog(path?: string): Promise<RecordedRequest[]> {
    return this.call('requestLog', ...(path === undefined ? [] : [path]));
  }
  streamConnections(): Promise<{open: {market: number; user: number}; accepted: {market: number; user: number}}> {
    return this.call('streamConnections');
  }

  private async call<T>(op: Op, ...args: unknown[]): Promise<T> {
    const response = await fetch(`${this.url}/__iftb/control`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({op, args})});
    const body = (await response.json()) as {result?: T; error?: string};
    if (!response.ok) throw new Error(`local exchange control '${op}' failed: ${body.error ?? response.status}`);
    return body.result as T;
  }
}
