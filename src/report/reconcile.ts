/**
 * Reconciliations of a run from records kept apart: the cash ledger (`run_cash`: every change of
 * the wallet with its kind and running balance), the trades table (`run_trades`) and the
 * journal's fills, funding payments and liquidations, replayed here through a position of their
 * own (average entry price, as the exchange books it). Each reconciliation states its formula
 * with the numbers, so a reader sees what was added up and where a difference would come from —
 * unlike a metric recomputed from the same per-bar equity that produced it.
 */
import type {ClosedTrade, JournalEvent} from '../core/index.js';
import {fixed} from './format.js';
import type {ReportCashEntry} from './types.js';

/** Quantities closer than this are equal (far below any step size, far above float dust). */
const QTY_EPSILON = 1e-9;

export interface Reconciliation {
  readonly check: string;
  /** The equation with its numbers filled in. */
  readonly formula: string;
  readonly left: number;
  readonly right: number;
  readonly ok: boolean;
}

/** What the journal's fills, funding and liquidations add up to, replayed per symbol. */
export interface JournalBooks {
  readonly realised: number;
  readonly fees: number;
  readonly funding: number;
  readonly liquidationFees: number;
  /** Round trips closed (flat again, by a fill or a liquidation). */
  readonly closedTrades: number;
  /** Of the closed round trips: price PnL, and PnL after fees, funding and liquidation fees. */
  readonly closedGross: number;
  readonly closedNet: number;
  /** Open position per symbol at the end: signed qty and average entry. */
  readonly open: ReadonlyMap<string, {readonly qty: number; readonly entry: number}>;
  /** The same sums per symbol. */
  readonly bySymbol: ReadonlyMap<string, SymbolBooks>;
}

export interface SymbolBooks {
  realised: number;
  fees: number;
  funding: number;
  liquidationFees: number;
}

interface Book {
  qty: number;
  entry: number;
  /** Booked on the round trip now open: price PnL, and PnL net of its costs. */
  gross: number;
  net: number;
}

export function replayJournal(journal: readonly JournalEvent[]): JournalBooks {
  const books = new Map<string, Book>();
  const bySymbol = new Map<string, SymbolBooks>();
  const book = (symbol: string) => {
    let b = books.get(symbol);
    if (!b) books.set(symbol, (b = {qty: 0, entry: 0, gross: 0, net: 0}));
    return b;
  };
  const sums = (symbol: string) => {
    let x = bySymbol.get(symbol);
    if (!x) bySymbol.set(symbol, (x = {realised: 0, fees: 0, funding: 0, liquidationFees: 0}));
    return x;
  };
  let realised = 0, fees = 0, funding = 0, liquidationFees = 0, closedTrades = 0, closedGross = 0, closedNet = 0;
  const close = (b: Book) => {
    closedTrades++;
    closedGross += b.gross;
    closedNet += b.net;
    b.qty = 0;
    b.entry = 0;
    b.gross = 0;
    b.net = 0;
  };
  for (const e of journal) {
    if (e.type === 'fill') {
      const f = e.fill;
      const b = book(f.symbol);
      const x = sums(f.symbol);
      const dir = f.side === 'buy' ? 1 : -1;
      fees += f.fee;
      x.fees += f.fee;
      let opening = f.qty;
      if (b.qty !== 0 && Math.sign(b.qty) !== dir) {
        const closing = Math.min(f.qty, Math.abs(b.qty));
        const pnl = closing * (f.price - b.entry) * Math.sign(b.qty);
        // A reversal's fee is shared pro rata between the round trip it ends and the one it opens.
        const fee = (f.fee * closing) / f.qty;
        realised += pnl;
        x.realised += pnl;
        b.gross += pnl;
        b.net += pnl - fee;
        b.qty += dir * closing;
        opening = f.qty - closing < QTY_EPSILON ? 0 : f.qty - closing;
        if (Math.abs(b.qty) < QTY_EPSILON) close(b);
      }
      if (opening > 0) {
        const held = Math.abs(b.qty);
        b.entry = (b.entry * held + f.price * opening) / (held + opening);
        b.qty += dir * opening;
        b.net -= (f.fee * opening) / f.qty;
      }
    } else if (e.type === 'funding') {
      funding += e.funding.amount;
      sums(e.funding.symbol).funding += e.funding.amount;
      book(e.funding.symbol).net += e.funding.amount;
    } else if (e.type === 'liquidation') {
      const l = e.liquidation;
      const b = book(l.symbol);
      const pnl = Math.abs(b.qty) * (l.price - b.entry) * Math.sign(b.qty);
      const x = sums(l.symbol);
      realised += pnl;
      liquidationFees += l.fee;
      x.realised += pnl;
      x.liquidationFees += l.fee;
      b.gross += pnl;
      b.net += pnl - l.fee;
      close(b);
    }
  }
  const open = new Map<string, {qty: number; entry: number}>();
  for (const [symbol, b] of books) if (b.qty !== 0) open.set(symbol, {qty: b.qty, entry: b.entry});
  return {realised, fees, funding, liquidationFees, closedTrades, closedGross, closedNet, open, bySymbol};
}

