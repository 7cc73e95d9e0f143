/** The generated deploy files (Grafana dashboards, Kubernetes manifests) are committed and current. */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {DASHBOARD_DIR, generatedFiles, K8S_DIRS} from '../../src/deploy/generate.js';

describe('generated deploy files', () => {
  const files = generatedFiles();

  it('match what npm run deploy:generate writes', () => {
    const stale = Object.entries(files).filter(([path, content]) => !existsSync(path) || readFileSync(path, 'utf8') !== content).map(([path]) => path);
    expect(stale, 'run `npm run deploy:generate` and commit').toEqual([]);
  });

  it('and nothing else sits in the generated folders (kubectl apply -f would apply a leftover)', () => {
    for (const dir of [DASHBOARD_DIR, K8S_DIRS.primary, K8S_DIRS.dr]) {
      expect(readdirSync(dir).map((name) => `${dir}/${name}`).filter((path) => !(path in files))).toEqual([]);
    }
  });
});
