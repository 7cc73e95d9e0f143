/**
 * What stopped a run trading, read from its journal: each circuit-breaker trip and kill-switch
 * activation, with the figures that tripped it, how long it held and how it ended. A run whose
 * drawdown breaker tripped in its first year and never reset is flat for the rest: this is what
 * says so, in run.json, the summary and the report's header.
 */
import type {JournalEvent} from '../core/index.js';

export interface Halt {
  /** The breaker rule ('drawdown', 'daily-loss', …) or 'kill-switch'. */
  readonly rule: string;
  readonly fromMs: number;
  /** When it ended; null: it held to the end of the run. */
  readonly toMs: number | null;
  /** How long it held, up to its end or the end of the run. */
  readonly durationMs: number;
  /** The trading state it imposed: halted (nothing trades) or reducing (exits only). */
  readonly state: 'halted' | 'reducing' | 'unchanged';
  /** The figures that tripped it (breaker detail, or the kill switch's reason). */
  readonly detail: string;
  /**
   * How it ended: `reset` (manual, operator-script or automatic, `by` says which), `recovered` (the
   * rule's own release: cooldown, new UTC day, fresh data), `deactivated` (kill switch), or
   * `never` (it held to the end of the run).
   */
  readonly ended: 'reset' | 'recovered' | 'deactivated' | 'never';
  readonly by?: string;
}

/** Halts in time order; `endMs` is the run's last bar close (an open halt lasts until then). */
export function haltsOf(journal: readonly JournalEvent[], endMs: number): Halt[] {
  const halts: Halt[] = [];
  for (let i = 0; i < journal.length; i++) {
    const e = journal[i];
    if (e.type === 'breaker' && e.level === 'trip') halts.push(breakerHalt(journal, i, e, endMs));
    else if (e.type === 'kill-switch' && e.action === 'activate') halts.push(killSwitchHalt(journal, i, e, endMs));
  }
  return halts;
}

type Breaker = Extract<JournalEvent, {type: 'breaker'}>;
type KillSwitch = Extract<JournalEvent, {type: 'kill-switch'}>;

function breakerHalt(journal: readonly JournalEvent[], at: number, trip: Breaker, endMs: number): Halt {
  let end: Breaker | null = null;
  for (let k = at + 1; k < journal.length && end === null; k++) {
    const e = journal[k];
    // The breaker leaving OPEN (a release into HALF_OPEN, or a reset). A 'recover' while still OPEN is
    // only a warning level passing (or another rule's latch releasing): trading is still stopped.
    if (e.type === 'breaker' && (e.level === 'reset' || (e.level === 'recover' && e.state !== 'OPEN'))) end = e;
  }
  const toMs = end?.timeMs ?? null;
  return {
    rule: trip.rule,
    fromMs: trip.timeMs,
    toMs,
    durationMs: (toMs ?? endMs) - trip.timeMs,
    state: imposedAt(journal, at, trip.timeMs),
    detail: trip.detail,
    ended: end === null ? 'never' : end.level === 'reset' ? 'reset' : 'recovered',
    ...(end?.level === 'reset' ? {by: /reset by (\S+)/.exec(end.detail)?.[1] ?? 'manual'} : end ? {by: end.detail} : {}),
  };
}

function killSwitchHalt(journal: readonly JournalEvent[], at: number, on: KillSwitch, endMs: number): Halt {
  let end: KillSwitch | null = null;
  for (let k = at + 1; k < journal.length && end === null; k++) {
    const e = journal[k];
    if (e.type === 'kill-switch' && (e.action === 'deactivate' || e.action === 'force-deactivate')) end = e;
  }
  const toMs = end?.timeMs ?? null;
  return {
    rule: 'kill-switch',
    fromMs: on.timeMs,
    toMs,
    durationMs: (toMs ?? endMs) - on.timeMs,
    state: 'halted',
    detail: `${on.reason} (by ${on.by})`,
    ended: end === null ? 'never' : 'deactivated',
    ...(end ? {by: end.by} : {}),
  };
}

/** The trading state entered at the trip's time (the gate journals it right after the trip). */
function imposedAt(journal: readonly JournalEvent[], at: number, timeMs: number): Halt['state'] {
  for (let k = at + 1; k < journal.length; k++) {
    const e = journal[k];
    if (e.timeMs > timeMs) break;
    if (e.type === 'state' && e.to !== 'active') return e.to;
  }
  return 'unchanged';
}

const DAY_MS = 86_400_000;

/** "12.5 days", "7 h", "45 min". */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${(ms / DAY_MS).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, '')} h`;
  return `${Math.round(ms / 60_000)} min`;
}

/** One line per halt, for the CLI summary and the report header. */
export function haltLine(h: Halt): string {
  const when = new Date(h.fromMs).toISOString().slice(0, 16).replace('T', ' ');
  const what = h.rule === 'kill-switch' ? 'kill switch activated' : `${h.rule} breaker tripped`;
  const imposed = h.state === 'unchanged' ? '' : ` → ${h.state}`;
  const ended = h.ended === 'never'
    ? `never reset: held ${formatDuration(h.durationMs)}, to the end of the run`
    : `${h.ended}${h.by ? ` (${h.by})` : ''} after ${formatDuration(h.durationMs)}`;
  return `${what} ${when} UTC (${h.detail})${imposed}; ${ended}`;
}