/** Sums of the cash ledger by kind, its final balance, and the largest break in its running balance. */
export interface CashBooks {
  readonly deposits: number;
  readonly realised: number;
  /** Positive: what fees took. */
  readonly fees: number;
  readonly funding: number;
  readonly liquidationFees: number;
  readonly other: number;
  readonly finalBalance: number;
  /** max |balance − (previous balance + amount)| over the rows. */
  readonly chainBreak: number;
  readonly rows: number;
}

export function sumCash(cash: readonly ReportCashEntry[]): CashBooks {
  let deposits = 0, realised = 0, fees = 0, funding = 0, liquidationFees = 0, other = 0, chainBreak = 0, previous = 0;
  for (const c of cash) {
    if (c.kind === 'deposit') deposits += c.amount;
    else if (c.kind === 'realized-pnl') realised += c.amount;
    else if (c.kind === 'fee') fees -= c.amount;
    else if (c.kind === 'funding') funding += c.amount;
    else if (c.kind === 'liquidation-fee') liquidationFees -= c.amount;
    else other += c.amount;
    chainBreak = Math.max(chainBreak, Math.abs(c.balance - (previous + c.amount)));
    previous = c.balance;
  }
  return {deposits, realised, fees, funding, liquidationFees, other, finalBalance: cash.length > 0 ? cash[cash.length - 1].balance : 0, chainBreak, rows: cash.length};
}

export interface ReconcileInput {
  readonly cash: readonly ReportCashEntry[];
  readonly trades: readonly ClosedTrade[];
  readonly journal: readonly JournalEvent[];
  /** run.json's final equity, the symbol and the last close it was marked at, and the position then. */
  readonly finalEquity: number;
  readonly symbol: string;
  readonly lastClose: number;
  readonly lastPosition: number;
  /** A portfolio: every symbol's last close and position (the single fields are then ignored). */
  readonly marks?: readonly SymbolMark[];
}

/** A symbol's last close (where the account marks its position) and its per-bar position then. */
export interface SymbolMark {
  readonly symbol: string;
  readonly lastClose: number;
  readonly lastPosition: number;
}

const n = (x: number) => fixed(x, 6);
const signed = (x: number) => (x < 0 ? `− ${n(-x)}` : `+ ${n(x)}`);

