import {execFile} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
import {resolve} from 'node:path';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the iftb binary', () => {
  it('is the package bin, executable by itself (what `npx iftb` runs on a fresh clone)', async () => {
    const bin = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).bin.iftb;
    const path = resolve(ROOT, bin);
    expect(statSync(path).mode & 0o111, `${bin} must be executable`).not.toBe(0);
    const {stdout} = await promisify(execFile)(path, ['--help']);
    expect(stdout).toMatch(/Usage: iftb/);
    for (const command of ['data', 'backtest', 'check', 'train', 'models', 'compare', 'llm', 'report', 'runs']) {
      expect(stdout).toContain(command);
    }
  });

  it('runs through npm (`npx iftb`) without npm warnings, and npm never runs onnxruntime-node\'s GPU download', async () => {
    // A project .npmrc key npm does not know (the old onnxruntime-node-install=skip) makes npm warn on every call;
    // the install script is denied in package.json's allowScripts instead (the CPU runtime ships in the package).
    const {stdout, stderr} = await promisify(execFile)('npm', ['exec', '--offline', '--', 'iftb', '--version'], {cwd: ROOT});
    expect(stdout.trim()).toBe('0.1.0');
    expect(stderr).not.toMatch(/npm warn/i);
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });
});
