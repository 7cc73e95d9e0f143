/**
 * The Telegram commands' target over a running session: reads from the session's status, and
 * the changes as operator commands through the loop (stored, applied between bars, journaled
 * with `telegram:<chat id>` as who). The kill switch is engaged as the API does: the persisted
 * switch first (it issues the confirmation code), then the loop flattens.
 */
import type {ChatOpsTarget} from '../adapters/alerts/index.js';
import type {LiveHandle} from './live-runner.js';
import {journaledState} from './journaled-state.js';

type Session = Pick<LiveHandle, 'session' | 'loop'>;

export function chatOpsOverLive(handle: Session): ChatOpsTarget {
  const {session, loop} = handle;
  const {parts, lanes, series} = session;
  const iso = (ms: number | null) => (ms === null ? 'none' : new Date(ms).toISOString());
  // Reads only: the gate's status() may journal a pending change, stamped with this chat's time.
  const tradingState = journaledState(loop);
  return {
    async status() {
      const s = loop.status();
      return [
        `session ${s.sessionId} (${s.mode})`,
        `trading ${tradingState()}${parts.gate.paused ? ' (paused)' : ''}, breaker ${parts.breaker.state}, kill switch ${session.killSwitch.engaged ? 'ENGAGED' : 'released'}`,
        `last bar ${iso(s.lastBarMs)}, equity ${parts.ledger.equity().toFixed(2)} USDT, wallet ${parts.ledger.walletBalance.toFixed(2)} USDT`,
      ].join('\n');
    },
    async positions() {
      const rows = lanes.map((l, k) => {
        const qty = parts.ledger.qty(k);
        if (qty === 0) return `${l.entry.symbol}: flat`;
        const bars = series[k].bars;
        const mark = bars.close[bars.length - 1];
        const entry = parts.ledger.entry(k);
        return `${l.entry.symbol}: ${qty > 0 ? 'long' : 'short'} ${Math.abs(qty)} @ ${entry}, mark ${mark}, unrealised ${(qty * (mark - entry)).toFixed(2)} USDT`;
      });
      return rows.join('\n');
    },
    async pause(by) {
      return `pause: ${(await loop.command('pause', 'telegram /pause', by)).outcome}`;
    },
    async resume(by) {
      return `resume: ${(await loop.command('resume', 'telegram /resume', by)).outcome}`;
    },
    async killSwitch(reason, by) {
      let code: string | null = null;
      const result = await loop.command('kill-switch', reason, by, async () => {
        try {
          code = (await session.killSwitch.activate(reason, by)).confirmationCode;
          return 'ok';
        } catch (error) {
          return `refused: ${(error as Error).message}`;
        }
      });
      if (result.outcome !== 'ok' || code === null) return `kill switch: ${result.outcome}`;
      return `Kill switch ENGAGED (${reason}): positions flattened, trading halted.\nConfirmation code: ${code}\nRelease: POST /api/kill-switch/deactivate {"confirmation_code": "${code}"}`;
    },
    async breaker() {
      const b = parts.breaker.status();
      const m = b.metrics;
      return [
        `circuit breaker ${b.state}${b.trippedRule === null ? '' : ` (tripped: ${b.trippedRule}, since ${iso(b.since)})`}`,
        `drawdown ${m.drawdownPct.toFixed(2)} % (trip ${parts.breaker.config.drawdown.tripPct} %), daily loss ${m.dailyLossPct.toFixed(2)} % (trip ${parts.breaker.config.dailyLoss.tripPct} %)`,
        `loss streak ${m.lossStreak}, decision latency ${Math.round(m.decisionLatencyMs)} ms`,
      ].join('\n');
    },
  };
}
