import WebSocket from 'ws';
import {ExchangeError, isExchangeError, type StreamState} from '../../core/index.js';
import {BINANCE_USDM} from './exchange.js';

export interface StreamTiming {
  /** First reconnect delay, doubled per failed attempt up to maxBackoffMs; default 500 ms. */
  readonly baseBackoffMs?: number;
  /** Default 30 000 ms. */
  readonly maxBackoffMs?: number;
  /** Connect attempts before the first start() gives up; default 5. */
  readonly initialAttempts?: number;
  /** A ping goes out this often; a socket that answered nothing since the last one is dropped. Default 30 000 ms. */
  readonly heartbeatMs?: number;
  /** How long a connect (open + handshake such as SUBSCRIBE) may take; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

export interface SocketHandlers {
  /** Where to connect now (the user stream asks for a fresh listenKey each time). */
  url(): Promise<string>;
  /** Runs on every open before the stream counts as connected (e.g. SUBSCRIBE and its ack). */
  handshake(socket: WebSocket, next: (match: (message: unknown) => boolean) => Promise<unknown>): Promise<void>;
  onMessage(message: unknown): void;
  /** After a reconnect (not the first connect): events may have been missed. */
  onReconnected?(): void;
  onState(state: StreamState): void;
}

/**
 * One WebSocket that stays up: reconnects with exponential backoff, re-runs the handshake, and
 * drops a socket that stops answering pings (a silent network loss never sends a close frame).
 */
export class ReconnectingSocket {
  private socket: WebSocket | null = null;
  private closed = false;
  private everConnected = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly timing: Required<StreamTiming>;

  constructor(
    private readonly name: string,
    private readonly handlers: SocketHandlers,
    timing: StreamTiming = {},
  ) {
    this.timing = {
      baseBackoffMs: timing.baseBackoffMs ?? 500,
      maxBackoffMs: timing.maxBackoffMs ?? 30_000,
      initialAttempts: timing.initialAttempts ?? 5,
      heartbeatMs: timing.heartbeatMs ?? 30_000,
      connectTimeoutMs: timing.connectTimeoutMs ?? 10_000,
    };
  }

  /** Resolves once connected; rejects when the first `initialAttempts` connects all fail. */
  async start(): Promise<void> {
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (error) {
        if (this.closed) throw new ExchangeError('network', `${BINANCE_USDM}: ${this.name} closed while connecting`, {reason: 'closed'});
        // missing or refused keys will not fix themselves by waiting
        if (isExchangeError(error, 'auth')) throw error;
        this.attempt++;
        if (this.attempt >= this.timing.initialAttempts) {
          throw new ExchangeError('network', `${BINANCE_USDM}: ${this.name} could not connect after ${this.attempt} attempts: ${messageOf(error)}`, {
            reason: 'stream-unreachable',
            cause: error,
          });
        }
        const delayMs = this.delayFor(this.attempt);
        this.handlers.onState({state: 'reconnecting', atMs: Date.now(), attempt: this.attempt, delayMs});
        await this.wait(delayMs);
      }
    }
  }

  /** Forces a reconnect (e.g. a rotated listenKey); the close is reported like any other. */
  restart(reason: string): void {
    this.socket?.close(4000, reason.slice(0, 100));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    if (socket !== null && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'client closing');
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1_000).unref();
      });
    }
  }

  private async connect(): Promise<void> {
    const url = await this.handlers.url();
    const socket = new WebSocket(url, {handshakeTimeout: this.timing.connectTimeoutMs});
    // frames that arrive before the handshake ends wait here; those it does not claim go to onMessage after it
    const messages: unknown[] = [];
    let waiter: {match: (message: unknown) => boolean; resolve: (message: unknown) => void} | null = null;
    let handshaking = true;
    let alive = true;
    socket.on('message', (data) => {
      alive = true;
      const message = parse(data);
      if (message === undefined) return;
      if (!handshaking) return this.handlers.onMessage(message);
      if (waiter !== null && waiter.match(message)) {
        const {resolve} = waiter;
        waiter = null;
        resolve(message);
      } else {
        messages.push(message);
      }
    });
    socket.on('pong', () => {
      alive = true;
    });
    const next = (match: (message: unknown) => boolean) =>
      new Promise<unknown>((resolve, reject) => {
        const index = messages.findIndex(match);
        if (index >= 0) return resolve(messages.splice(index, 1)[0]);
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error('no answer to the handshake'));
        }, this.timing.connectTimeoutMs);
        waiter = {
          match,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message);
          },
        };
      });

    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('close', (code, reason) => reject(new Error(`closed during connect (${code} ${reason.toString()})`)));
      });
      await this.handlers.handshake(socket, next);
    } catch (error) {
      socket.removeAllListeners('close');
      socket.on('error', () => {});
      socket.terminate();
      throw error;
    }
    if (this.closed) {
      socket.terminate();
      throw new Error('closed');
    }
    handshaking = false;
    for (const message of messages.splice(0)) this.handlers.onMessage(message);
    this.socket = socket;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.attempt = 0;
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    socket.on('error', () => {}); // 'close' follows and carries the report
    socket.on('close', (code, reason) => this.onClose(socket, `${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`));
    this.startHeartbeat(socket, () => alive, (value) => (alive = value));
    this.handlers.onState({state: 'connected', atMs: Date.now()});
    if (reconnected) this.handlers.onReconnected?.();
  }

  private onClose(socket: WebSocket, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.stopHeartbeat();
    if (this.closed) return;
    this.handlers.onState({state: 'disconnected', atMs: Date.now(), reason: `socket closed (${reason})`});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.attempt++;
    const delayMs = this.delayFor(this.attempt);
    this.handlers.onState({state: 'reconnecting', atMs: Date.now(), attempt: this.attempt, delayMs});
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch((error) => {
        if (this.closed) return;
        this.handlers.onState({state: 'disconnected', atMs: Date.now(), reason: `reconnect failed: ${messageOf(error)}`});
        this.scheduleReconnect();
      });
    }, delayMs);
  }

  private startHeartbeat(socket: WebSocket, isAlive: () => boolean, setAlive: (value: boolean) => void): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!isAlive()) {
        // no frame and no pong for a whole interval: the link is dead even if TCP has not noticed
        socket.terminate();
        return;
      }
      setAlive(false);
      socket.ping();
    }, this.timing.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private delayFor(attempt: number): number {
    return Math.min(this.timing.maxBackoffMs, this.timing.baseBackoffMs * 2 ** (attempt - 1));
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        resolve();
      }, ms);
    });
  }
}

function parse(data: WebSocket.RawData): unknown {
  try {
    return JSON.parse(data.toString()) as unknown;
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
