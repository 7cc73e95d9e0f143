/**
 * One USDⓈ-M futures account in one-way mode: wallet, positions, fills with commission and
 * realised PnL, funding settlement, and the account/position payloads Binance serves for them.
 */
import type {MarketBook} from './book.js';
import type {ExchangeClock} from './clock.js';
import {bracketFor, decimalsOf, fmt, round} from './instruments.js';

export const ASSET = 'USDT';
const MONEY = 8;

export interface PositionState {
  amt: number;
  entryPrice: number;
  /** Binance's `cr`: realised PnL accumulated on this position. */
  realized: number;
  updateTime: number;
}

export interface SymbolSettings {
  leverage: number;
  marginType: 'cross' | 'isolated';
}

export interface TradeRecord {
  readonly id: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly qty: number;
  readonly realizedPnl: number;
  readonly commission: number;
  readonly maker: boolean;
  readonly time: number;
}

export interface IncomeRecord {
  readonly symbol: string;
  readonly incomeType: 'FUNDING_FEE' | 'REALIZED_PNL' | 'COMMISSION';
  readonly income: number;
  readonly time: number;
  readonly tranId: number;
  readonly tradeId: string;
}

export interface AccountOptions {
  readonly walletBalance: number;
  readonly leverage: number;
  readonly takerFee: number;
  readonly makerFee: number;
}

export type UserEventSink = (event: Record<string, unknown>) => void;

export class Account {
  wallet: number;
  readonly positions = new Map<string, PositionState>();
  readonly settings = new Map<string, SymbolSettings>();
  readonly trades: TradeRecord[] = [];
  readonly incomes: IncomeRecord[] = [];
  private nextTradeId = 700_000_001;
  private nextTranId = 9_100_000_001;
  private balanceTime: number;

  constructor(
    private readonly book: MarketBook,
    private readonly clock: ExchangeClock,
    private readonly options: AccountOptions,
    private readonly emit: UserEventSink,
  ) {
    this.wallet = options.walletBalance;
    this.balanceTime = clock.now();
  }

  position(symbol: string): PositionState {
    let position = this.positions.get(symbol);
    if (position === undefined) {
      position = {amt: 0, entryPrice: 0, realized: 0, updateTime: 0};
      this.positions.set(symbol, position);
    }
    return position;
  }

  settingsOf(symbol: string): SymbolSettings {
    let settings = this.settings.get(symbol);
    if (settings === undefined) {
      settings = {leverage: this.options.leverage, marginType: 'cross'};
      this.settings.set(symbol, settings);
    }
    return settings;
  }

  /** Executes `qty` at `price` against the position (one-way): opens, adds, reduces or flips. */
  fill(symbol: string, side: 'BUY' | 'SELL', qty: number, price: number, maker: boolean, orderId: number): TradeRecord {
    const qd = decimalsOf(this.book.spec(symbol).stepSize);
    const position = this.position(symbol);
    const dir = side === 'BUY' ? 1 : -1;
    let realized = 0;
    if (position.amt === 0 || Math.sign(position.amt) === dir) {
      const amt = round(position.amt + dir * qty, qd);
      position.entryPrice = round((Math.abs(position.amt) * position.entryPrice + qty * price) / Math.abs(amt), MONEY);
      position.amt = amt;
    } else {
      const closing = Math.min(qty, Math.abs(position.amt));
      realized = round((price - position.entryPrice) * closing * Math.sign(position.amt), MONEY);
      const rest = round(qty - closing, qd);
      if (rest > 0) {
        position.amt = round(dir * rest, qd);
        position.entryPrice = price;
      } else {
        position.amt = round(position.amt + dir * qty, qd);
        if (position.amt === 0) position.entryPrice = 0;
      }
    }
    const time = this.clock.now();
    const commission = round(qty * price * (maker ? this.options.makerFee : this.options.takerFee), MONEY);
    position.realized = round(position.realized + realized, MONEY);
    position.updateTime = time;
    this.wallet = round(this.wallet + realized - commission, MONEY);
    this.balanceTime = time;
    const trade: TradeRecord = {id: this.nextTradeId++, symbol, orderId, side, price, qty, realizedPnl: realized, commission, maker, time};
    this.trades.push(trade);
    if (realized !== 0) this.income(symbol, 'REALIZED_PNL', realized, time, String(trade.id));
    this.income(symbol, 'COMMISSION', -commission, time, String(trade.id));
    return trade;
  }

