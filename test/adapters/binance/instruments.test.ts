import {describe, expect, it} from 'vitest';
import {bracketUpdates, parseExchangeInfo, parseLeverageBrackets, selectRules, unifiedSymbol} from '../../../src/adapters/binance/instruments.js';
import {ErrorCode, isIftbError} from '../../../src/core/index.js';
import {validateBrackets} from '../../../src/sim/index.js';
import {readFixture as read} from '../../support/instrument-fixtures.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseExchangeInfo (Binance USDⓈ-M /fapi/v1/exchangeInfo)', () => {
  it('reads every filter and field of a symbol into InstrumentRules', () => {
    const parsed = parseExchangeInfo(read('exchange-info-2025-01-01.json'));
    expect(parsed.serverTimeMs).toBe(Date.UTC(2025, 0, 1));
    expect(parsed.rules.map((r) => r.symbol)).toEqual(['BTC/USDT:USDT', 'SOL/USDT:USDT', 'BTC/USDT:USDT-250627']);
    expect(parsed.rules[1]).toEqual({
      symbol: 'SOL/USDT:USDT', exchangeSymbol: 'SOLUSDT', status: 'TRADING', contractType: 'PERPETUAL',
      tickSize: 0.01, minPrice: 0.42, maxPrice: 6857,
      stepSize: 0.1, minQty: 0.1, maxQty: 1_000_000, marketStepSize: 0.1, marketMinQty: 0.1, marketMaxQty: 5000,
      minNotional: 5, percentPriceUp: 1.05, percentPriceDown: 0.95, pricePrecision: 4, quantityPrecision: 1,
      makerFeeRate: 0.0002, takerFeeRate: 0.0005, liquidationFeeRate: 0.015,
    });
    // Precision is the exchange's, not the tick's: BTCUSDT shows 2 decimals with a 0.10 tick.
    expect(parsed.rules[0]).toMatchObject({tickSize: 0.1, pricePrecision: 2, minNotional: 100, liquidationFeeRate: 0.0125});
    expect(parsed.rules[2]).toMatchObject({exchangeSymbol: 'BTCUSDT_250627', contractType: 'CURRENT_QUARTER', liquidationFeeRate: 0.01});
  });

  it('sees the tick size change between the two saved responses', () => {
    const sol = (file: string) => parseExchangeInfo(read(file)).rules.find((r) => r.exchangeSymbol === 'SOLUSDT')!;
    expect(sol('exchange-info-2025-01-01.json').tickSize).toBe(0.01);
    expect(sol('exchange-info-2025-03-01.json').tickSize).toBe(0.001);
  });

  it('maps ids to ccxt unified symbols: perpetuals BASE/QUOTE:SETTLE, dated futures with -YYMMDD', () => {
    const perp = {contractType: 'PERPETUAL', deliveryDate: 4_133_404_800_000, baseAsset: '1000PEPE', quoteAsset: 'USDT', marginAsset: 'USDT'};
    expect(unifiedSymbol(perp)).toBe('1000PEPE/USDT:USDT');
    // Some perpetuals carry no contract type; the 2100 delivery date marks them (as ccxt does).
    expect(unifiedSymbol({...perp, contractType: ''})).toBe('1000PEPE/USDT:USDT');
    expect(unifiedSymbol({...perp, baseAsset: 'BTC', contractType: 'NEXT_QUARTER', deliveryDate: Date.UTC(2025, 8, 26, 8)})).toBe('BTC/USDT:USDT-250926');
    expect(unifiedSymbol({...perp, baseAsset: 'BTC', quoteAsset: 'USDC', marginAsset: 'USDC'})).toBe('BTC/USDC:USDC');
  });

  it('sets a malformed symbol aside with one line naming it and the field, and keeps the others', () => {
    const info = read('exchange-info-2025-01-01.json') as {symbols: Array<{filters: Array<Record<string, unknown>>}>};
    info.symbols[1].filters = info.symbols[1].filters.filter((f) => f.filterType !== 'LOT_SIZE');
    info.symbols[0].filters[0].tickSize = 'abc';
    const parsed = parseExchangeInfo(info, 'saved.json');
    expect(parsed.rules.map((r) => r.exchangeSymbol)).toEqual(['BTCUSDT_250627']);
    expect(parsed.unreadable).toEqual([
      {exchangeSymbol: 'BTCUSDT', symbol: 'BTC/USDT:USDT', reason: 'saved.json symbols[0] (BTCUSDT) PRICE_FILTER: tickSize: expected a decimal, got "abc"'},
      {exchangeSymbol: 'SOLUSDT', symbol: 'SOL/USDT:USDT', reason: 'saved.json symbols[1] (SOLUSDT): no LOT_SIZE filter'},
    ]);
    // asking for an unreadable symbol is an error with that line
    const asked = caught(() => selectRules(parsed, ['SOL/USDT:USDT'], 'saved.json'));
    expect(isIftbError(asked, ErrorCode.DATA_INVALID)).toBe(true);
    expect((asked as Error).message).toBe('saved.json symbols[1] (SOLUSDT): no LOT_SIZE filter');

    // Spot's exchangeInfo names the field minNotional (filter NOTIONAL); a futures parser must not take it.
    const spot = read('exchange-info-2025-01-01.json') as {symbols: Array<{filters: Array<Record<string, unknown>>}>};
    spot.symbols[0].filters = spot.symbols[0].filters.map((f) => (f.filterType === 'MIN_NOTIONAL' ? {filterType: 'NOTIONAL', minNotional: '5'} : f));
    expect(parseExchangeInfo(spot).unreadable[0].reason).toMatch(/no MIN_NOTIONAL filter/);
    expect(parseExchangeInfo({symbols: [42]}).unreadable[0]).toMatchObject({exchangeSymbol: 'symbols[0]', reason: expect.stringMatching(/^exchangeInfo symbols\[0\] \(symbols\[0\]\): /)});

    const other = caught(() => parseExchangeInfo([{symbol: 'x'}], 'klines.json'));
    expect(isIftbError(other, ErrorCode.DATA_INVALID)).toBe(true);
    expect((other as Error).message).toMatch(/^klines\.json \(not a \/fapi\/v1\/exchangeInfo response\)/);
  });

  it('selects requested symbols and refuses one the response does not list', () => {
    const parsed = parseExchangeInfo(read('exchange-info-2025-01-01.json'));
    expect(selectRules(parsed, ['SOL/USDT:USDT'], 'x').map((r) => r.exchangeSymbol)).toEqual(['SOLUSDT']);
    expect(selectRules(parsed, undefined, 'x')).toHaveLength(3);
    expect((caught(() => selectRules(parsed, ['DOGE/USDT:USDT'], 'saved.json')) as Error).message).toBe('saved.json does not list DOGE/USDT:USDT');
  });
});

