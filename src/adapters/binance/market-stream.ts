import type WebSocket from 'ws';
import {ErrorCode, IftbError, type KlineUpdate, type MarketStream, type StreamState, type SymbolId, type Timeframe} from '../../core/index.js';
import {klineUpdateOf, unwrapFrame} from './stream-events.js';
import {marketIdOf} from './symbols.js';
import {ReconnectingSocket, type StreamTiming} from './ws-connection.js';

/**
 * Raw Binance kline stream (`<symbol>@kline_<tf>` on `/market/ws`, like ccxt.pro): ccxt's
 * watchOHLCV keeps only [t, o, h, l, c, v] and drops `x`, the flag that says the kline is final.
 */
export class BinanceKlineStream implements MarketStream {
  private socket: ReconnectingSocket | null = null;
  private nextId = 1;

  constructor(
    private readonly wsUrl: string,
    private readonly symbols: readonly SymbolId[],
    private readonly timeframe: Timeframe,
    private readonly timing: StreamTiming = {},
  ) {
    if (symbols.length === 0) throw new IftbError(ErrorCode.INPUT_INVALID, 'a market stream needs at least one symbol');
  }

  async start(onKline: (update: KlineUpdate) => void, onState: (state: StreamState) => void): Promise<void> {
    if (this.socket !== null) throw new IftbError(ErrorCode.INPUT_INVALID, 'market stream already started');
    const byId = new Map(this.symbols.map((symbol) => [marketIdOf(symbol), symbol] as const));
    const streams = [...byId.keys()].map((id) => `${id.toLowerCase()}@kline_${this.timeframe}`);
    this.socket = new ReconnectingSocket(
      'kline stream',
      {
        url: async () => `${this.wsUrl}/market/ws`,
        handshake: (socket, next) => this.subscribe(socket, next, streams),
        onMessage: (message) => {
          const update = klineUpdateOf(unwrapFrame(message), byId, Date.now());
          if (update !== null && update.timeframe === this.timeframe) onKline(update);
        },
        onState,
      },
      this.timing,
    );
    await this.socket.start();
  }

  async close(): Promise<void> {
    await this.socket?.close();
  }

  /** {"method":"SUBSCRIBE",…} → {"result":null,"id":N}; klines that race the ack are delivered after it. */
  private async subscribe(socket: WebSocket, next: (match: (message: unknown) => boolean) => Promise<unknown>, streams: readonly string[]): Promise<void> {
    const id = this.nextId++;
    socket.send(JSON.stringify({method: 'SUBSCRIBE', params: streams, id}));
    const ack = (await next((message) => (message as {id?: unknown} | null)?.id === id)) as {error?: {code?: unknown; msg?: unknown}};
    if (ack.error !== undefined) throw new Error(`SUBSCRIBE refused: ${String(ack.error.msg ?? ack.error.code)}`);
  }
}