  /** Funding at a settlement time: longs pay shorts when the rate is positive. */
  settleFunding(symbol: string, rate: number, markPrice: number, time: number): void {
    const position = this.positions.get(symbol);
    if (position === undefined || position.amt === 0) return;
    const fee = round(-position.amt * markPrice * rate, MONEY);
    this.wallet = round(this.wallet + fee, MONEY);
    this.balanceTime = time;
    this.income(symbol, 'FUNDING_FEE', fee, time, '');
    this.emitAccountUpdate('FUNDING_FEE', [symbol]);
  }

  emitAccountUpdate(reason: string, symbols: readonly string[]): void {
    const time = this.clock.now();
    this.emit({
      e: 'ACCOUNT_UPDATE',
      E: time,
      T: time,
      a: {
        m: reason,
        B: [{a: ASSET, wb: fmt(this.wallet, MONEY), cw: fmt(this.crossWallet(), MONEY), bc: '0'}],
        P: symbols.map((symbol) => {
          const p = this.position(symbol);
          const s = this.settingsOf(symbol);
          return {
            s: symbol,
            pa: fmt(p.amt, decimalsOf(this.book.spec(symbol).stepSize)),
            ep: fmt(p.entryPrice, MONEY),
            bep: fmt(this.breakEven(symbol), MONEY),
            cr: fmt(p.realized, MONEY),
            up: fmt(this.unrealized(symbol), MONEY),
            mt: s.marginType,
            iw: fmt(s.marginType === 'isolated' ? this.positionMargin(symbol) : 0, MONEY),
            ps: 'BOTH',
          };
        }),
      },
    });
  }

  unrealized(symbol: string): number {
    const p = this.positions.get(symbol);
    if (p === undefined || p.amt === 0) return 0;
    return round((this.markOf(symbol) - p.entryPrice) * p.amt, MONEY);
  }

  /** Initial margin of the position at the mark price. */
  positionMargin(symbol: string): number {
    const p = this.positions.get(symbol);
    if (p === undefined || p.amt === 0) return 0;
    return round((Math.abs(p.amt) * this.markOf(symbol)) / this.settingsOf(symbol).leverage, MONEY);
  }

  maintMargin(symbol: string): number {
    const p = this.positions.get(symbol);
    if (p === undefined || p.amt === 0) return 0;
    const notional = Math.abs(p.amt) * this.markOf(symbol);
    const b = bracketFor(this.book.spec(symbol), notional);
    return round(notional * b.maintMarginRatio - b.cum, MONEY);
  }

  /** What new exposure may still use: margin balance minus every initial margin in use. */
  available(openOrderMargin: number): number {
    let used = openOrderMargin;
    let upnl = 0;
    for (const symbol of this.positions.keys()) {
      used += this.positionMargin(symbol);
      upnl += this.unrealized(symbol);
    }
    return round(this.wallet + upnl - used, MONEY);
  }

  /** Binance's one-position liquidation price: (WB + cum − side·|q|·EP) / (|q|·MMR − side·|q|). */
  liquidationPrice(symbol: string): number {
    const p = this.positions.get(symbol);
    if (p === undefined || p.amt === 0) return 0;
    const settings = this.settingsOf(symbol);
    const wallet = settings.marginType === 'isolated' ? this.positionMargin(symbol) : this.crossWallet();
    const q = Math.abs(p.amt);
    const side = Math.sign(p.amt);
    const b = bracketFor(this.book.spec(symbol), q * p.entryPrice);
    const price = (wallet + b.cum - side * q * p.entryPrice) / (q * b.maintMarginRatio - side * q);
    return price > 0 ? round(price, MONEY) : 0;
  }

