/**
 * The WebSocket side: market streams (`/ws`, `/market/ws`, `/stream?streams=…` with
 * SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS) and the user-data stream
 * (`/private/ws?listenKey=…` or `/ws/<listenKey>`), with the faults a network produces.
 */
import type {IncomingMessage, Server} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocket, WebSocketServer} from 'ws';
import type {ListenKeys} from './listen-keys.js';

interface MarketClient {
  readonly kind: 'market';
  stalled?: boolean;
  readonly socket: WebSocket;
  readonly streams: Set<string>;
  /** Combined endpoints wrap each event as {stream, data}. */
  readonly combined: boolean;
}

interface UserClient {
  readonly kind: 'user';
  stalled?: boolean;
  readonly socket: WebSocket;
  readonly listenKey: string;
}

type Client = MarketClient | UserClient;
export type StreamKind = 'market' | 'user' | 'all';

const MARKET_PATHS = ['/ws', '/market/ws', '/public/ws'];
const COMBINED_PATHS = ['/stream', '/market/stream', '/public/stream'];

export class StreamServer {
  private readonly wss = new WebSocketServer({noServer: true});
  private readonly clients = new Set<Client>();
  private refusals = 0;
  /** Every connection accepted, by kind, for assertions on reconnects. */
  readonly connections = {market: 0, user: 0};

  constructor(
    server: Server,
    private readonly listenKeys: ListenKeys,
    private readonly now: () => number,
  ) {
    server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  broadcastKline(stream: string, event: unknown): void {
    for (const client of this.clients) {
      if (client.kind === 'market' && client.stalled !== true && client.streams.has(stream)) send(client.socket, client.combined ? {stream, data: event} : event);
    }
  }

  broadcastUser(event: unknown): void {
    for (const client of this.clients) {
      if (client.kind === 'user' && client.stalled !== true && this.listenKeys.isLive(client.listenKey)) send(client.socket, event);
    }
  }

  /** Cuts connections the way a network does: no close frame, the TCP socket just dies. */
  drop(kind: StreamKind): number {
    let dropped = 0;
    for (const client of [...this.clients]) {
      if (kind === 'all' || client.kind === kind) {
        client.socket.terminate();
        this.clients.delete(client);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Stalls connections the way a half-dead link does: the socket stays open but nothing passes
   * (no events, no pongs), so only the client's heartbeat can notice.
   */
  stall(kind: StreamKind): number {
    let stalled = 0;
    for (const client of this.clients) {
      if (kind === 'all' || client.kind === kind) {
        client.stalled = true;
        (client.socket as unknown as {_socket?: {pause(): void}})._socket?.pause();
        stalled++;
      }
    }
    return stalled;
  }

  /** Expires the live listenKeys: `listenKeyExpired` on their streams, then the streams close. */
  expireListenKeys(): string[] {
    const keys = this.listenKeys.expireAll();
    for (const client of [...this.clients]) {
      if (client.kind === 'user' && keys.includes(client.listenKey)) {
        send(client.socket, {e: 'listenKeyExpired', E: this.now(), listenKey: client.listenKey});
        client.socket.close(1000, 'listenKey expired');
        this.clients.delete(client);
      }
    }
    return keys;
  }

  /** The next `count` connection attempts fail with HTTP 503 (a reconnect that keeps failing). */
  refuse(count: number): void {
    this.refusals += count;
  }

  open(): {market: number; user: number} {
    let market = 0;
    let user = 0;
    for (const client of this.clients) {
      if (client.kind === 'market') market++;
      else user++;
    }
    return {market, user};
  }

  close(): void {
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    this.wss.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (this.refusals > 0) {
      this.refusals--;
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    const path = url.pathname.replace(/\/+$/, '');
    const listenKey = path === '/private/ws' ? url.searchParams.get('listenKey') : /^\/ws\/([^@/]+)$/.exec(path)?.[1];
    if (listenKey !== undefined && listenKey !== null) {
      if (!this.listenKeys.isLive(listenKey)) return refuseUpgrade(socket, 400, 'Bad Request');
      return this.accept(request, socket, head, (ws) => ({kind: 'user', socket: ws, listenKey}));
    }
    const single = /^(\/ws|\/market\/ws|\/public\/ws)\/([^/]+@[^/]+)$/.exec(path);
    if (single !== null) return this.accept(request, socket, head, (ws) => ({kind: 'market', socket: ws, streams: new Set([single[2]]), combined: false}));
    if (MARKET_PATHS.includes(path)) return this.accept(request, socket, head, (ws) => ({kind: 'market', socket: ws, streams: new Set(), combined: false}));
    if (COMBINED_PATHS.includes(path)) {
      const streams = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '');
      return this.accept(request, socket, head, (ws) => ({kind: 'market', socket: ws, streams: new Set(streams), combined: true}));
    }
    refuseUpgrade(socket, 404, 'Not Found');
  }

  private accept(request: IncomingMessage, socket: Duplex, head: Buffer, make: (ws: WebSocket) => Client): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const client = make(ws);
      this.clients.add(client);
      this.connections[client.kind]++;
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
      if (client.kind === 'market') ws.on('message', (data) => this.onMarketMessage(client, data.toString()));
    });
  }

  private onMarketMessage(client: MarketClient, text: string): void {
    let request: {method?: unknown; params?: unknown; id?: unknown};
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return send(client.socket, {error: {code: 3, msg: 'Invalid JSON: expected value at line 1 column 1'}, id: null});
    }
    const id = request.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      return send(client.socket, {error: {code: 2, msg: 'Invalid request: request ID must be an unsigned integer'}, id: null});
    }
    const params = Array.isArray(request.params) ? request.params.filter((p): p is string => typeof p === 'string') : [];
    switch (request.method) {
      case 'SUBSCRIBE':
        for (const stream of params) client.streams.add(stream);
        return send(client.socket, {result: null, id});
      case 'UNSUBSCRIBE':
        for (const stream of params) client.streams.delete(stream);
        return send(client.socket, {result: null, id});
      case 'LIST_SUBSCRIPTIONS':
        return send(client.socket, {result: [...client.streams], id});
      default:
        return send(client.socket, {error: {code: 2, msg: `Invalid request: unknown variant \`${String(request.method)}\``}, id});
    }
  }
}

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
