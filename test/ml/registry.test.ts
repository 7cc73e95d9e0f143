import {createHash} from 'node:crypto';
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {ErrorCode, isIftbError} from '../../src/core/index.js';
import {manifestDigest, ModelRegistry, parseModelRef} from '../../src/ml/index.js';
import {fixtureManifest, writeFixtureVersion} from '../support/ml-fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});
function registry(): ModelRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'iftb-models-'));
  dirs.push(dir);
  return new ModelRegistry(dir);
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return isIftbError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('model registry', () => {
  it('parses name@version and name@channel references', () => {
    expect(parseModelRef('xgb-dir@3')).toEqual({name: 'xgb-dir', target: '3'});
    expect(parseModelRef('xgb-dir@live')).toEqual({name: 'xgb-dir', target: 'live'});
    expect(parseModelRef('xgb-dir@v2')).toEqual({name: 'xgb-dir', target: 'v2'});
    for (const bad of ['xgb-dir', '@3', 'xgb dir@3', 'xgb-dir@', 'xgb-dir@Live!']) expect(codeOf(() => parseModelRef(bad))).toBe(ErrorCode.INPUT_INVALID);
  });

  it('writes versions with file hashes, lists them in version order and never overwrites one', () => {
    const r = registry();
    for (const v of ['1', '2', '10']) writeFixtureVersion(r, 'xgb-dir', v);
    expect(r.versions('xgb-dir')).toEqual(['1', '2', '10']);
    expect(r.nextVersion('xgb-dir')).toBe('11');
    expect(r.nextVersion('other')).toBe('1');
    const m = r.manifest('xgb-dir', '2');
    expect(m.files['model.onnx'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(codeOf(() => writeFixtureVersion(r, 'xgb-dir', '2'))).toBe(ErrorCode.DATA_CONFLICT);
    expect(existsSync(join(r.root, 'xgb-dir', '.2.tmp-' + process.pid))).toBe(false);
  });

  it('resolves versions and channels, with a clear reason when nothing is pinned', () => {
    const r = registry();
    expect(() => r.resolve('xgb-dir@live')).toThrow(/no model named xgb-dir .*iftb train --name xgb-dir/);
    writeFixtureVersion(r, 'xgb-dir', '1');
    expect(r.resolve('xgb-dir@1')).toEqual({name: 'xgb-dir', version: '1', channel: null});
    expect(() => r.resolve('xgb-dir@live')).toThrow(/xgb-dir has no 'live' pin \(run `iftb models promote xgb-dir@1 --channel live`\)/);
    expect(codeOf(() => r.resolve('xgb-dir@7'))).toBe(ErrorCode.MODEL_NOT_FOUND);
    r.pin('xgb-dir', '1', 'live');
    expect(r.resolve('xgb-dir@live')).toEqual({name: 'xgb-dir', version: '1', channel: 'live'});
  });

  it('pins a channel, keeps history, and rolls back to the previous version', () => {
    const r = registry();
    for (const v of ['1', '2', '3']) writeFixtureVersion(r, 'xgb-dir', v);
    const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
    r.pin('xgb-dir', '1', 'live', at(1));
    r.pin('xgb-dir', '2', 'live', at(2));
    r.pin('xgb-dir', '3', 'live', at(3));
    r.pin('xgb-dir', '1', 'staging', at(4));
    expect(r.resolve('xgb-dir@live').version).toBe('3');
    expect(r.rollback('xgb-dir', 'live', at(5)).version).toBe('2');
    expect(r.rollback('xgb-dir', 'live', at(6)).version).toBe('1');
    expect(codeOf(() => r.rollback('xgb-dir', 'live'))).toBe(ErrorCode.INPUT_INVALID);
    expect(r.resolve('xgb-dir@staging').version).toBe('1');
    const live = r.channels('xgb-dir').channels.live;
    expect(live.log.map((e) => [e.action, e.version, e.from])).toEqual([
      ['pin', '1', null], ['pin', '2', '1'], ['pin', '3', '2'], ['rollback', '2', '3'], ['rollback', '1', '2'],
    ]);
    expect(live.log[3].at).toBe('2025-01-01T00:00:05.000Z');
    expect(codeOf(() => r.rollback('xgb-dir', 'canary'))).toBe(ErrorCode.MODEL_NOT_FOUND);
    expect(codeOf(() => r.pin('xgb-dir', '9', 'live'))).toBe(ErrorCode.MODEL_NOT_FOUND);
    expect(codeOf(() => r.pin('xgb-dir', '1', '7'))).toBe(ErrorCode.INPUT_INVALID);
  });

  it('refuses a tampered model with IFTB_E_MODEL_INTEGRITY, on load, verify and pin', () => {
    const r = registry();
    writeFixtureVersion(r, 'xgb-dir', '1');
    writeFixtureVersion(r, 'xgb-dir', '2');
    r.pin('xgb-dir', '1', 'live');
    expect(r.load('xgb-dir@live').onnx.length).toBeGreaterThan(0);
    expect(r.verify().every((v) => v.ok)).toBe(true);

    appendFileSync(join(r.root, 'xgb-dir', '1', 'model.onnx'), 'x');
    expect(codeOf(() => r.load('xgb-dir@live'))).toBe(ErrorCode.MODEL_INTEGRITY);
    expect(() => r.load('xgb-dir@1')).toThrow(/xgb-dir@1 failed its integrity check: model.onnx has sha256 .* the manifest says/);
    const report = r.verify();
    expect(report.map((v) => [v.version, v.ok])).toEqual([['1', false], ['2', true]]);
    expect(r.verify('xgb-dir@2')).toEqual([{name: 'xgb-dir', version: '2', ok: true, problems: []}]);

    rmSync(join(r.root, 'xgb-dir', '2', 'model.xgb.json'));
    expect(r.verify('xgb-dir@2')[0].problems).toEqual(['model.xgb.json is missing']);
    expect(codeOf(() => r.pin('xgb-dir', '2', 'live'))).toBe(ErrorCode.MODEL_INTEGRITY);

    const manifestPath = join(r.root, 'xgb-dir', '2', 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"name": "xgb-dir"', '"name": "other"'));
    expect(codeOf(() => r.manifest('xgb-dir', '2'))).toBe(ErrorCode.MODEL_INTEGRITY);
  });

  it('catches an edited manifest: its sha256 is recorded in channels.json when the version is written, and kept by pin and rollback', () => {
    const r = registry();
    writeFixtureVersion(r, 'xgb-dir', '1');
    writeFixtureVersion(r, 'xgb-dir', '2');
    const channelsPath = join(r.root, 'xgb-dir', 'channels.json');
    const recorded = () => JSON.parse(readFileSync(channelsPath, 'utf8')).manifests;
    const sha = (v: string) => createHash('sha256').update(readFileSync(join(r.root, 'xgb-dir', v, 'manifest.json'))).digest('hex');
    expect(recorded()).toEqual({1: sha('1'), 2: sha('2')});
    r.pin('xgb-dir', '1', 'live');
    r.pin('xgb-dir', '2', 'live');
    r.rollback('xgb-dir', 'live');
    expect(recorded()).toEqual({1: sha('1'), 2: sha('2')});
    expect(r.verify().every((v) => v.ok)).toBe(true);

    // A schema-valid edit every file hash misses: a new score scale changes every reading.
    const manifestPath = join(r.root, 'xgb-dir', '2', 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"scoreScale": 1', '"scoreScale": 0.5'));
    expect(r.manifest('xgb-dir', '2').serving.scoreScale).toBe(0.5);
    const [problem] = r.verify('xgb-dir@2')[0].problems;
    expect(problem).toMatch(/^manifest.json has sha256 [0-9a-f]{12}…, channels.json records [0-9a-f]{12}… \(the manifest was edited\)$/);
    expect(codeOf(() => r.load('xgb-dir@2'))).toBe(ErrorCode.MODEL_INTEGRITY);
    expect(codeOf(() => r.pin('xgb-dir', '2', 'live'))).toBe(ErrorCode.MODEL_INTEGRITY);
    expect(r.verify('xgb-dir@1')[0].ok).toBe(true);

    // A version whose record is missing (removed, or written before manifests were hashed) cannot verify.
    const file = JSON.parse(readFileSync(channelsPath, 'utf8'));
    delete file.manifests['1'];
    writeFileSync(channelsPath, JSON.stringify(file));
    expect(r.verify('xgb-dir@1')[0].problems).toEqual([
      'manifest.json has no sha256 recorded in xgb-dir/channels.json (written before manifests were hashed, or the record was removed): it cannot be verified',
    ]);
  });

  it('leaves createdAt out of the manifest digest', () => {
    const a = {...fixtureManifest('m', '1', {createdAt: '2024-01-01T00:00:00Z'}), files: {}};
    const b = {...fixtureManifest('m', '1', {createdAt: '2025-06-01T00:00:00Z'}), files: {}};
    expect(manifestDigest(a)).toBe(manifestDigest(b));
    expect(manifestDigest(a)).not.toBe(manifestDigest({...a, seed: 2}));
  });
});
