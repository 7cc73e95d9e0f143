import {describe, expect, it} from 'vitest';
import {importInstrumentFile} from '../../src/adapters/binance/instrument-import.js';
import {
  builtinInstrument,
  DEFAULT_BRACKETS_SOURCE,
  instrumentForRun,
  instrumentIdentity,
  resolveInstrument,
  versionInForce,
} from '../../src/app/instrument-resolution.js';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {BTCUSDT_BRACKETS, CONSERVATIVE_DEFAULT_BRACKETS, ETHUSDT_BRACKETS, maintenanceMargin} from '../../src/sim/index.js';
import {useTempStores} from '../support/duckdb-stores.js';
import {EXCHANGE_INFO_JAN, EXCHANGE_INFO_MAR, JAN, LEVERAGE_BRACKETS, MAR} from '../support/instrument-fixtures.js';

const EX = 'binanceusdm';
const SOL = 'SOL/USDT:USDT';
const FEB = Date.UTC(2025, 1, 1);
const APR = Date.UTC(2025, 3, 1);
const at = (fromMs: number, toMs = fromMs) => ({fromMs, toMs});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => {
    throw new Error('expected a rejection');
  }, (error: unknown) => error);
}

describe('versionInForce', () => {
  const v = [{asOfMs: 10}, {asOfMs: 30}, {asOfMs: 20}];
  it('takes the newest at or before the time, else the oldest as a fallback', () => {
    expect(versionInForce(v, 25)).toEqual({version: {asOfMs: 20}, fallback: false});
    expect(versionInForce(v, 30)).toEqual({version: {asOfMs: 30}, fallback: false});
    expect(versionInForce(v, 1000)).toEqual({version: {asOfMs: 30}, fallback: false});
    expect(versionInForce(v, 5)).toEqual({version: {asOfMs: 10}, fallback: true});
    expect(versionInForce([], 5)).toBeNull();
  });
});

