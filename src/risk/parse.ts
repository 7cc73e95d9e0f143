import type {z} from 'zod';
import {ErrorCode, IftbError} from '../core/index.js';

/** Parses a config with its schema; failures are IFTB_E_CONFIG_INVALID listing every issue. */
export function parseRiskConfig<S extends z.ZodType>(schema: S, raw: unknown, origin: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new IftbError(ErrorCode.CONFIG_INVALID, `${origin}: ${issues}`);
  }
  return result.data;
}
