/**
 * Order execution for one bar: market orders at the open, then the intrabar path for resting
 * orders and liquidation. Collects the bar's VenueEvents in processing order.
 */
import type {BarColumns, InstrumentSpec, OrderRequest, SymbolId, VenueEvent} from '../core/index.js';
import type {Account, Position} from './account.js';
import type {FundingSchedule} from './funding-schedule.js';
import type {MarkRows} from './mark-rows.js';
import {isMarketable, limitTrigger, liquidationTrigger, lowFirst, pathTime, stopTrigger} from './intrabar-path.js';
import {bookOrder, type BookOrder, type OrderBook} from './order-book.js';
import type {Grid} from './precision.js';
import {exceedsParticipation, slippageBps, slippedPrice, type SlippageModel} from './slippage.js';

export interface MatcherParts {
  readonly symbol: SymbolId;
  readonly bars: BarColumns;
  /** Mark candles, or null; `marks.valid(i)` where all four mark prices of bar i are numbers. */
  readonly marks: MarkRows | null;
  readonly timeframeMs: number;
  readonly spec: InstrumentSpec;
  readonly tick: Grid;
  readonly slippage: SlippageModel;
  readonly account: Account;
  /** This symbol's position in the account. */
  readonly position: Position;
  readonly book: OrderBook;
  /** Ids of venue-placed protective orders, shared by every symbol of the venue. */
  readonly venueIds: {next: number};
}

export class Matcher {
  /** Events of the bar being processed; null until the first one (the quiet bar allocates nothing). */
  out: VenueEvent[] | null = null;
  /** Volume-model fills larger than maxParticipation × the previous bar's volume (filled in full anyway). */
  overParticipationFills = 0;
  /** Settlements inside the bar being walked are path events too (set by the venue). */
  funding: FundingSchedule | null = null;

  constructor(private readonly p: MatcherParts) {}

  emit(event: VenueEvent): void {
    (this.out ??= []).push(event);
  }

  /** Step b: queued market orders fill at the open, first come first served. */
  fillMarketOrders(i: number): void {
    const open = this.p.bars.open[i];
    const time = this.p.bars.openTime[i];
    for (const order of this.p.book.takeMarket()) this.execute(order, i, open, false, time, false);
  }

  /** Cheap pre-check for a bar with a position and no resting orders: can the mark reach the LP? */
  mayLiquidate(i: number): boolean {
    const {account, position, marks, bars} = this.p;
    account.solveLiquidation(position);
    const lp = position.lp;
    const m = marks !== null && marks.valid(i) ? marks.mark : bars;
    if (position.qty > 0) return lp > 0 && m.low[i] <= lp;
    return m.high[i] >= lp;
  }

  /** Steps c–e: walks o→l→h→c or o→h→l→c (see intrabar-path.ts), direction fixed after step b. */
  walkPath(i: number): void {
    const {bars, marks} = this.p;
    const o = bars.open[i];
    const h = bars.high[i];
    const l = bars.low[i];
    const c = bars.close[i];
    const m = marks !== null && marks.valid(i) ? marks.mark : bars;
    const mo = m.open[i];
    const mh = m.high[i];
    const ml = m.low[i];
    const mc = m.close[i];
    const down = lowFirst(this.p.position.qty, o, c);
    const p1 = down ? l : h;
    const p2 = down ? h : l;
    const m1 = down ? ml : mh;
    const m2 = down ? mh : ml;
    this.walkLeg(i, 0, o, p1, mo, m1);
    this.walkLeg(i, 1, p1, p2, m1, m2);
    this.walkLeg(i, 2, p2, c, m2, mc);
  }