  accountV3(openOrderMargin: (symbol: string) => number, listed: readonly string[]): Record<string, unknown> {
    let positionIm = 0;
    let orderIm = 0;
    let maint = 0;
    let upnl = 0;
    for (const symbol of this.book.specs.keys()) {
      positionIm += this.positionMargin(symbol);
      orderIm += openOrderMargin(symbol);
      maint += this.maintMargin(symbol);
      upnl += this.unrealized(symbol);
    }
    const marginBalance = this.wallet + upnl;
    const available = Math.max(0, marginBalance - positionIm - orderIm);
    const m = (value: number) => fmt(value, MONEY);
    return {
      totalInitialMargin: m(positionIm + orderIm),
      totalMaintMargin: m(maint),
      totalWalletBalance: m(this.wallet),
      totalUnrealizedProfit: m(upnl),
      totalMarginBalance: m(marginBalance),
      totalPositionInitialMargin: m(positionIm),
      totalOpenOrderInitialMargin: m(orderIm),
      totalCrossWalletBalance: m(this.crossWallet()),
      totalCrossUnPnl: m(upnl),
      availableBalance: m(available),
      maxWithdrawAmount: m(Math.min(available, this.wallet)),
      assets: [
        {
          asset: ASSET,
          walletBalance: m(this.wallet),
          unrealizedProfit: m(upnl),
          marginBalance: m(marginBalance),
          maintMargin: m(maint),
          initialMargin: m(positionIm + orderIm),
          positionInitialMargin: m(positionIm),
          openOrderInitialMargin: m(orderIm),
          crossWalletBalance: m(this.crossWallet()),
          crossUnPnl: m(upnl),
          availableBalance: m(available),
          maxWithdrawAmount: m(Math.min(available, this.wallet)),
          // ccxt's fetchBalance skips assets whose updateTime is 0
          updateTime: this.balanceTime,
        },
      ],
      positions: listed.map((symbol) => {
        const p = this.position(symbol);
        return {
          symbol,
          positionSide: 'BOTH',
          positionAmt: fmt(p.amt, decimalsOf(this.book.spec(symbol).stepSize)),
          unrealizedProfit: m(this.unrealized(symbol)),
          isolatedMargin: m(this.isolatedMargin(symbol)),
          notional: m(p.amt * this.markOf(symbol)),
          isolatedWallet: m(this.isolatedWallet(symbol)),
          initialMargin: m(this.positionMargin(symbol) + openOrderMargin(symbol)),
          maintMargin: m(this.maintMargin(symbol)),
          updateTime: p.updateTime,
        };
      }),
    };
  }

  /** GET /fapi/v3/positionRisk rows (v3 dropped leverage and marginType; see symbolConfig). */
  positionRiskV3(listed: readonly string[], openOrderMargin: (symbol: string) => number): Record<string, unknown>[] {
    const m = (value: number) => fmt(value, MONEY);
    return listed.map((symbol) => {
      const p = this.position(symbol);
      const notional = p.amt * this.markOf(symbol);
      const bracket = bracketFor(this.book.spec(symbol), notional);
      return {
        symbol,
        positionSide: 'BOTH',
        positionAmt: fmt(p.amt, decimalsOf(this.book.spec(symbol).stepSize)),
        entryPrice: m(p.entryPrice),
        breakEvenPrice: m(this.breakEven(symbol)),
        markPrice: m(this.markOf(symbol)),
        unRealizedProfit: m(this.unrealized(symbol)),
        liquidationPrice: m(this.liquidationPrice(symbol)),
        isolatedMargin: m(this.isolatedMargin(symbol)),
        notional: m(notional),
        marginAsset: ASSET,
        isolatedWallet: m(this.isolatedWallet(symbol)),
        initialMargin: m(this.positionMargin(symbol) + openOrderMargin(symbol)),
        maintMargin: m(this.maintMargin(symbol)),
        positionInitialMargin: m(this.positionMargin(symbol)),
        openOrderInitialMargin: m(openOrderMargin(symbol)),
        adl: p.amt === 0 ? 0 : Math.min(4, Math.max(1, Math.ceil(bracket.bracket / 3))),
        bidNotional: '0',
        askNotional: '0',
        updateTime: p.updateTime,
      };
    });
  }

  private income(symbol: string, incomeType: IncomeRecord['incomeType'], income: number, time: number, tradeId: string): void {
    this.incomes.push({symbol, incomeType, income, time, tranId: this.nextTranId++, tradeId});
  }

  private markOf(symbol: string): number {
    return this.book.markPrice(symbol) ?? this.position(symbol).entryPrice;
  }

  private crossWallet(): number {
    let isolated = 0;
    for (const symbol of this.positions.keys()) isolated += this.isolatedWallet(symbol);
    return round(this.wallet - isolated, MONEY);
  }

  private isolatedWallet(symbol: string): number {
    return this.settingsOf(symbol).marginType === 'isolated' ? this.positionMargin(symbol) : 0;
  }

  private isolatedMargin(symbol: string): number {
    return this.settingsOf(symbol).marginType === 'isolated' ? round(this.isolatedWallet(symbol) + this.unrealized(symbol), MONEY) : 0;
  }

  /** Entry adjusted for the taker fee of opening and closing. */
  private breakEven(symbol: string): number {
    const p = this.position(symbol);
    if (p.amt === 0) return 0;
    const fee = this.options.takerFee;
    return p.amt > 0 ? (p.entryPrice * (1 + fee)) / (1 - fee) : (p.entryPrice * (1 - fee)) / (1 + fee);
  }
}
