/** The model registry as the CLI (and later the API) sees it: listing, pinning, verifying. */
import {fromRoot} from '../core/index.js';
import {type ModelManifest} from '../ml/manifest.js';
import {DEFAULT_CHANNEL, ModelRegistry} from '../ml/registry.js';

export {DEFAULT_CHANNEL, ModelRegistry};

/** models/ in the package, or $IFTB_MODELS_DIR. */
export function defaultModelsDir(): string {
  return process.env.IFTB_MODELS_DIR || fromRoot('models');
}

export function openRegistry(dir?: string): ModelRegistry {
  return new ModelRegistry(dir ?? defaultModelsDir());
}

export interface ModelListing {
  readonly name: string;
  readonly version: string;
  /** Channels pinned to this version. */
  readonly channels: readonly string[];
  readonly featureSet: string;
  readonly label: string;
  readonly market: string;
  readonly trainFrom: string;
  readonly validationTo: string;
  readonly validationAuc: number | null;
  readonly createdAt: string;
  /** Set when the manifest cannot be read. */
  readonly error?: string;
}

export function listModels(registry: ModelRegistry): ModelListing[] {
  const rows: ModelListing[] = [];
  for (const name of registry.names()) {
    const channels = Object.entries(registry.channels(name).channels);
    for (const version of registry.versions(name)) {
      const pins = channels.filter(([, state]) => state.version === version).map(([channel]) => channel);
      let m: ModelManifest;
      try {
        m = registry.manifest(name, version);
      } catch (error) {
        rows.push({name, version, channels: pins, featureSet: '-', label: '-', market: '-', trainFrom: '-', validationTo: '-', validationAuc: null, createdAt: '-', error: (error as Error).message});
        continue;
      }
      rows.push({
        name, version, channels: pins, featureSet: m.features.set, label: m.label.definition, market: `${m.market.symbol} ${m.market.timeframe}`,
        trainFrom: m.windows.train.from, validationTo: m.windows.validation.to, validationAuc: m.metrics.validation.auc, createdAt: m.createdAt,
      });
    }
  }
  return rows;
}