  /**
   * One leg a→b (mark ma→mb): repeatedly takes the earliest trigger among the resting orders
   * and the liquidation price, processes it and walks on from there, so an order placed or a
   * position changed mid-leg is seen by the rest of the leg. Ties go to the order placed first,
   * and an order beats liquidation at the same point (it was already in the book).
   */
  private walkLeg(i: number, leg: number, a: number, b: number, ma: number, mb: number): void {
    const {account, position, book} = this.p;
    const resting = book.resting;
    let from = 0;
    let current = a;
    const funding = this.funding;
    for (;;) {
      let best = -1;
      let bestF = Number.POSITIVE_INFINITY;
      for (let j = 0; j < resting.length; j++) {
        const r = resting[j];
        const f =
          r.type === 'limit'
            ? limitTrigger(r.sign, r.price, a, b, current, from)
            : stopTrigger(r.sign, r.stopPrice, a, b, current, from);
        if (f < bestF) {
          bestF = f;
          best = j;
        }
      }
      let liquidate = false;
      const markNow = ma + (mb - ma) * from;
      if (position.qty !== 0) {
        const f = liquidationTrigger(position.qty > 0 ? 1 : -1, account.liquidationPriceOf(position), ma, mb, markNow, from);
        if (f < bestF) {
          bestF = f;
          liquidate = true;
        }
      }
      // A funding settlement on this leg comes first at its point (ties too: it happens at that instant).
      if (funding !== null && funding.nextU < leg + 1) {
        const fu = Math.max(funding.nextU - leg, from);
        if (fu <= bestF) {
          funding.settleInside(ma + (mb - ma) * fu);
          current = a + (b - a) * fu;
          from = fu;
          continue;
        }
      }
      if (!liquidate && best < 0) return;
      const time = pathTime(this.p.bars.openTime[i], this.p.timeframeMs, leg, bestF);
      if (liquidate) {
        const lp = account.liquidationPriceOf(position);
        const gapped = position.qty > 0 ? markNow <= lp : markNow >= lp;
        this.liquidate(time, gapped ? markNow : lp);
        if (bestF !== from) current = a + (b - a) * bestF;
      } else {
        const order = book.removeRestingAt(best);
        const level = order.type === 'limit' ? order.price : order.stopPrice;
        if (isMarketable(order.type as 'limit' | 'stop-market', order.sign, level, current)) {
          // Gap (or a protective order placed beyond the price): crosses at the current price as a taker.
          this.execute(order, i, current, false, time, true);
        } else {
          // Limit: traded through, filled at its price as a maker. Stop: triggered at its price, then slippage.
          this.execute(order, i, level, order.type === 'limit', time, true);
          current = level;
        }
      }
      from = bestF;
    }
  }

  /**
   * Fills one order at `reference` (maker: exactly there; taker: moved by slippage, a marketable
   * limit capped at its price), after the fill-time checks: a reduce-only order that would
   * increase the position is dropped (`rejected` if it was a queued market order, `canceled` if
   * it was resting) and one larger than the position is cut to it (as Binance does); an
   * exposure-increasing fill needs margin and must fit the leverage's bracket (`rejected`).
   */
  private execute(order: BookOrder, i: number, reference: number, maker: boolean, time: number, resting: boolean): void {
    const {account, position, spec, bars} = this.p;
    const held = position.qty;
    let qty = order.qty;
    if (order.reduceOnly) {
      if (held === 0 || Math.sign(held) === order.sign) {
        const type = resting ? 'canceled' : 'rejected';
        this.emit({type, orderId: order.id, reason: 'reduce-only-would-increase', timeMs: time});
        return;
      }
      if (qty > Math.abs(held)) qty = Math.abs(held);
    }
    let price = reference;
    let slippage = 0;
    if (!maker) {
      const previousVolume = i > 0 ? bars.volume[i - 1] : 0;
      if (exceedsParticipation(this.p.slippage, qty, previousVolume)) this.overParticipationFills++;
      const bps = slippageBps(this.p.slippage, qty, previousVolume);
      price = slippedPrice(order.side, reference, bps, this.p.tick, order.type === 'limit' ? order.price : Number.NaN);
      slippage = Math.abs(price - reference) * qty;
    }
    const signed = order.sign * qty;
    if (!order.reduceOnly) {
      let reason = '';
      if (account.exceedsBracket(position, signed, price)) reason = 'exceeds-bracket-for-leverage';
      else if (account.lacksMargin(position, signed, price)) reason = 'insufficient-margin';
      if (reason !== '') {
        this.emit({type: 'rejected', orderId: order.id, reason, timeMs: time});
        return;
      }
    }
    const fee = qty * price * (maker ? spec.makerFeeRate : spec.takerFeeRate);
    account.fill(position, signed, price, fee, slippage);
    const r = order.request;
    this.emit({
      type: 'fill',
      fill: {
        orderId: order.id,
        clientOrderId: r.clientOrderId,
        symbol: r.symbol,
        side: order.side,
        qty,
        price,
        fee,
        liquidity: maker ? 'maker' : 'taker',
        slippage,
        timeMs: time,
        reason: r.reason,
        reduceOnly: order.reduceOnly,
      },
    });
    this.afterFill(order, qty, time);
  }

