/**
 * The model registry: a folder tree, readable without a database and reviewable in git.
 *
 *   models/<name>/<version>/{model.onnx, model.xgb.json, manifest.json}
 *   models/<name>/channels.json      which version each channel ('live', 'staging', …) uses,
 *                                    the versions it used before (rollback), a log, and the
 *                                    sha256 of each version's manifest.json (recorded when the
 *                                    version is written)
 *
 * A reference is `name@version` or `name@channel`. Loading checks the sha256 of every file the
 * manifest lists and of the manifest itself against channels.json (an edited manifest — a new
 * score scale, a widened window — would otherwise pass); a mismatch is IFTB_E_MODEL_INTEGRITY and
 * nothing is served. Versions are never overwritten. Every change of a channel is also appended to
 *   models/<name>/history.jsonl      who, when, why, gate results (model-history.ts)
 */
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';
import {formatIssues, sha256Hex} from '../config/index.js';
import {MANIFEST_FILE, MODEL_ONNX, type ModelManifest, ModelManifestSchema} from './manifest.js';
import {appendHistory, type ChangeRecord, type HistoryEntry, HistoryHeadSchema, operatorName, readHistory} from './model-history.js';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** '1', '12', '1.2.0', 'v3', '2024-07-01': starts with a digit or v+digit. */
export const VERSION_PATTERN = /^v?\d[0-9A-Za-z._-]{0,63}$/;
/** 'live', 'staging', 'canary': a lower-case word that is not a version. */
export const CHANNEL_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const DEFAULT_CHANNEL = 'live';
export const CHANNELS_FILE = 'channels.json';

const ChannelSchema = z.object({
  version: z.string(),
  /** Versions this channel used before, most recent last: what rollback returns to. */
  previous: z.array(z.string()),
  log: z.array(z.object({at: z.string(), action: z.enum(['pin', 'rollback']), version: z.string(), from: z.string().nullable()})),
});
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');
const ChannelsSchema = z.object({
  channels: z.record(z.string(), ChannelSchema),
  /** sha256 of each version's manifest.json bytes; absent in registries written before manifests were hashed. */
  manifests: z.record(z.string(), Sha256).optional(),
  /** Lines in history.jsonl and the last line's sha256 (model-history.ts); absent before the first recorded change. */
  history: HistoryHeadSchema.optional(),
});
export type ChannelState = z.output<typeof ChannelSchema>;
export type ChannelsFile = z.output<typeof ChannelsSchema>;

export interface ModelRef {
  readonly name: string;
  readonly version: string;
  /** The channel the reference named, or null when it named a version. */
  readonly channel: string | null;
}

export interface LoadedModel {
  readonly ref: ModelRef;
  readonly id: string;
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly onnx: Uint8Array;
}

export interface VerifyResult {
  readonly name: string;
  readonly version: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export function isChannelName(word: string): boolean {
  return CHANNEL_PATTERN.test(word) && !VERSION_PATTERN.test(word);
}

/** Splits 'name@version|channel'; checks the shape only. */
export function parseModelRef(ref: string): {name: string; target: string} {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const target = at > 0 ? ref.slice(at + 1) : '';
  if (!NAME_PATTERN.test(name) || !(VERSION_PATTERN.test(target) || isChannelName(target))) {
    throw new IftbError(ErrorCode.INPUT_INVALID, `bad model reference '${ref}' (expected name@version or name@channel, e.g. xgb-dir@3 or xgb-dir@live)`);
  }
  return {name, target};
}

const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', {numeric: true});

export class ModelRegistry {
  constructor(readonly root: string) {}

  names(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, {withFileTypes: true})
      .filter((d) => d.isDirectory() && NAME_PATTERN.test(d.name))
      .map((d) => d.name)
      .sort();
  }

  versions(name: string): string[] {
    const dir = join(this.root, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, {withFileTypes: true})
      .filter((d) => d.isDirectory() && VERSION_PATTERN.test(d.name) && existsSync(join(dir, d.name, MANIFEST_FILE)))
      .map((d) => d.name)
      .sort(byVersion);
  }

