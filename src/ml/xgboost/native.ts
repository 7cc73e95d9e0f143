/**
 * libxgboost's C API through koffi. Training needs the library (Debian: `libxgboost0`, XGBoost
 * 1.7); serving never does (it runs the ONNX export). Every handle is freed in a `finally`.
 */
import {existsSync} from 'node:fs';
import koffi, {type LibraryHandle} from 'koffi';
import {ErrorCode, IftbError} from '../../core/index.js';

/** Where the library is looked for, in order, after $IFTB_XGBOOST_LIB. */
const CANDIDATES = ['/usr/lib/x86_64-linux-gnu/libxgboost.so.0', '/usr/lib/aarch64-linux-gnu/libxgboost.so.0', 'libxgboost.so.0', 'libxgboost.so'];

export const XGBOOST_MISSING_HINT =
  'XGBoost training needs libxgboost (Debian/Ubuntu: `apt-get install libxgboost0`; or point IFTB_XGBOOST_LIB at libxgboost.so). Serving models never needs it.';

type Handle = unknown;

export interface XgbApi {
  readonly path: string;
  readonly version: string;
  createDMatrix(rows: Float32Array, nrow: number, ncol: number): Handle;
  setFloatInfo(dmat: Handle, field: string, values: Float32Array): void;
  freeDMatrix(dmat: Handle): void;
  createBooster(dmats: readonly Handle[]): Handle;
  freeBooster(booster: Handle): void;
  setParam(booster: Handle, name: string, value: string): void;
  updateOneIter(booster: Handle, iter: number, dtrain: Handle): void;
  saveJsonConfig(booster: Handle): string;
  /** The model serialised with `{"format": "json"}` (or "ubj"). */
  saveModelToBuffer(booster: Handle, format: 'json' | 'ubj'): Uint8Array;
  loadModelFromBuffer(booster: Handle, bytes: Uint8Array): void;
  /** option_mask 0: transformed prediction (probability for binary:logistic); 1: margin. */
  predict(booster: Handle, dmat: Handle, outputMargin: boolean): Float32Array;
}

const cache = new Map<string, XgbApi>();

/** Loads libxgboost (once per path). Throws a clear IftbError when it is not installed. */
export function loadXgboost(path?: string): XgbApi {
  const candidates = path ? [path] : process.env.IFTB_XGBOOST_LIB ? [process.env.IFTB_XGBOOST_LIB] : CANDIDATES;
  // XGBoost's OpenMP threads spin while they wait by default; on a busy machine (a backtest or
  // a test run beside training) that turns milliseconds into seconds. libgomp reads this when
  // it is loaded, so set it first unless the user chose a policy.
  process.env.OMP_WAIT_POLICY ??= 'passive';
  for (const candidate of candidates) {
    const cached = cache.get(candidate);
    if (cached) return cached;
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    let lib: LibraryHandle;
    try {
      lib = koffi.load(candidate);
    } catch {
      continue;
    }
    const api = bind(lib, candidate);
    cache.set(candidate, api);
    return api;
  }
  throw new IftbError(ErrorCode.DEPENDENCY_MISSING, `libxgboost not found (looked for ${candidates.join(', ')}). ${XGBOOST_MISSING_HINT}`);
}

