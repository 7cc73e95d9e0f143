import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

/** The vega and vega-lite browser builds, inlined into every page so it opens offline. */
export interface VegaRuntime {
  readonly vega: string;
  readonly vegaLite: string;
}

let cached: VegaRuntime | undefined;

function readBuild(pkg: string, file: string): string {
  // The packages' exports hide build/, so locate it from the entry point, which lives there.
  const entry = createRequire(import.meta.url).resolve(pkg);
  const text = readFileSync(join(dirname(entry), file), 'utf8');
  // "</script" inside an inline script would end it early.
  return text.replace(/<\/script/gi, '<\\/script');
}

export function loadVegaRuntime(): VegaRuntime {
  cached ??= {vega: readBuild('vega', 'vega.min.js'), vegaLite: readBuild('vega-lite', 'vega-lite.min.js')};
  return cached;
}