  /** One more than the highest integer version (1 for a new name). */
  nextVersion(name: string): string {
    const numbers = this.versions(name).filter((v) => /^\d+$/.test(v)).map(Number);
    return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1);
  }

  manifest(name: string, version: string): ModelManifest {
    const path = join(this.root, name, version, MANIFEST_FILE);
    if (!existsSync(path)) throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `no model ${name}@${version} in ${this.root}`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${path}: ${(error as Error).message}`);
    }
    const parsed = ModelManifestSchema.safeParse(raw);
    if (!parsed.success) throw new IftbError(ErrorCode.MODEL_INTEGRITY, formatIssues(path, parsed.error));
    if (parsed.data.name !== name || parsed.data.version !== version) {
      throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${path} describes ${parsed.data.name}@${parsed.data.version}, not ${name}@${version}`);
    }
    return parsed.data;
  }

  channels(name: string): ChannelsFile {
    const path = join(this.root, name, CHANNELS_FILE);
    if (!existsSync(path)) return {channels: {}};
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new IftbError(ErrorCode.MODEL_INTEGRITY, `${path}: ${(error as Error).message}`);
    }
    const parsed = ChannelsSchema.safeParse(raw);
    if (!parsed.success) throw new IftbError(ErrorCode.MODEL_INTEGRITY, formatIssues(path, parsed.error));
    return parsed.data;
  }

  /** name@version or name@channel → the version; IFTB_E_MODEL_NOT_FOUND with the reason if none. */
  resolve(ref: string): ModelRef {
    const {name, target} = parseModelRef(ref);
    if (this.versions(name).includes(target)) return {name, version: target, channel: null};
    if (isChannelName(target)) {
      const state = this.channels(name).channels[target];
      if (!state) {
        const known = this.versions(name);
        throw new IftbError(
          ErrorCode.MODEL_NOT_FOUND,
          known.length === 0
            ? `no model named ${name} in ${this.root} (train one with \`iftb train --name ${name}\`)`
            : `${name} has no '${target}' pin (run \`iftb models ${target === DEFAULT_CHANNEL ? 'promote' : 'pin'} ${name}@${known[known.length - 1]} --channel ${target}\`)`,
        );
      }
      if (!this.versions(name).includes(state.version)) {
        throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `${name}@${target} is pinned to version ${state.version}, which is not in ${this.root}`);
      }
      return {name, version: state.version, channel: target};
    }
    throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `no model ${name}@${target} in ${this.root}`);
  }

  /** Resolves and reads a model, refusing it unless every file matches its manifest's sha256. */
  load(ref: string): LoadedModel {
    const resolved = this.resolve(ref);
    const {name, version} = resolved;
    const problems = this.#check(name, version);
    if (problems.length > 0) {
      throw new IftbError(ErrorCode.MODEL_INTEGRITY, `model ${name}@${version} failed its integrity check: ${problems.join('; ')}`);
    }
    const dir = join(this.root, name, version);
    return {ref: resolved, id: `${name}@${version}`, dir, manifest: this.manifest(name, version), onnx: readFileSync(join(dir, MODEL_ONNX))};
  }

  /** Checks every version (or one, or one name's versions) against its manifest. */
  verify(ref?: string): VerifyResult[] {
    const targets: Array<[string, string]> = [];
    if (ref && ref.includes('@')) {
      const r = this.resolve(ref);
      targets.push([r.name, r.version]);
    } else {
      for (const name of ref ? [ref] : this.names()) for (const version of this.versions(name)) targets.push([name, version]);
      if (ref && targets.length === 0) throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `no model named ${ref} in ${this.root}`);
    }
    return targets.map(([name, version]) => {
      const problems = this.#check(name, version);
      return {name, version, ok: problems.length === 0, problems};
    });
  }

  #check(name: string, version: string): string[] {
    let manifest: ModelManifest;
    let recorded: string | undefined;
    try {
      manifest = this.manifest(name, version);
      recorded = this.channels(name).manifests?.[version];
    } catch (error) {
      return [(error as Error).message];
    }
    const problems: string[] = [];
    const manifestSha = sha256Hex(readFileSync(join(this.root, name, version, MANIFEST_FILE)));
    if (recorded === undefined) {
      problems.push(`${MANIFEST_FILE} has no sha256 recorded in ${name}/${CHANNELS_FILE} (written before manifests were hashed, or the record was removed): it cannot be verified`);
    } else if (recorded !== manifestSha) {
      problems.push(`${MANIFEST_FILE} has sha256 ${manifestSha.slice(0, 12)}…, ${CHANNELS_FILE} records ${recorded.slice(0, 12)}… (the manifest was edited)`);
    }
    if (!manifest.files[MODEL_ONNX]) problems.push(`the manifest lists no ${MODEL_ONNX}`);
    for (const [file, expected] of Object.entries(manifest.files)) {
      const path = join(this.root, name, version, file);
      if (!existsSync(path)) {
        problems.push(`${file} is missing`);
        continue;
      }
      const bytes = readFileSync(path);
      const actual = sha256Hex(bytes);
      if (actual !== expected.sha256) problems.push(`${file} has sha256 ${actual.slice(0, 12)}…, the manifest says ${expected.sha256.slice(0, 12)}…`);
      else if (bytes.length !== expected.bytes) problems.push(`${file} has ${bytes.length} bytes, the manifest says ${expected.bytes}`);
    }
    return problems;
  }

  /** Writes a new version atomically (a temp folder renamed into place); never overwrites one. */
  write(name: string, version: string, files: Readonly<Record<string, Uint8Array>>, manifest: Omit<ModelManifest, 'files'>): ModelManifest {
    if (!NAME_PATTERN.test(name)) throw new IftbError(ErrorCode.INPUT_INVALID, `bad model name '${name}' (lower-case letters, digits, - and _)`);
    if (!VERSION_PATTERN.test(version)) throw new IftbError(ErrorCode.INPUT_INVALID, `bad model version '${version}' (e.g. 3, 1.2.0, v3)`);
    const dir = join(this.root, name, version);
    if (existsSync(dir)) throw new IftbError(ErrorCode.DATA_CONFLICT, `model ${name}@${version} already exists; versions are never overwritten`);
    const fileEntries = Object.keys(files)
      .sort()
      .map((file) => [file, {sha256: sha256Hex(files[file]), bytes: files[file].length}] as const);
    const full: ModelManifest = ModelManifestSchema.parse({...manifest, name, version, files: Object.fromEntries(fileEntries)});
    const temp = join(this.root, name, `.${version}.tmp-${process.pid}`);
    const manifestText = `${JSON.stringify(full, null, 2)}\n`;
    rmSync(temp, {recursive: true, force: true});
    mkdirSync(temp, {recursive: true});
    try {
      for (const [file, bytes] of Object.entries(files)) writeFileSync(join(temp, file), bytes);
      writeFileSync(join(temp, MANIFEST_FILE), manifestText);
      renameSync(temp, dir);
    } catch (error) {
      rmSync(temp, {recursive: true, force: true});
      throw error;
    }
    this.#locked(name, () => {
      const current = this.channels(name);
      this.#saveChannels(name, {...current, manifests: {...current.manifests, [version]: sha256Hex(manifestText)}});
    });
    return full;
  }

  /**
   * Points `channel` at `version` (which must verify); the version it replaces is kept for rollback.
   * The change is recorded in the history (`record`: who and why, default a plain pin by the operator).
   */
  pin(
    name: string,
    version: string,
    channel = DEFAULT_CHANNEL,
    now = new Date(),
    record: ChangeRecord = {action: 'pin', by: operatorName()},
    /** The version the caller judged against (a promotion's champion): refused if the channel has moved since. */
    options: {readonly expectFrom?: string | null} = {},
  ): ChannelState {
    if (!isChannelName(channel)) throw new IftbError(ErrorCode.INPUT_INVALID, `bad channel name '${channel}' (a lower-case word such as live or staging)`);
    return this.#locked(name, () => {
      const problems = this.#check(name, version);
      if (problems.length > 0) {
        const code = this.versions(name).includes(version) ? ErrorCode.MODEL_INTEGRITY : ErrorCode.MODEL_NOT_FOUND;
        throw new IftbError(code, `cannot pin ${name}@${version}: ${problems.join('; ')}`);
      }
      const file = this.channels(name);
      const current = file.channels[channel];
      if (options.expectFrom !== undefined && (current?.version ?? null) !== options.expectFrom) {
        throw new IftbError(ErrorCode.DATA_CONFLICT, `${name}@${channel} moved to ${current?.version ?? 'nothing'} (from ${options.expectFrom ?? 'nothing'}) while ${name}@${version} was judged against it: run the promotion again`);
      }
      if (current?.version === version) return current;
      const next: ChannelState = {
        version,
        previous: current ? [...current.previous, current.version] : [],
        log: [...(current?.log ?? []), {at: now.toISOString(), action: 'pin', version, from: current?.version ?? null}],
      };
      this.#change(name, file, channel, next, now, current?.version ?? null, record);
      return next;
    });
  }

  /** Returns `channel` to the version it used before the last pin, recorded in the history. */
  rollback(name: string, channel = DEFAULT_CHANNEL, now = new Date(), record: Omit<ChangeRecord, 'action'> = {by: operatorName()}): ChannelState {
    return this.#locked(name, () => {
      const file = this.channels(name);
      const current = file.channels[channel];
      if (!current) throw new IftbError(ErrorCode.MODEL_NOT_FOUND, `${name} has no '${channel}' pin to roll back`);
      if (current.previous.length === 0) {
        throw new IftbError(ErrorCode.INPUT_INVALID, `${name}@${channel} has no earlier version to roll back to (it is ${current.version})`);
      }
      const version = current.previous[current.previous.length - 1];
      const problems = this.#check(name, version);
      if (problems.length > 0) throw new IftbError(ErrorCode.MODEL_INTEGRITY, `cannot roll back to ${name}@${version}: ${problems.join('; ')}`);
      const next: ChannelState = {
        version,
        previous: current.previous.slice(0, -1),
        log: [...current.log, {at: now.toISOString(), action: 'rollback', version, from: current.version}],
      };
      this.#change(name, file, channel, next, now, current.version, {...record, action: 'rollback'});
      return next;
    });
  }

  /** The channel history of `name`, checked (IFTB_E_MODEL_INTEGRITY if it was edited or cut). */
  history(name: string): HistoryEntry[] {
    return readHistory(join(this.root, name), this.channels(name).history);
  }

  /** History line first, then channels.json with the new head: a crash between them is detected, not silent. */
  #change(name: string, file: ChannelsFile, channel: string, next: ChannelState, now: Date, from: string | null, record: ChangeRecord): void {
    const {head} = appendHistory(join(this.root, name), file.history, {
      at: now.toISOString(), action: record.action, channel, version: next.version, from, by: record.by,
      reason: record.reason ?? null, gates: [...(record.gates ?? [])], evidence: record.evidence ?? null,
    });
    this.#saveChannels(name, {...file, channels: {...file.channels, [channel]: next}, history: head});
  }

  /** One change of a name's channels at a time (an exclusive lock file beside channels.json). */
  #locked<T>(name: string, body: () => T): T {
    const path = join(this.root, name, '.channels.lock');
    if (!existsSync(join(this.root, name))) return body();
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch {
      throw new IftbError(ErrorCode.DATA_CONFLICT, `another change of ${name}'s channels is in progress (${path} exists; remove it if no iftb process is running)`, {retryable: true});
    }
    try {
      writeFileSync(fd, String(process.pid));
      return body();
    } finally {
      closeSync(fd);
      rmSync(path, {force: true});
    }
  }

  #saveChannels(name: string, file: ChannelsFile): void {
    const path = join(this.root, name, CHANNELS_FILE);
    const temp = `${path}.tmp-${process.pid}`;
    const byKey = <T>(record: Readonly<Record<string, T>>, order?: (a: string, b: string) => number) =>
      Object.fromEntries(Object.keys(record).sort(order).map((k) => [k, record[k]]));
    const sorted = {
      channels: byKey(file.channels),
      ...(file.manifests ? {manifests: byKey(file.manifests, byVersion)} : {}),
      ...(file.history ? {history: file.history} : {}),
    };
    writeFileSync(temp, `${JSON.stringify(sorted, null, 2)}\n`);
    renameSync(temp, path);
  }
}
