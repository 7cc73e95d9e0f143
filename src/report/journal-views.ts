/** Views of the journal for the report: trade markers, funding, risk events and cost totals. */
import type {JournalEvent} from '../core/index.js';

export type MarkerKind = 'entry long' | 'entry short' | 'exit' | 'stop' | 'take-profit' | 'liquidation';
export const MARKER_KINDS: readonly MarkerKind[] = ['entry long', 'entry short', 'exit', 'stop', 'take-profit', 'liquidation'];

export interface Marker {
  readonly t: number;
  readonly price: number;
  readonly kind: MarkerKind;
  readonly reason: string;
}

const STOPS = new Set(['stop-loss', 'trailing-stop']);

/** One marker per fill and per liquidation. A reversal fill opens the new side, so it is an entry. */
export function tradeMarkers(journal: readonly JournalEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of journal) {
    if (e.type === 'fill') {
      const f = e.fill;
      const kind: MarkerKind = !f.reduceOnly
        ? f.side === 'buy' ? 'entry long' : 'entry short'
        : STOPS.has(f.reason) ? 'stop' : f.reason === 'take-profit' ? 'take-profit' : 'exit';
      out.push({t: f.timeMs, price: f.price, kind, reason: f.reason});
    } else if (e.type === 'liquidation') {
      out.push({t: e.liquidation.timeMs, price: e.liquidation.price, kind: 'liquidation', reason: 'liquidation'});
    }
  }
  return out;
}

/**
 * At most `max` markers: liquidations and stops are always kept (they are what a reader looks
 * for); entries, exits and take-profits are thinned evenly, every k-th in time order.
 */
export function thinMarkers(markers: readonly Marker[], max: number): Marker[] {
  if (markers.length <= max) return [...markers];
  const rare = (m: Marker) => m.kind === 'liquidation' || m.kind === 'stop';
  const kept = markers.filter(rare).length;
  const common = markers.length - kept;
  const step = Math.ceil(common / Math.max(1, max - kept));
  let k = 0;
  return markers.filter((m) => rare(m) || k++ % step === 0);
}

/** Cumulative funding (signed: negative = paid) after each payment. */
export function cumulativeFunding(journal: readonly JournalEvent[]): Array<{t: number; v: number}> {
  const out: Array<{t: number; v: number}> = [];
  let total = 0;
  for (const e of journal) {
    if (e.type !== 'funding') continue;
    total += e.funding.amount;
    out.push({t: e.funding.timeMs, v: total});
  }
  return out;
}

export interface RiskEvent {
  readonly t: number;
  /** Timeline row: 'breaker: drawdown', 'kill switch', 'trading state'. */
  readonly lane: string;
  /** warn | trip | recover | reset, a kill-switch action, or the state entered. */
  readonly level: string;
  readonly detail: string;
}

export interface StateSpan {
  readonly from: number;
  readonly to: number;
  readonly state: 'reducing' | 'halted';
  readonly cause: string;
}

/** Breaker, kill-switch, model-reload and trading-state events, and the spans spent reducing or halted (open spans end at `endMs`). */
export function riskEvents(journal: readonly JournalEvent[], endMs: number): {events: RiskEvent[]; spans: StateSpan[]} {
  const events: RiskEvent[] = [];
  const spans: StateSpan[] = [];
  let open: {from: number; state: 'reducing' | 'halted'; cause: string} | null = null;
  for (const e of journal) {
    if (e.type === 'breaker') {
      events.push({t: e.timeMs, lane: `breaker: ${e.rule}`, level: e.level, detail: `${e.state}: ${e.detail}`});
    } else if (e.type === 'kill-switch') {
      events.push({t: e.timeMs, lane: 'kill switch', level: e.action, detail: `${e.reason} (by ${e.by})`});
    } else if (e.type === 'model') {
      events.push({t: e.timeMs, lane: 'model', level: e.action, detail: `${e.source}: ${e.from} → ${e.model} (sha256 ${e.sha256.slice(0, 12)}, by ${e.by})`});
    } else if (e.type === 'state') {
      events.push({t: e.timeMs, lane: 'trading state', level: e.to, detail: `${e.from} → ${e.to}: ${e.cause}`});
      if (open) spans.push({from: open.from, to: e.timeMs, state: open.state, cause: open.cause});
      open = e.to === 'active' ? null : {from: e.timeMs, state: e.to, cause: e.cause};
    }
  }
  if (open) spans.push({from: open.from, to: endMs, state: open.state, cause: open.cause});
  return {events, spans};
}

export interface CostTotals {
  readonly fills: number;
  readonly makerFills: number;
  readonly fees: number;
  readonly slippage: number;
  /** Signed net funding: negative = paid overall. */
  readonly funding: number;
  readonly fundingPaid: number;
  readonly fundingReceived: number;
  readonly fundingPayments: number;
  readonly liquidations: number;
  readonly liquidationFees: number;
}

/** Cost totals summed from the journal's fills, funding payments and liquidations, in journal order. */
export function costTotals(journal: readonly JournalEvent[]): CostTotals {
  let fills = 0;
  let makerFills = 0;
  let fees = 0;
  let slippage = 0;
  let funding = 0;
  let fundingPaid = 0;
  let fundingReceived = 0;
  let fundingPayments = 0;
  let liquidations = 0;
  let liquidationFees = 0;
  for (const e of journal) {
    if (e.type === 'fill') {
      fills++;
      if (e.fill.liquidity === 'maker') makerFills++;
      fees += e.fill.fee;
      slippage += e.fill.slippage;
    } else if (e.type === 'funding') {
      fundingPayments++;
      funding += e.funding.amount;
      if (e.funding.amount < 0) fundingPaid -= e.funding.amount;
      else fundingReceived += e.funding.amount;
    } else if (e.type === 'liquidation') {
      liquidations++;
      liquidationFees += e.liquidation.fee;
    }
  }
  return {fills, makerFills, fees, slippage, funding, fundingPaid, fundingReceived, fundingPayments, liquidations, liquidationFees};
}
