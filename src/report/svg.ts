/**
 * A vega-lite spec rendered to SVG in Node (notebooks show charts without a browser). vega is
 * imported on first use: its Node build has a top-level await, which would stop `require()` of
 * any module that imports it statically (tslab notebooks load the research API with require).
 */
import type {VlSpec} from './spec-common.js';

export async function renderSvg(spec: VlSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]);
  const view = new vega.View(vega.parse(compiled.spec), {renderer: 'none', logLevel: vega.Error});
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