/** Every reconciliation of the run; sums agree within 1e-9 of the deposit or final equity (float sums over many rows). */
export function reconcile(input: ReconcileInput): Reconciliation[] {
  const cash = sumCash(input.cash);
  const j = replayJournal(input.journal);
  const t = input.trades.reduce((s, x) => ({gross: s.gross + x.grossPnl, net: s.net + x.netPnl}), {gross: 0, net: 0});
  const scale = Math.max(1, Math.abs(cash.deposits), Math.abs(input.finalEquity));
  const row = (check: string, formula: string, left: number, right: number, tolerance = 1e-9 * scale): Reconciliation =>
    ({check, formula, left, right, ok: Number.isFinite(left) && Number.isFinite(right) && Math.abs(left - right) <= tolerance});
  const portfolio = input.marks !== undefined;
  const marks = input.marks ?? [{symbol: input.symbol, lastClose: input.lastClose, lastPosition: input.lastPosition}];
  const positions = marks.map((m) => {
    const p = j.open.get(m.symbol) ?? {qty: 0, entry: 0};
    return {...m, qty: p.qty, entry: p.entry, unrealised: p.qty === 0 ? 0 : p.qty * (m.lastClose - p.entry)};
  });
  const others = [...j.open.keys()].filter((s) => !marks.some((m) => m.symbol === s));
  const unrealised = positions.reduce((sum, p) => sum + p.unrealised, 0);
  const [position] = positions;
  const unrealisedText = portfolio
    ? `${signed(unrealised)} unrealised (${positions.filter((p) => p.qty !== 0).map((p) => `${p.symbol} ${p.qty} × (${p.lastClose} − ${n(p.entry)})`).join(', ') || 'no open position'}, journal)`
    : `${signed(unrealised)} unrealised (${position.qty} × (${position.lastClose} − ${n(position.entry)}), journal)`;
  const booked = j.realised - j.fees + j.funding - j.liquidationFees;
  return [
    row('cash ledger: running balance', `every balance = previous balance + amount (largest break ${n(cash.chainBreak)} over ${cash.rows} rows)`, cash.chainBreak, 0),
    row('fees: cash ledger = journal fills', `Σ fee rows ${n(cash.fees)} = Σ fill fees ${n(j.fees)}`, cash.fees, j.fees),
    row('funding: cash ledger = journal payments', `Σ funding rows ${n(cash.funding)} = Σ funding payments ${n(j.funding)}`, cash.funding, j.funding),
    row('liquidation fees: cash ledger = journal', `Σ liquidation-fee rows ${n(cash.liquidationFees)} = Σ liquidation fees ${n(j.liquidationFees)}`, cash.liquidationFees, j.liquidationFees),
    row('realised PnL: cash ledger = journal fills replayed',
      `Σ realized-pnl rows ${n(cash.realised)} = fills and liquidations at average entry ${n(j.realised)}`, cash.realised, j.realised),
    row('closed trades: gross PnL', `Σ gross PnL of ${input.trades.length} trades ${n(t.gross)} = realised on ${j.closedTrades} closed round trips in the journal ${n(j.closedGross)}`,
      t.gross, j.closedGross),
    row('closed trades: net PnL', `Σ net PnL (trades table) ${n(t.net)} = their realised − fees ± funding − liquidation fees (journal) ${n(j.closedNet)}`, t.net, j.closedNet),
    row('closed trades: count', `trades table ${input.trades.length} = round trips closed in the journal ${j.closedTrades}`, input.trades.length, j.closedTrades, 0),
    row('final cash', `cash ledger balance ${n(cash.finalBalance)} = deposit ${n(cash.deposits)} ${signed(j.realised)} realised − ${n(j.fees)} fees ${signed(j.funding)} funding − ${n(j.liquidationFees)} liquidation fees (journal)`,
      cash.finalBalance, cash.deposits + booked + cash.other),
    ...positions.map((p) => row(portfolio ? `position at the last close: ${p.symbol}` : 'position at the last close',
      `per-bar position ${p.lastPosition} = journal fills ${p.qty}`, p.lastPosition, p.qty, QTY_EPSILON)),
    row('final equity',
      `run.json ${n(input.finalEquity)} = cash ${n(cash.finalBalance)} (ledger) ${unrealisedText}` +
        (others.length > 0 ? `; positions in ${others.join(', ')} are not marked here` : ''),
      input.finalEquity, cash.finalBalance + unrealised, others.length > 0 ? -1 : 1e-9 * scale),
    ...(portfolio ? symbolCashRows(input.cash, j, marks, row) : []),
  ];
}

/** Per symbol: its cash-ledger rows (realised − fees + funding − liquidation fees) = the journal's, replayed for that symbol. */
function symbolCashRows(cash: readonly ReportCashEntry[], j: JournalBooks, marks: readonly SymbolMark[], row: (check: string, formula: string, left: number, right: number) => Reconciliation): Reconciliation[] {
  if (!cash.some((c) => c.symbol !== undefined && c.symbol !== '')) return [];
  return marks.map((m) => {
    const c = sumCash(cash.filter((e) => e.symbol === m.symbol));
    const x = j.bySymbol.get(m.symbol) ?? {realised: 0, fees: 0, funding: 0, liquidationFees: 0};
    const ledger = c.realised - c.fees + c.funding - c.liquidationFees;
    const journal = x.realised - x.fees + x.funding - x.liquidationFees;
    return row(`${m.symbol}: cash ledger = journal`,
      `its rows: realised ${n(c.realised)} − fees ${n(c.fees)} ${signed(c.funding)} funding − liquidation fees ${n(c.liquidationFees)} = journal ${n(x.realised)} − ${n(x.fees)} ${signed(x.funding)} − ${n(x.liquidationFees)}`,
      ledger, journal);
  });
}