describe('resolveInstrument', () => {
  const temp = useTempStores();
  const storeWithSol = async () => {
    const {store} = await temp.open();
    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_JAN, kind: 'exchange-info'});
    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_MAR, kind: 'exchange-info'});
    return store;
  };

  it('uses the spec in force at the first decision bar and notes a change later in the range', async () => {
    const store = await storeWithSol();
    const feb = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(FEB));
    expect([feb.rules.asOfMs, feb.rules.content.tickSize, feb.notes]).toEqual([JAN, 0.01, []]);
    expect(feb.brackets).toBeNull();
    const apr = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(APR));
    expect([apr.rules.asOfMs, apr.rules.content.tickSize]).toEqual([MAR, 0.001]);
    const spanning = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(FEB, APR));
    expect(spanning.rules.asOfMs).toBe(JAN);
    expect(spanning.notes).toEqual([
      "a newer instrument spec for SOL/USDT:USDT (as of 2025-03-01T00:00:00.000Z) takes effect inside the run's range; the run keeps the one in force at its first decision bar",
    ]);
  });

  it('falls back to the oldest stored spec before its as-of time, with a note', async () => {
    const store = await storeWithSol();
    const old = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(Date.UTC(2024, 5, 1)));
    expect(old.rules.asOfMs).toBe(JAN);
    expect(old.notes[0]).toMatch(/^no instrument spec for SOL\/USDT:USDT as of 2024-06-01T00:00:00\.000Z or earlier: using the oldest stored, as of 2025-01-01T00:00:00\.000Z \(file exchange-info-2025-01-01\.json sha256:[0-9a-f]{12}\)$/);
  });

  it('fails with one line naming the command when nothing is stored for the symbol', async () => {
    const {store} = await temp.open();
    const error = await rejection(resolveInstrument(store.instruments, {exchange: EX, symbol: 'XRP/USDT:USDT'}, at(FEB)));
    expect(isIftbError(error, ErrorCode.DATA_MISSING)).toBe(true);
    expect((error as Error).message).toBe(
      'no instrument spec for XRP/USDT:USDT on binanceusdm: run `iftb data instruments sync --symbols XRP/USDT:USDT` (offline: `iftb data instruments import exchangeInfo.json`)');
  });

  it('takes a complete spec from the config when none is stored', async () => {
    const {store} = await temp.open();
    const instrument = {tickSize: 0.0001, stepSize: 1, minQty: 1, minNotional: 5, makerFeeRate: 0.0002, takerFeeRate: 0.0005, liquidationFeeRate: 0.015};
    const choice = await resolveInstrument(store.instruments, {exchange: EX, symbol: 'XRP/USDT:USDT', instrument}, at(FEB));
    expect(choice.rules).toMatchObject({asOfMs: null, source: 'config', content: {symbol: 'XRP/USDT:USDT', ...instrument}});
    // an incomplete one is not a spec: the same one-line error
    await expect(resolveInstrument(store.instruments, {exchange: EX, symbol: 'XRP/USDT:USDT', instrument: {tickSize: 0.0001}}, at(FEB)))
      .rejects.toThrow(/^no instrument spec for XRP\/USDT:USDT on binanceusdm: run `iftb data instruments sync/);
  });

  it('picks brackets by the same rule, apart from the rules', async () => {
    const store = await storeWithSol();
    await importInstrumentFile(store.instruments, {file: LEVERAGE_BRACKETS, kind: 'brackets', asOfMs: FEB});
    const apr = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(APR));
    expect([apr.rules.asOfMs, apr.brackets?.asOfMs, apr.brackets?.content.length]).toEqual([MAR, FEB, 5]);
    const jan = await resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(JAN + 1));
    expect(jan.brackets?.asOfMs).toBe(FEB);
    expect(jan.notes[0]).toMatch(/^no leverage brackets for SOL\/USDT:USDT as of .* or earlier: using the oldest stored, as of 2025-02-01/);
  });

  it('resolves the seeded built-ins to exactly what a store-less run uses (same identity)', async () => {
    const {store} = await temp.open();
    const config = {exchange: EX, symbol: 'BTC/USDT:USDT'};
    const stored = instrumentForRun(await resolveInstrument(store.instruments, config, at(Date.UTC(2023, 0, 1))), config);
    const builtin = instrumentForRun(builtinInstrument(EX, 'BTC/USDT:USDT'), config);
    expect(stored).toEqual(builtin);
    expect(instrumentIdentity(stored)).toEqual(instrumentIdentity(builtin));
    expect(builtin).toMatchObject({rules: {asOfMs: 0, asOf: '1970-01-01T00:00:00.000Z', source: 'builtin'}, defaultBrackets: false, notes: []});
    expect(() => builtinInstrument(EX, 'SOL/USDT:USDT')).toThrow(/^no instrument spec for SOL\/USDT:USDT on binanceusdm/);
  });
});

describe('instrumentForRun', () => {
  const temp = useTempStores();
  const sol = async () => {
    const {store} = await temp.open();
    await importInstrumentFile(store.instruments, {file: EXCHANGE_INFO_MAR, kind: 'exchange-info'});
    return resolveInstrument(store.instruments, {exchange: EX, symbol: SOL}, at(APR));
  };

  it('uses the conservative default schedule without stored brackets, and says so', async () => {
    const info = instrumentForRun(await sol(), {exchange: EX, symbol: SOL});
    expect(info.spec.brackets).toBe(CONSERVATIVE_DEFAULT_BRACKETS);
    expect(info.defaultBrackets).toBe(true);
    expect(info.brackets).toMatchObject({asOfMs: null, asOf: null, source: DEFAULT_BRACKETS_SOURCE});
    expect(info.notes.at(-1)).toMatch(/^no leverage brackets stored for SOL\/USDT:USDT: using IFTB's conservative default schedule/);
  });

  it('applies config overrides over the spec, and the makerFee/takerFee keys over those', async () => {
    const choice = await sol();
    const plain = instrumentForRun(choice, {exchange: EX, symbol: SOL});
    const info = instrumentForRun(choice, {
      exchange: EX, symbol: SOL, instrument: {takerFeeRate: 0.0004, makerFeeRate: 0.00018, tickSize: 0.005, brackets: [...ETHUSDT_BRACKETS]}, takerFee: 0.00035,
    });
    expect(info.spec).toMatchObject({symbol: SOL, tickSize: 0.005, makerFeeRate: 0.00018, takerFeeRate: 0.00035, stepSize: 0.1, minNotional: 5});
    expect(info.spec.brackets).toEqual(ETHUSDT_BRACKETS);
    expect(info.overrides).toEqual(['brackets', 'makerFeeRate', 'takerFeeRate', 'tickSize']);
    expect(info).toMatchObject({defaultBrackets: false, brackets: {source: 'config', asOfMs: null}});
    expect(info.notes.some((n) => n.includes('default schedule'))).toBe(false);
    // the stored version is the same; what was traded differs, and the identity says so
    expect(info.rules).toEqual(plain.rules);
    expect(info.effectiveHash).not.toBe(plain.effectiveHash);
    expect(instrumentIdentity(info)).not.toEqual(instrumentIdentity(plain));
    expect(instrumentForRun(choice, {exchange: EX, symbol: SOL, makerFee: 0.0001}).overrides).toEqual(['makerFeeRate']);
  });
});

describe('CONSERVATIVE_DEFAULT_BRACKETS', () => {
  it('asks at least the maintenance margin of BTCUSDT and ETHUSDT at every notional, and joins continuously', () => {
    for (let notional = 0; notional <= 2e9; notional = notional < 1e4 ? notional + 250 : notional * 1.05) {
      const conservative = maintenanceMargin(CONSERVATIVE_DEFAULT_BRACKETS, notional);
      expect(conservative).toBeGreaterThanOrEqual(maintenanceMargin(BTCUSDT_BRACKETS, notional) - 1e-9);
      expect(conservative).toBeGreaterThanOrEqual(maintenanceMargin(ETHUSDT_BRACKETS, notional) - 1e-9);
    }
    const b = CONSERVATIVE_DEFAULT_BRACKETS;
    for (let k = 1; k < b.length; k++) {
      expect(b[k].maintAmount).toBeCloseTo(b[k - 1].maintAmount + b[k - 1].notionalCap * (b[k].maintMarginRate - b[k - 1].maintMarginRate), 9);
      expect(b[k].maxLeverage).toBeLessThanOrEqual(BTCUSDT_BRACKETS[0].maxLeverage);
    }
  });
});
