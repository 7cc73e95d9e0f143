/**
 * Loading a TypeScript strategy (`--strategy ./my-strategy.ts`) in the compiled CLI. Node 20 runs
 * no TypeScript itself; tsx compiles each file on import with esbuild, through a loader scoped to
 * that import (nothing else in the process changes), with source maps so a stack points at the
 * .ts line. `iftb/sdk` resolves to this iftb's SDK (sdk-alias-hooks.ts).
 */
import {register} from 'node:module';
import {pathToFileURL} from 'node:url';

let aliased = false;

/** The compiled SDK next to this file (dist/src/sdk.js). */
export const SDK_URL = new URL('../sdk.js', import.meta.url).href;

/** Makes `import … from 'iftb/sdk'` resolve to this iftb's SDK, once per process. */
export function registerSdkAlias(): void {
  if (aliased) return;
  aliased = true;
  register(new URL('./sdk-alias-hooks.js', import.meta.url), {data: {sdkUrl: SDK_URL}});
}

export function isTypeScriptFile(file: string): boolean {
  return /\.(m|c)?ts$/i.test(file) && !/\.d\.(m|c)?ts$/i.test(file);
}

/** Imports a .ts (or .js) module by path. */
export async function importModule(file: string, typescript: boolean): Promise<{default?: unknown}> {
  registerSdkAlias();
  const url = pathToFileURL(file).href;
  if (!typescript) return import(url) as Promise<{default?: unknown}>;
  const {tsImport} = await import('tsx/esm/api');
  return tsImport(url, import.meta.url) as Promise<{default?: unknown}>;
}
