/**
 * Node module hooks (module.register) that resolve `iftb/sdk` to the SDK of the iftb that is
 * running, so a strategy anywhere on disk — outside the repo, with no node_modules beside it —
 * imports the same SDK module (the same zod, the same defineStrategy) as the engine that runs it.
 */
let sdkUrl = '';

export function initialize(data: {sdkUrl: string}): void {
  sdkUrl = data.sdkUrl;
}

type Resolve = (specifier: string, context: unknown) => Promise<{url: string; shortCircuit?: boolean}>;

export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<{url: string; shortCircuit?: boolean}> {
  if (specifier === 'iftb/sdk' && sdkUrl !== '') return {url: sdkUrl, shortCircuit: true};
  return next(specifier, context);
}