  private afterFill(order: BookOrder, qty: number, time: number): void {
    const {position, book} = this.p;
    if (!Number.isNaN(order.ocoId) && book.remove(order.ocoId) !== undefined) {
      this.emit({type: 'canceled', orderId: order.ocoId, reason: 'oco', timeMs: time});
    }
    if (book.protectiveCount > 0) this.cancelStaleProtection(time);
    const attached = order.request.attached;
    if (attached !== undefined && position.qty !== 0 && Math.sign(position.qty) === order.sign) {
      this.placeProtection(order, Math.min(qty, Math.abs(position.qty)), attached, time);
    }
  }

  /** Protective orders die with the position they protect: on flat or on a reversal. */
  private cancelStaleProtection(time: number): void {
    const {position, book} = this.p;
    const side = Math.sign(position.qty);
    const reason = side === 0 ? 'position-closed' : 'position-reversed';
    for (let j = 0; j < book.resting.length; ) {
      const r = book.resting[j];
      if (r.protects !== 0 && r.protects !== side) {
        book.removeRestingAt(j);
        this.emit({type: 'canceled', orderId: r.id, reason, timeMs: time});
      } else j++;
    }
  }

  /** Reduce-only, one-cancels-other stop-loss (stop-market) and take-profit (limit) for the filled qty. */
  private placeProtection(
    parent: BookOrder,
    qty: number,
    attached: NonNullable<OrderRequest['attached']>,
    time: number,
  ): void {
    const {stopLoss, takeProfit} = attached;
    const ids = this.p.venueIds;
    const slId = stopLoss === undefined ? Number.NaN : ids.next--;
    const tpId = takeProfit === undefined ? Number.NaN : ids.next--;
    const base = {
      symbol: parent.request.symbol,
      side: parent.side === 'buy' ? ('sell' as const) : ('buy' as const),
      qty,
      reduceOnly: true,
      createdMs: time,
    };
    const cid = parent.request.clientOrderId;
    if (stopLoss !== undefined) {
      const request: OrderRequest = {...base, id: slId, clientOrderId: `${cid}-sl`, type: 'stop-market', stopPrice: stopLoss, reason: 'stop-loss'};
      this.p.book.add(bookOrder(request, parent.sign, tpId));
    }
    if (takeProfit !== undefined) {
      const request: OrderRequest = {...base, id: tpId, clientOrderId: `${cid}-tp`, type: 'limit', price: takeProfit, reason: 'take-profit'};
      this.p.book.add(bookOrder(request, parent.sign, slId));
    }
  }

  /** Closes the position at its liquidation price and cancels the resting reduce-only orders. */
  private liquidate(time: number, markPrice: number): void {
    const {account, position, book} = this.p;
    const qty = position.qty;
    const price = account.liquidationPriceOf(position);
    const {fee} = account.liquidate(position, price);
    this.emit({type: 'liquidation', liquidation: {symbol: this.p.symbol, timeMs: time, qty, price, markPrice, fee}});
    for (let j = 0; j < book.resting.length; ) {
      const r = book.resting[j];
      if (r.reduceOnly) {
        book.removeRestingAt(j);
        this.emit({type: 'canceled', orderId: r.id, reason: 'liquidation', timeMs: time});
      } else j++;
    }
  }
}
