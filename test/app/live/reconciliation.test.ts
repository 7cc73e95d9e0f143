/**
 * Reconciliation while the bot runs: a position opened by hand at the exchange is adopted as an
 * external record, journaled as a venue mismatch, and trading goes reducing until an operator's
 * resume; a restart replays all of it to the identical journal.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseLiveConfig} from '../../../src/app/live-config.js';
import {type LiveHandle, startLive} from '../../../src/app/live-runner.js';
import type {Bar, JournalEvent} from '../../../src/core/index.js';
import {type LocalBinanceExchange, startBinanceExchange} from '../../support/binance-exchange/exchange.js';
import {LIVE_T0, MINUTE, SMA_CROSS_1M, waveBars} from '../../support/live-candles.js';
import {waitFor} from '../../support/wait.js';

const T0 = LIVE_T0;
const HISTORY = 60;
const SYMBOL = 'BTC/USDT:USDT';
const CONFIG = SMA_CROSS_1M;


const mismatches = (journal: readonly JournalEvent[]) => journal.filter((e) => e.type === 'error' && e.code === 'IFTB_E_VENUE_MISMATCH');
const states = (journal: readonly JournalEvent[]) => journal.flatMap((e) => (e.type === 'state' ? [`${e.from}->${e.to} (${e.cause})`] : []));

describe('reconciliation of a running live session', () => {
  let dir = '';
  let exchange: LocalBinanceExchange | null = null;
  let handle: LiveHandle | null = null;
  afterEach(async () => {
    await handle?.stop('test end').catch(() => undefined);
    await exchange?.close();
    handle = null;
    exchange = null;
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  const all = waveBars(T0 - HISTORY * MINUTE, HISTORY + 60);
  const future = all.slice(HISTORY);
  const lines: string[] = [];

  async function start(live: Record<string, unknown> = {}) {
    dir ||= mkdtempSync(join(tmpdir(), 'iftb-reconcile-'));
    exchange ??= await startBinanceExchange({startTimeMs: T0 + 1000, klines: {BTCUSDT: all.slice(0, HISTORY)}, walletBalance: 20_000});
    const env = {IFTB_BINANCE_REST_URL: exchange.url, IFTB_BINANCE_WS_URL: exchange.wsUrl, BINANCE_API_KEY: exchange.apiKey, BINANCE_API_SECRET: exchange.apiSecret};
    const config = parseLiveConfig({...CONFIG, live: {mode: 'live', pollGraceMs: 60_000, ...live}});
    handle = await startLive(config, {db: join(dir, 'bot.duckdb'), env, confirmLive: SYMBOL, log: (l) => lines.push(l)});
    return handle;
  }

  async function step(bar: Bar): Promise<void> {
    exchange!.advance({symbol: 'BTCUSDT', bar});
    await waitFor(() => handle!.loop.status().lastBarMs === bar.openTime, `bar ${new Date(bar.openTime).toISOString()}`);
  }

  it('adopts a position opened by hand (stream), goes reducing, journals it; an operator resume clears it; a restart replays it identically', async () => {
    const h = await start({reconcileEveryMs: 600_000});
    for (const bar of future.slice(0, 5)) await step(bar);
    expect(h.session.parts.gate.status().state).toBe('active');
    // Someone buys 0.005 BTC in the web UI.
    exchange!.placeOrder({symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.005, newClientOrderId: 'web_manual_1'});
    await waitFor(() => mismatches(h.loop.journal).length > 0, 'the mismatch');
    expect(mismatches(h.loop.journal)[0]).toMatchObject({message: expect.stringMatching(/web_manual_1 .* not placed by this session; adopted as external/)});
    expect(h.session.parts.gate.status().state).toBe('reducing');
    expect(states(h.loop.journal)).toEqual(['active->reducing (reconciliation)']);
    // The stream tells NEW, then the trade: one adoption, then the fill.
    await waitFor(() => h.session.exchangeVenue!.tracker.get('web_manual_1')?.state === 'filled', 'the adopted order to fill');
    const adopted = h.session.exchangeVenue!.tracker.get('web_manual_1');
    expect(adopted).toMatchObject({origin: 'external', state: 'filled', detail: expect.stringMatching(/not placed by this session/)});
    // The adopted fill reaches the engine at the next bar: the ledger holds what the exchange holds.
    await step(future[5]);
    expect(h.session.parts.ledger.qty(0)).toBeCloseTo(exchange!.positions()[0].qty, 9);
    expect(h.loop.journal.filter((e) => e.type === 'fill' && e.fill.reason === 'external')).toHaveLength(1);

    const resumed = await h.loop.command('resume', 'checked the manual order', 'test');
    expect(resumed.outcome).toBe('ok');
    expect(h.session.parts.gate.status().state).toBe('active');
    expect(states(h.loop.journal)).toEqual(['active->reducing (reconciliation)', 'reducing->active (reconciliation cleared)']);
    for (const bar of future.slice(6, 10)) await step(bar);
    const journalBefore = h.loop.journal.length;
    await h.stop('restart');
    handle = null;

    // Restart on the same store: the mismatch and the resume replay at the same points.
    lines.length = 0;
    const again = await start({reconcileEveryMs: 600_000});
    expect(lines.join('\n')).toMatch(/journal identical/);
    expect(again.loop.status().replayMismatch).toBeNull();
    expect(again.loop.journal.length).toBeGreaterThanOrEqual(journalBefore);
    expect(again.session.parts.gate.status().state).toBe('active');
    expect(mismatches(again.loop.journal)).toHaveLength(1);
  });

  it('finds a hand-placed fill the stream never told by reconciling periodically', async () => {
    const h = await start({reconcileEveryMs: 500});
    for (const bar of future.slice(0, 3)) await step(bar);
    exchange!.holdUserEvents();
    exchange!.placeOrder({symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.004, newClientOrderId: 'bot2_7'});
    await waitFor(() => mismatches(h.loop.journal).length > 0, 'the periodic reconciliation to find it');
    expect(mismatches(h.loop.journal)[0]).toMatchObject({message: expect.stringMatching(/fills of orders not placed by this session were adopted as external: sell 0.004 \(order external-\d+\)/)});
    expect(h.session.parts.gate.status().state).toBe('reducing');
    await step(future[3]);
    expect(h.session.parts.ledger.qty(0)).toBeCloseTo(exchange!.positions()[0].qty, 9);
    // Once explained, later passes find nothing new: one mismatch, not one per pass.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mismatches(h.loop.journal)).toHaveLength(1);
  });
});