function bind(lib: LibraryHandle, path: string): XgbApi {
  const f = (signature: string) => lib.func(signature);
  const XGBGetLastError = f('const char *XGBGetLastError()');
  const XGBoostVersion = f('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
  const XGBSetGlobalConfig = f('int XGBSetGlobalConfig(const char *config)');
  const XGDMatrixCreateFromMat = f('int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out)');
  const XGDMatrixSetFloatInfo = f('int XGDMatrixSetFloatInfo(void *handle, const char *field, const float *array, uint64_t len)');
  const XGDMatrixFree = f('int XGDMatrixFree(void *handle)');
  const XGBoosterCreate = f('int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)');
  const XGBoosterFree = f('int XGBoosterFree(void *handle)');
  const XGBoosterSetParam = f('int XGBoosterSetParam(void *handle, const char *name, const char *value)');
  const XGBoosterUpdateOneIter = f('int XGBoosterUpdateOneIter(void *handle, int iter, void *dtrain)');
  const XGBoosterSaveJsonConfig = f('int XGBoosterSaveJsonConfig(void *handle, _Out_ uint64_t *out_len, _Out_ void **out_str)');
  const XGBoosterSaveModelToBuffer = f('int XGBoosterSaveModelToBuffer(void *handle, const char *config, _Out_ uint64_t *out_len, _Out_ void **out_dptr)');
  const XGBoosterLoadModelFromBuffer = f('int XGBoosterLoadModelFromBuffer(void *handle, const void *buf, uint64_t len)');
  const XGBoosterPredict = f(
    'int XGBoosterPredict(void *handle, void *dmat, int option_mask, unsigned int ntree_limit, int training, _Out_ uint64_t *out_len, _Out_ void **out_result)',
  );

  const check = (rc: number, what: string) => {
    if (rc !== 0) throw new IftbError(ErrorCode.ML_FAILED, `XGBoost ${what} failed: ${String(XGBGetLastError())}`);
  };
  const copyBytes = (ptr: unknown, len: number | bigint) => new Uint8Array(koffi.view(ptr, Number(len))).slice();

  const major = [0], minor = [0], patch = [0];
  XGBoostVersion(major, minor, patch);
  // Quiet: XGBoost's own warnings go to stderr and would interleave with the CLI's output.
  check(XGBSetGlobalConfig(JSON.stringify({verbosity: 0})), 'XGBSetGlobalConfig');

  return {
    path,
    version: `${major[0]}.${minor[0]}.${patch[0]}`,
    createDMatrix(rows, nrow, ncol) {
      if (rows.length !== nrow * ncol) throw new RangeError(`DMatrix: ${rows.length} values for ${nrow}×${ncol}`);
      const out = [null];
      check(XGDMatrixCreateFromMat(rows, nrow, ncol, NaN, out), 'XGDMatrixCreateFromMat');
      return out[0];
    },
    setFloatInfo(dmat, field, values) {
      check(XGDMatrixSetFloatInfo(dmat, field, values, values.length), `XGDMatrixSetFloatInfo(${field})`);
    },
    freeDMatrix(dmat) {
      check(XGDMatrixFree(dmat), 'XGDMatrixFree');
    },
    createBooster(dmats) {
      const out = [null];
      check(XGBoosterCreate([...dmats], dmats.length, out), 'XGBoosterCreate');
      return out[0];
    },
    freeBooster(booster) {
      check(XGBoosterFree(booster), 'XGBoosterFree');
    },
    setParam(booster, name, value) {
      check(XGBoosterSetParam(booster, name, value), `XGBoosterSetParam(${name}=${value})`);
    },
    updateOneIter(booster, iter, dtrain) {
      check(XGBoosterUpdateOneIter(booster, iter, dtrain), `XGBoosterUpdateOneIter(${iter})`);
    },
    saveJsonConfig(booster) {
      const len = [0], ptr = [null];
      check(XGBoosterSaveJsonConfig(booster, len, ptr), 'XGBoosterSaveJsonConfig');
      return Buffer.from(copyBytes(ptr[0], len[0])).toString('utf8');
    },
    saveModelToBuffer(booster, format) {
      const len = [0], ptr = [null];
      check(XGBoosterSaveModelToBuffer(booster, JSON.stringify({format}), len, ptr), 'XGBoosterSaveModelToBuffer');
      return copyBytes(ptr[0], len[0]);
    },
    loadModelFromBuffer(booster, bytes) {
      check(XGBoosterLoadModelFromBuffer(booster, bytes, bytes.length), 'XGBoosterLoadModelFromBuffer');
    },
    predict(booster, dmat, outputMargin) {
      const len = [0], ptr = [null];
      check(XGBoosterPredict(booster, dmat, outputMargin ? 1 : 0, 0, 0, len, ptr), 'XGBoosterPredict');
      const n = Number(len[0]);
      return new Float32Array(koffi.view(ptr[0], n * 4).slice(0));
    },
  };
}
