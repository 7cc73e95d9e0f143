/**
 * Request bodies of the operations API, as zod schemas: the one definition that validates a
 * request (400 naming the field) and that the OpenAPI document at /docs/json shows (z.toJSONSchema).
 * Field names are the runbook's (snake_case).
 */
import {z} from 'zod';

const reason = z.string().trim().min(1).max(500);

export const KillSwitchBody = z.strictObject({reason: reason.describe('why trading stops (journaled with who and when)')});
export const DeactivateBody = z.strictObject({
  confirmation_code: z.string().trim().regex(/^[A-Za-z0-9]{6}$/, 'the 6-character code returned at activation').describe('the code POST /api/kill-switch returned'),
});
export const ForceDeactivateBody = z.strictObject({admin_key: z.string().min(1).max(1000).describe('KILL_SWITCH_ADMIN_KEY')});
/** Optional reason: the runbook's shutdown procedure sends these without a body. */
export const ReasonBody = z.strictObject({reason: reason.optional().describe('why (journaled; a default is recorded when absent)')});

export type KillSwitchBody = z.output<typeof KillSwitchBody>;
export type DeactivateBody = z.output<typeof DeactivateBody>;
export type ForceDeactivateBody = z.output<typeof ForceDeactivateBody>;
export type ReasonBody = z.output<typeof ReasonBody>;

/** JSON schema (OpenAPI 3.0 flavour) → the zod schema it came from, for the validator compiler. */
const byJson = new Map<string, z.ZodType>();

/** The JSON schema of a body for a route's `schema.body`; fastify validates it with the zod schema itself. */
export function bodySchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {target: 'openapi-3.0', io: 'input'}) as Record<string, unknown>;
  delete json.$schema;
  byJson.set(JSON.stringify(json), schema);
  return json;
}

export class BodyError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** The validator for a JSON schema made by bodySchema: zod parses (a missing body is {}), the first issue names the field. */
export function zodValidator(json: unknown): (data: unknown) => {value: unknown} | {error: Error} {
  const schema = byJson.get(JSON.stringify(json));
  if (schema === undefined) throw new Error('route schema not made by bodySchema()');
  return (data) => {
    const parsed = schema.safeParse(data ?? {});
    if (parsed.success) return {value: parsed.data};
    const issue = parsed.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = [...issue.path.map(String), ...keys].join('.') || 'body';
    return {error: new BodyError(field, `${field}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`)};
  };
}
