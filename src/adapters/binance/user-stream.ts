import {ErrorCode, IftbError, isExchangeError, type StreamState, type UserStream, type UserStreamEvent} from '../../core/index.js';
import {unwrapFrame, userFrameOf} from './stream-events.js';
import {ReconnectingSocket, type StreamTiming} from './ws-connection.js';

/** The three listenKey calls (POST/PUT/DELETE /fapi/v1/listenKey, key header only, not signed). */
export interface ListenKeyApi {
  /** Returns the account's active key (extending it) or a new one. */
  create(): Promise<string>;
  keepalive(listenKey: string): Promise<void>;
  remove(listenKey: string): Promise<void>;
}

export interface UserStreamTiming extends StreamTiming {
  /** PUT keepalive period; Binance expires a key 60 min after the last one. Default 30 min. */
  readonly keepaliveMs?: number;
}

const DEFAULT_KEEPALIVE_MS = 30 * 60_000;

/**
 * ORDER_TRADE_UPDATE, ACCOUNT_UPDATE and ALGO_UPDATE over `/private/ws?listenKey=…`. Every
 * reconnect fetches the key again (POST returns the live one or a new one); an expired or lost
 * key rotates it. After any reconnect the caller gets a 'resync' event: events may have been
 * missed, and only a REST snapshot tells what happened meanwhile.
 */
export class BinanceUserStream implements UserStream {
  private socket: ReconnectingSocket | null = null;
  private keepalive: NodeJS.Timeout | null = null;
  private listenKey: string | null = null;
  private pendingResync: string | null = null;

  constructor(
    private readonly wsUrl: string,
    private readonly api: ListenKeyApi,
    private readonly timing: UserStreamTiming = {},
    private readonly log: (line: string) => void = () => {},
  ) {}

  async start(onEvent: (event: UserStreamEvent) => void, onState: (state: StreamState) => void): Promise<void> {
    if (this.socket !== null) throw new IftbError(ErrorCode.INPUT_INVALID, 'user stream already started');
    this.socket = new ReconnectingSocket(
      'user-data stream',
      {
        url: async () => {
          this.listenKey = await this.api.create();
          return `${this.wsUrl}/private/ws?listenKey=${encodeURIComponent(this.listenKey)}`;
        },
        handshake: async () => {},
        onMessage: (message) => {
          const frame = userFrameOf(unwrapFrame(message));
          if (frame === null) return;
          if (frame.type === 'listen-key-expired') return this.rotate('listen-key-expired');
          onEvent(frame);
        },
        onReconnected: () => {
          const reason = this.pendingResync ?? 'reconnected';
          this.pendingResync = null;
          onEvent({type: 'resync', reason, eventTimeMs: Date.now()});
        },
        onState,
      },
      this.timing,
    );
    await this.socket.start();
    this.keepalive = setInterval(() => void this.keepAlive(), this.timing.keepaliveMs ?? DEFAULT_KEEPALIVE_MS);
  }

  async close(): Promise<void> {
    if (this.keepalive !== null) clearInterval(this.keepalive);
    this.keepalive = null;
    await this.socket?.close();
    const key = this.listenKey;
    this.listenKey = null;
    if (key !== null) await this.api.remove(key).catch(() => {});
  }

  private async keepAlive(): Promise<void> {
    const key = this.listenKey;
    if (key === null) return;
    try {
      await this.api.keepalive(key);
    } catch (error) {
      // -1125: the key is gone (expired while we were away); anything else: try again next period
      if (isExchangeError(error, 'not-found')) this.rotate('listen-key-lost');
      else this.log(`user-data stream: listenKey keepalive failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private rotate(reason: string): void {
    this.pendingResync = reason;
    this.socket?.restart(reason);
  }
}
