/**
 * The channel history of a model name: models/<name>/history.jsonl, one JSON line per change of a
 * channel (promote, force, rollback, pin) with who, when, why and the gate results. Append-only
 * and chained: each line carries the sha256 of the line before it, and channels.json records the
 * number of lines and the last line's sha256 (written in the same step as the channel change), so
 * an edited, reordered, removed or truncated line fails the check. The history is written before
 * channels.json: a crash between the two leaves one line more than channels.json records, which
 * the check reports as an interrupted change.
 */
import {appendFileSync, existsSync, readFileSync} from 'node:fs';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {sha256Hex} from '../config/index.js';

export const HISTORY_FILE = 'history.jsonl';

export const HISTORY_ACTIONS = ['promote', 'force', 'rollback', 'pin'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const GateResultSchema = z
  .object({gate: z.string(), pass: z.boolean(), figure: z.string(), threshold: z.string(), note: z.string().optional(), detail: z.string().optional()})
  .strict();

export const HistoryEntrySchema = z
  .object({
    seq: z.number().int().min(1),
    at: z.string(),
    action: z.enum(HISTORY_ACTIONS),
    channel: z.string(),
    /** The version the channel points at after the change. */
    version: z.string(),
    /** The version it pointed at before (null: the channel's first pin). */
    from: z.string().nullable(),
    by: z.string().min(1),
    reason: z.string().nullable(),
    gates: z.array(GateResultSchema),
    /** What the gates were computed on (window, config hash, reports), null when no gates ran. */
    evidence: z.record(z.string(), z.unknown()).nullable(),
    /** sha256 of the previous line (null on the first). */
    prev: Sha256.nullable(),
  })
  .strict();

export type HistoryEntry = z.output<typeof HistoryEntrySchema>;
/** What a caller says about a change; the registry fills in seq, time, channel, versions and the chain. */
export type ChangeRecord = Pick<HistoryEntry, 'action' | 'by'> & Partial<Pick<HistoryEntry, 'reason' | 'gates' | 'evidence'>>;

export const HistoryHeadSchema = z.object({entries: z.number().int().min(0), sha256: Sha256}).strict();
export type HistoryHead = z.output<typeof HistoryHeadSchema>;

/** Who makes a change: --by, else $IFTB_OPERATOR, else $USER, else the OS account. */
export function operatorName(by?: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = by?.trim() || env.IFTB_OPERATOR?.trim() || env.USER?.trim();
  if (name) return name;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Every entry of `dir`/history.jsonl, checked: each line parses, seq counts from 1, each `prev`
 * is the sha256 of the line before, and (when channels.json records one) the count and last sha256
 * equal `head`. IFTB_E_MODEL_INTEGRITY with the first problem otherwise.
 */
export function readHistory(dir: string, head: HistoryHead | undefined): HistoryEntry[] {
  const path = join(dir, HISTORY_FILE);
  const fail = (why: string): never => {
    throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${path}: ${why}`);
  };
  if (!existsSync(path)) {
    if (head && head.entries > 0) fail(`missing, but channels.json records ${head.entries} entries`);
    return [];
  }
  const text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) fail('the last line is incomplete (an interrupted write)');
  const lines = text.split('\n').slice(0, -1);
  const entries: HistoryEntry[] = [];
  let prev: string | null = null;
  for (const [k, line] of lines.entries()) {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      fail(`line ${k + 1} is not JSON (${(error as Error).message})`);
    }
    const parsed = HistoryEntrySchema.safeParse(raw);
    if (!parsed.success) fail(`line ${k + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    const entry = parsed.data!;
    if (entry.seq !== k + 1) fail(`line ${k + 1} has seq ${entry.seq} (a line was removed or reordered)`);
    if (entry.prev !== prev) fail(`line ${k + 1} does not chain to the line before it (an earlier line was edited or removed)`);
    prev = sha256Hex(line);
    entries.push(entry);
  }
  if (head === undefined) {
    if (entries.length > 0) fail(`has ${entries.length} entries but channels.json records none (channels.json was replaced?)`);
  } else if (head.entries !== entries.length) {
    fail(
      head.entries < entries.length
        ? `has ${entries.length} entries, channels.json records ${head.entries} (an interrupted change: the last entry's channel was not switched)`
        : `has ${entries.length} entries, channels.json records ${head.entries} (entries were removed)`,
    );
  } else if (entries.length > 0 && head.sha256 !== prev) {
    fail(`the last entry's sha256 ${prev!.slice(0, 12)}… differs from the ${head.sha256.slice(0, 12)}… channels.json records (it was edited)`);
  }
  return entries;
}

/** Appends one entry after checking the file; returns the new head for channels.json. */
export function appendHistory(
  dir: string,
  head: HistoryHead | undefined,
  entry: Omit<HistoryEntry, 'seq' | 'prev'>,
): {head: HistoryHead; entry: HistoryEntry} {
  const entries = readHistory(dir, head);
  const full = HistoryEntrySchema.parse({...entry, seq: entries.length + 1, prev: head && entries.length > 0 ? head.sha256 : null});
  const line = JSON.stringify(full);
  appendFileSync(join(dir, HISTORY_FILE), `${line}\n`);
  return {head: {entries: entries.length + 1, sha256: sha256Hex(line)}, entry: full};
}
