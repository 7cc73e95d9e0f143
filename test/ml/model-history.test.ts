import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {ErrorCode, IftbError} from '../../src/core/index.js';
import {HISTORY_FILE, operatorName} from '../../src/ml/model-history.js';
import {ModelRegistry} from '../../src/ml/registry.js';
import {writeFixtureVersion} from '../support/ml-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'iftb-history-'));
let n = 0;
const registry = () => new ModelRegistry(join(root, `r${++n}`));
const at = (minute: number) => new Date(Date.UTC(2024, 5, 1, 12, minute));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as IftbError).code;
  }
  return null;
};

describe('channel history (models/<name>/history.jsonl)', () => {
  afterAll(() => rmSync(root, {recursive: true, force: true}));

  const withChanges = () => {
    const r = registry();
    for (const v of ['1', '2', '3']) writeFixtureVersion(r, 'm', v);
    r.pin('m', '1', 'live', at(1), {action: 'promote', by: 'alice', gates: [{gate: 'auc', pass: true, figure: 'AUC 0.56', threshold: 'AUC ≥ 0.5'}]});
    r.pin('m', '2', 'staging', at(2), {action: 'pin', by: 'bob'});
    r.pin('m', '3', 'live', at(3), {action: 'force', by: 'carol', reason: 'exchange outage model', gates: [{gate: 'champion', pass: false, figure: 'worse', threshold: 'not worse'}]});
    r.rollback('m', 'live', at(4), {by: 'dave', reason: 'bad fills'});
    return r;
  };

  it('records every pin, promotion, force and rollback in order, chained, with who, when and why', () => {
    const r = withChanges();
    const h = r.history('m');
    expect(h.map((e) => [e.seq, e.action, e.channel, e.from, e.version, e.by, e.reason])).toEqual([
      [1, 'promote', 'live', null, '1', 'alice', null],
      [2, 'pin', 'staging', null, '2', 'bob', null],
      [3, 'force', 'live', '1', '3', 'carol', 'exchange outage model'],
      [4, 'rollback', 'live', '3', '1', 'dave', 'bad fills'],
    ]);
    expect(h.map((e) => e.at)).toEqual([1, 2, 3, 4].map((m) => at(m).toISOString()));
    expect(h[2].gates).toEqual([{gate: 'champion', pass: false, figure: 'worse', threshold: 'not worse'}]);
    expect(h[0].prev).toBeNull();
    const lines = readFileSync(join(r.root, 'm', HISTORY_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    const channels = JSON.parse(readFileSync(join(r.root, 'm', 'channels.json'), 'utf8'));
    expect(channels.history.entries).toBe(4);
    expect(channels.channels.live.version).toBe('1');
    // A promotion judged against version 3 is refused once the channel has moved to 1.
    expect(codeOf(() => r.pin('m', '2', 'live', at(5), {action: 'promote', by: 'eve'}, {expectFrom: '3'}))).toBe(ErrorCode.DATA_CONFLICT);
    expect(() => r.pin('m', '2', 'live', at(5), {action: 'promote', by: 'eve'}, {expectFrom: null})).toThrow(/m@live moved to 1 \(from nothing\) while m@2 was judged against it/);
    expect(r.history('m')).toHaveLength(4);
    // Pinning the version a channel already uses changes nothing and records nothing.
    r.pin('m', '1', 'live', at(5), {action: 'promote', by: 'eve'});
    expect(r.history('m')).toHaveLength(4);
  });

  it('fails the check when a line is edited, removed or appended by hand, or the file is deleted', () => {
    const tamper = (edit: (lines: string[]) => string[], message: RegExp) => {
      const r = withChanges();
      const path = join(r.root, 'm', HISTORY_FILE);
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      const edited = edit(lines);
      if (edited.length === 0) rmSync(path);
      else writeFileSync(path, `${edited.join('\n')}\n`);
      expect(codeOf(() => r.history('m'))).toBe(ErrorCode.MODEL_INTEGRITY);
      expect(() => r.history('m')).toThrow(message);
      // A broken history refuses further changes rather than chaining onto it.
      expect(codeOf(() => r.pin('m', '2', 'live'))).toBe(ErrorCode.MODEL_INTEGRITY);
    };
    tamper((l) => [l[0], l[1].replace('"by":"bob"', '"by":"mallory"'), l[2], l[3]], /line 3 does not chain/);
    tamper((l) => [l[0], l[1], l[2], l[3].replace('bad fills', 'routine')], /last entry's sha256 .* differs/);
    tamper((l) => [l[0], l[2], l[3]], /line 2 has seq 3/);
    tamper((l) => l.slice(0, 3), /has 3 entries, channels.json records 4 \(entries were removed\)/);
    tamper(() => [], /missing, but channels.json records 4 entries/);
    tamper((l) => [...l, l[3].replace('"seq":4', '"seq":5')], /line 5 does not chain|has 5 entries, channels.json records 4/);
  });

  it('names the operator from --by, then IFTB_OPERATOR, then USER', () => {
    expect(operatorName('  ops-bot ', {IFTB_OPERATOR: 'x', USER: 'y'})).toBe('ops-bot');
    expect(operatorName(undefined, {IFTB_OPERATOR: 'desk-1', USER: 'y'})).toBe('desk-1');
    expect(operatorName('', {USER: 'yuki'})).toBe('yuki');
    expect(operatorName(undefined, {}).length).toBeGreaterThan(0);
  });
});
