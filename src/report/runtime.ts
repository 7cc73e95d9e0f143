import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

/** The vega and vega-lite browser builds, inlined into every page so it opens offline. */
export interface VegaRuntime {
  readonly vega: string;
  readonly vegaLite: string;
  /**
   * vega-lite's compiler, in Node: with it a page embeds vega specs compiled when written (and no
   * vega-lite), so opening it runs no compiler. Loaded on demand (loadVegaCompiler): importing
   * vega-lite costs every CLI command ~0.4 s otherwise.
   */
  readonly compile?: (spec: unknown) => unknown;
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

let compiled: VegaRuntime | undefined;

/** The runtime with vega-lite's compiler, for pages that open faster (what the app writes). */
export async function loadVegaCompiler(): Promise<VegaRuntime> {
  if (compiled) return compiled;
  const vegaLite = await import('vega-lite');
  compiled = {...loadVegaRuntime(), compile: (spec) => vegaLite.compile(spec as Parameters<typeof vegaLite.compile>[0]).spec};
  return compiled;
}
