/**
 * The venue is the truth: at start and every few minutes the exchange's orders, fills and
 * positions are compared with what the session holds. An order left 'pending' or 'unknown' is
 * resolved by a query by client id (found: its state and fills; not found: it never reached the
 * exchange — 'lost'); a fill the bot missed is stored and delivered; an order or a position the
 * bot does not know is adopted as an explicit external record, never deleted. What could not be
 * explained is reported as a mismatch (the loop then restricts trading).
 */
import type {ExchangeClient, ExchangeTrade, SymbolId, TrackedOrder} from '../core/index.js';
import type {ExchangeVenue} from './exchange-venue.js';

export interface ReconcileReport {
  readonly resolvedOrders: number;
  readonly recoveredFills: number;
  readonly adoptedOrders: number;
  readonly mismatches: readonly string[];
}

export interface ReconcileOptions {
  readonly client: ExchangeClient;
  readonly venue: ExchangeVenue;
  readonly symbols: readonly SymbolId[];
  /** Trades before this time are the session's past (fetching starts here). */
  readonly sinceMs: number;
  readonly now: () => number;
}

/** An order not found by client id this long after its last update never reached the exchange. */
const LOST_AFTER_MS = 10_000;

/** Quantities closer than this are equal (far below any step size). */
const QTY_EPSILON = 1e-9;

export async function reconcile(o: ReconcileOptions): Promise<ReconcileReport> {
  const {client, venue} = o;
  const tracker = venue.tracker;
  let resolvedOrders = 0;
  let recoveredFills = 0;
  let adoptedOrders = 0;
  const mismatches: string[] = [];

  // 1. Orders in flight or open: what the exchange knows of each, by client id.
  for (const order of tracker.open()) {
    const seen = await client.fetchOrder(order.symbol, order.clientOrderId);
    if (seen === null) {
      // A request that timed out may still be on its way: only a silence this long proves it never arrived.
      if (o.now() - order.updatedMs < LOST_AFTER_MS) continue;
      if (order.state === 'pending' || order.state === 'unknown') {
        await tracker.setState(order, 'lost', 'never reached the exchange (not found by client id)', o.now());
        venue.onLost(order);
        resolvedOrders++;
      } else if (order.origin !== 'external') {
        await tracker.setState(order, 'canceled', 'no longer known to the exchange', o.now());
        resolvedOrders++;
      }
      continue;
    }
    const before = order.filledQty;
    await venue.onOrderUpdate(seen, null);
    resolvedOrders += order.state === seen.status ? 0 : 1;
    if (seen.filledQty > before + QTY_EPSILON || seen.status === 'filled') recoveredFills += await recoverFills(o, tracker.get(order.clientOrderId)!);
  }

  // 2. Open orders nobody here placed: adopted (the bot never cancels them).
  for (const symbol of o.symbols) {
    for (const open of await client.openOrders(symbol)) {
      if (tracker.get(open.clientOrderId) !== undefined || tracker.byExchangeId(open.exchangeOrderId) !== undefined) continue;
      await venue.adoptExternal(open);
      adoptedOrders++;
      mismatches.push(`${symbol}: open order ${open.clientOrderId} (${open.side} ${open.qty} ${open.type}) was not placed by this session`);
    }
  }

  // 3. Positions: the exchange's against what the session will hold once queued fills are delivered.
  const positions = new Map((await client.positions()).map((p) => [p.symbol, p] as const));
  for (const symbol of o.symbols) {
    const actual = positions.get(symbol)?.qty ?? 0;
    const held = venue.expectedQty(symbol);
    if (Math.abs(actual - held) <= QTY_EPSILON) continue;
    // Fills not received yet (of the bot's orders), and fills of orders it does not know (placed by hand, or a liquidation).
    const external: string[] = [];
    for (const trade of await client.trades(symbol, o.sinceMs)) {
      if (!tracker.knowsTrade(trade)) {
        const known = tracker.byExchangeId(trade.exchangeOrderId);
        const owner = known ?? (await externalOrderOf(venue, trade, o.now()));
        if (known === undefined || known.origin === 'external') external.push(`${trade.side} ${trade.qty} (order ${owner.clientOrderId})`);
        await venue.onTrade(trade, owner);
        recoveredFills++;
      }
    }
    const left = actual - venue.expectedQty(symbol);
    if (Math.abs(left) > QTY_EPSILON) {
      // A position older than the session: adopted at the exchange's entry price.
      await venue.adoptPosition(symbol, left, positions.get(symbol)?.entryPrice ?? Number.NaN, o.now());
      mismatches.push(`${symbol}: the exchange holds ${actual}, the session held ${held}; the difference ${round(left)} was adopted as an external position`);
    } else if (external.length > 0) {
      mismatches.push(`${symbol}: the exchange holds ${actual}, the session held ${held}; fills of orders not placed by this session were adopted as external: ${external.join(', ')}`);
    }
    // Otherwise the difference was the session's own fills, not received yet (the stream is behind the order's answer): recovered, no mismatch.
  }
  return {resolvedOrders, recoveredFills, adoptedOrders, mismatches};
}

function round(qty: number): number {
  return Math.round(qty * 1e9) / 1e9;
}

/** Every fill of a tracked order the session has not stored yet. */
async function recoverFills(o: ReconcileOptions, order: TrackedOrder): Promise<number> {
  if (order.exchangeOrderId === null) return 0;
  let n = 0;
  for (const trade of await o.client.trades(order.symbol, Math.min(order.createdMs, o.sinceMs))) {
    if (trade.exchangeOrderId !== order.exchangeOrderId) continue;
    const before = o.venue.tracker.get(order.clientOrderId)!;
    await o.venue.onTrade({...trade, clientOrderId: order.clientOrderId}, before);
    n++;
  }
  return n;
}

/** A trade of an order nobody here placed: its order is recorded as external first. */
async function externalOrderOf(venue: ExchangeVenue, trade: ExchangeTrade, nowMs: number): Promise<TrackedOrder> {
  return venue.adoptExternal({
    symbol: trade.symbol, clientOrderId: trade.clientOrderId ?? `external-${trade.exchangeOrderId}`, exchangeOrderId: trade.exchangeOrderId,
    status: 'filled', side: trade.side, type: 'other', qty: trade.qty, filledQty: trade.qty, avgPrice: trade.price, price: trade.price,
    stopPrice: Number.NaN, reduceOnly: false, updateTimeMs: nowMs,
  });
}
