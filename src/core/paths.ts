import {existsSync, readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

let cachedRoot: string | undefined;

/** The folder holding IFTB's package.json, from both src/ (vitest) and dist/src/ (built CLI). */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'iftb') {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the iftb package root');
    dir = parent;
  }
}

export function fromRoot(...segments: string[]): string {
  return resolve(packageRoot(), ...segments);
}
