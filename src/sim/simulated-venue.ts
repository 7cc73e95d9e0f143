/**
 * SimulatedVenue: Binance USDⓈ-M perpetual futures for one account in one-way mode, one lane per
 * symbol, replayed bar by bar. `submit` only queues (a decision at bar i−1's close fills no
 * earlier than bar i's open); `sync(i, lane)` then settles that symbol's bar i in time order
 * (see venue-lane.ts). The symbols share the wallet: cross positions share margin, isolated ones
 * keep their own.
 */
import {
  ErrorCode,
  IftbError,
  type ExecutionVenue,
  type MarginMode,
  type OrderAck,
  type OrderRequest,
  type PositionView,
  type SymbolId,
  type VenueEvent,
} from '../core/index.js';
import {Account, type AccountTotals} from './account.js';
import {bookOrder} from './order-book.js';
import {validateSlippage, type SlippageModel} from './slippage.js';
import {submitRejection} from './validation.js';
import {type LaneMarket, VenueLane} from './venue-lane.js';

interface AccountOptions {
  readonly timeframeMs: number;
  /** Wallet balance at the start, quote currency (USDT). */
  readonly initialBalance: number;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  readonly slippage: SlippageModel;
  readonly fundingEnabled: boolean;
}

/** One symbol (the fields of its lane at the top level) or several (`lanes`, in engine order). */
export type SimulatedVenueOptions = AccountOptions & (LaneMarket | {readonly lanes: readonly LaneMarket[]});

/** Returned by every quiet sync: shared and frozen, so the common bar allocates nothing. */
const NO_EVENTS: readonly VenueEvent[] = Object.freeze([]);

const invalid = (message: string): never => {
  throw new IftbError(ErrorCode.INPUT_INVALID, message);
};

export class SimulatedVenue implements ExecutionVenue {
  readonly kind = 'simulated' as const;
  readonly symbols: readonly SymbolId[];
  readonly #lanes: readonly VenueLane[];
  readonly #laneOf = new Map<SymbolId, number>();
  readonly #account: Account;

  constructor(options: SimulatedVenueOptions) {
    validateSlippage(options.slippage);
    if (!(options.timeframeMs > 0)) invalid(`timeframeMs must be > 0, got ${options.timeframeMs}`);
    if (!(options.initialBalance > 0) || !Number.isFinite(options.initialBalance)) invalid('initialBalance must be a positive number');
    const markets = 'lanes' in options ? options.lanes : [options];
    if (markets.length === 0) invalid('a venue needs at least one symbol');
    this.#account = new Account(options.initialBalance);
    const venueIds = {next: -1};
    this.#lanes = markets.map((market) => new VenueLane(market, {...options, account: this.#account, venueIds}));
    this.symbols = Object.freeze(markets.map((m) => m.symbol));
    this.symbols.forEach((symbol, k) => {
      if (this.#laneOf.has(symbol)) invalid(`symbol ${symbol} given twice`);
      this.#laneOf.set(symbol, k);
    });
  }

  /**
   * Settles bar `index` of a symbol. Indices must increase; a skipped bar is settled on the way
   * (funding and liquidation are not optional), so sync(7) after sync(5) equals sync(6) then sync(7).
   */
  sync(index: number, lane = 0): readonly VenueEvent[] {
    return this.#lanes[lane].settleTo(index) ?? NO_EVENTS;
  }

  submit(order: OrderRequest): OrderAck {
    const k = this.#laneOf.get(order.symbol);
    if (k === undefined) return {status: 'rejected', orderId: order.id, reason: 'wrong-symbol'};
    const lane = this.#lanes[k];
    const last = lane.lastIndex;
    const referencePrice = last >= 0 ? lane.bars.close[last] : lane.bars.length > 0 ? lane.bars.open[0] : Number.NaN;
    let reason = submitRejection(order, {symbol: lane.symbol, spec: lane.spec, tick: lane.tick, step: lane.step, referencePrice});
    if (reason === null && this.#find(order.id) !== undefined) reason = 'duplicate-order-id';
    if (reason !== null) return {status: 'rejected', orderId: order.id, reason};
    lane.book.add(bookOrder(order));
    return {status: 'accepted', orderId: order.id};
  }

  /** Moves a resting stop's trigger, snapped to the nearest tick; false if it is gone or not a stop. */
  amendStop(orderId: number, stopPrice: number): boolean {
    for (const lane of this.#lanes) {
      const order = lane.book.find(orderId);
      if (order === undefined) continue;
      if (order.type !== 'stop-market' || !(stopPrice > 0) || !Number.isFinite(stopPrice)) return false;
      const snapped = lane.tick.nearest(stopPrice);
      if (!(snapped > 0)) return false;
      order.stopPrice = snapped;
      order.request = {...order.request, stopPrice: snapped};
      lane.book.amended();
      return true;
    }
    return false;
  }

  /** Engine-initiated: no `canceled` event (the caller knows). An OCO sibling stays. */
  cancel(orderId: number, _reason: string): boolean {
    for (const lane of this.#lanes) if (lane.book.remove(orderId) !== undefined) return true;
    return false;
  }

  /** Cancels every open order of every symbol; returns how many. */
  cancelAll(_reason: string): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.book.clear();
    return n;
  }

  openOrders(lane = 0): readonly OrderRequest[] {
    return this.#lanes[lane].book.openRequests();
  }

  position(lane = 0): PositionView {
    const l = this.#lanes[lane];
    return this.#account.positionView(l.position);
  }

  walletBalance(): number {
    return this.#account.wallet;
  }

  /** Running totals behind the wallet (realised PnL, fees, funding, liquidation fees, slippage). */
  totals(): AccountTotals {
    return this.#account.totals();
  }

  /** Fills that took more than the volume model's maxParticipation of the previous bar's volume. */
  get overParticipationFills(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.matcher.overParticipationFills;
    return n;
  }

  /** The last bar of a symbol settled, −1 before its first sync. */
  lastSyncedIndex(lane = 0): number {
    return this.#lanes[lane].lastIndex;
  }

  #find(orderId: number) {
    for (const lane of this.#lanes) {
      const order = lane.book.find(orderId);
      if (order !== undefined) return order;
    }
    return undefined;
  }
}
