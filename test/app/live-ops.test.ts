import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {DuckDbStore} from '../../src/adapters/duckdb/index.js';
import {createLiveOps} from '../../src/app/live-ops.js';
import {ModelRegistry} from '../../src/ml/registry.js';
import {ADMIN_KEY, latestMlScore, LEAF, MODEL, type PaperSession, scoreOf, startPaperSession} from '../api/paper-session.js';

describe('Ops over a running paper session', () => {
  let s: PaperSession | null = null;
  afterEach(async () => {
    await s?.close();
    s = null;
  });

  it('reloads a good new pin for the next bar and refuses a corrupted model, the old one serving on', async () => {
    s = await startPaperSession();
    const ops = createLiveOps(s.handle);
    await s.advance(2);
    expect(latestMlScore(s.handle)).toBeCloseTo(scoreOf(LEAF['1']), 6);
    expect(ops.status().models).toEqual([{ref: `${MODEL}@live`, model: `${MODEL}@1`, sha256: s.sha256['1']}]);

    // Nothing changed: nothing to swap.
    expect((await ops.reloadModel('test')).outcome).toMatch(/^unchanged: tiny@1 already serving/);

    // A corrupted file behind the new pin: refused with the reason, version 1 keeps serving.
    const registry = new ModelRegistry(s.modelsDir);
    const onnx = join(s.modelsDir, MODEL, '2', 'model.onnx');
    const good = readFileSync(onnx);
    registry.pin(MODEL, '2', 'live');
    writeFileSync(onnx, Buffer.concat([good.subarray(0, good.length - 10), Buffer.from('corrupted!')]));
    const refused = await ops.reloadModel('test', 'rollback drill');
    expect(refused.applied).toBe(false);
    expect(refused.outcome).toMatch(/^refused: tiny@live: IFTB_E_MODEL_INTEGRITY: .*tiny@2.*; tiny@1 keeps serving$/);
    expect(refused.models[0].model).toBe(`${MODEL}@1`);
    await s.advance();
    expect(latestMlScore(s.handle)).toBeCloseTo(scoreOf(LEAF['1']), 6);

    // The file repaired: the next bar is scored by version 2, and the journal says so with its sha256.
    writeFileSync(onnx, good);
    const reloaded = await ops.reloadModel('api:test', 'rollback drill');
    expect(reloaded).toMatchObject({applied: true, outcome: 'ok', models: [{ref: `${MODEL}@live`, model: `${MODEL}@2`, sha256: s.sha256['2']}]});
    expect(s.handle.loop.journal.filter((e) => e.type === 'model')).toEqual([
      expect.objectContaining({type: 'model', action: 'reload', ref: `${MODEL}@live`, from: `${MODEL}@1`, model: `${MODEL}@2`, sha256: s.sha256['2'], by: 'api:test'}),
    ]);
    await s.advance();
    expect(latestMlScore(s.handle)).toBeCloseTo(scoreOf(LEAF['2']), 6);

    // Every command is stored with who, when, why, its outcome and the bar before which it took effect.
    const sessionId = s.handle.session.session.sessionId;
    await s.handle.stop('test');
    const store = await DuckDbStore.open(s.db, {seed: false});
    try {
      const commands = await store.sessions.commands(sessionId);
      expect(commands.map((c) => [c.kind, c.by, c.reason, c.outcome?.replace(/:.*/s, '')])).toEqual([
        ['reload-model', 'test', 'reload pinned models', 'unchanged'],
        ['reload-model', 'test', 'rollback drill', 'refused'],
        ['reload-model', 'api:test', 'rollback drill', 'ok'],
      ]);
      expect(commands.every((c) => c.appliedBeforeBarMs !== null && c.receivedMs > 0)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('engages the kill switch once under 50 concurrent activations; a wrong code fails and the latch survives a restart', async () => {
    s = await startPaperSession();
    let ops = createLiveOps(s.handle);
    await s.advance();
    const results = await Promise.all(Array.from({length: 50}, (_, k) => ops.activateKillSwitch(`drill ${k}`, `api:test-${k}`)));
    const activated = results.filter((r) => r.applied);
    expect(activated).toHaveLength(1);
    const codes = results.map((r) => r.confirmationCode).filter((c) => c !== null);
    expect(codes).toEqual([activated[0].confirmationCode]);
    expect(codes[0]).toMatch(/^[A-Z0-9]{6}$/);
    expect(results.filter((r) => !r.applied).every((r) => /^refused: kill switch already active/.test(r.outcome))).toBe(true);
    expect(s.handle.loop.journal.filter((e) => e.type === 'kill-switch' && e.action === 'activate')).toHaveLength(1);
    expect(ops.status().tradingState).toBe('halted');

    const wrong = codes[0] === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    expect(await ops.deactivateKillSwitch(wrong, 'api:test')).toMatchObject({applied: false, outcome: 'refused: wrong confirmation code'});
    expect(ops.killSwitch().engaged).toBe(true);

    await s.restart();
    ops = createLiveOps(s.handle);
    expect(ops.killSwitch()).toMatchObject({engaged: true, reason: activated.length === 1 ? expect.stringMatching(/^drill \d+$/) : null});
    expect(ops.status().tradingState).toBe('halted');
    // The replay (kill-switch commands at their bars, an abstaining LLM source) reproduced the stored journal.
    expect(ops.status().restrictions).toEqual({});
    expect(await ops.deactivateKillSwitch(codes[0]!, 'api:test')).toMatchObject({applied: true, outcome: 'ok'});
    expect(ops.killSwitch().engaged).toBe(false);
    // The admin key releases a switch without its code.
    await ops.activateKillSwitch('again', 'api:test');
    expect((await ops.forceDeactivateKillSwitch('not the key', 'api:test')).outcome).toBe('refused: wrong admin key');
    expect(await ops.forceDeactivateKillSwitch(ADMIN_KEY, 'api:test')).toMatchObject({applied: true});
  });
});