describe('parseLeverageBrackets (/fapi/v1/leverageBracket)', () => {
  it('turns rows into ascending MarginBrackets the venue accepts', () => {
    const [sol, xrp] = parseLeverageBrackets(read('leverage-bracket.json'));
    expect(sol.exchangeSymbol).toBe('SOLUSDT');
    expect(sol.brackets[0]).toEqual({notionalCap: 5000, maxLeverage: 75, maintMarginRate: 0.005, maintAmount: 0});
    expect(sol.brackets.map((b) => b.maintAmount)).toEqual([0, 25, 525, 8025, 58025]);
    expect(xrp.exchangeSymbol).toBe('XRPUSDT');
    expect(() => validateBrackets({symbol: 'SOL/USDT:USDT', brackets: sol.brackets} as never)).not.toThrow();
  });

  it('reads the single-object answer Binance gives when a symbol is sent, and sorts rows by bracket', () => {
    const [sol] = read('leverage-bracket.json') as Array<{symbol: string; brackets: unknown[]}>;
    const parsed = parseLeverageBrackets({...sol, brackets: [...sol.brackets].reverse()});
    expect(parsed).toHaveLength(1);
    expect(parsed[0].brackets.map((b) => b.maxLeverage)).toEqual([75, 50, 25, 10, 5]);
  });

  it('refuses non-ascending caps and malformed rows', () => {
    const rows = [
      {bracket: 1, initialLeverage: 20, notionalCap: 5000, notionalFloor: 0, maintMarginRatio: 0.02, cum: 0},
      {bracket: 2, initialLeverage: 10, notionalCap: 5000, notionalFloor: 5000, maintMarginRatio: 0.05, cum: 150},
    ];
    expect((caught(() => parseLeverageBrackets([{symbol: 'SOLUSDT', brackets: rows}], 'b.json')) as Error).message).toMatch(/b\.json SOLUSDT: bracket 2 cap 5000 is not above bracket 1's/);
    expect((caught(() => parseLeverageBrackets([{symbol: 'SOLUSDT', brackets: [{bracket: 1}]}], 'b.json')) as Error).message).toMatch(/^b\.json\[0\] \(not a \/fapi\/v1\/leverageBracket entry\)/);
  });

  it('keys brackets by unified symbol through the rules that name the Binance id', () => {
    const rules = parseExchangeInfo(read('exchange-info-2025-01-01.json')).rules;
    const updates = bracketUpdates(parseLeverageBrackets(read('leverage-bracket.json')), rules, {exchange: 'binanceusdm', asOfMs: 5, source: 's'});
    expect(updates.map((u) => [u.symbol, u.asOfMs, u.brackets.length])).toEqual([['SOL/USDT:USDT', 5, 5]]);
  });
});
