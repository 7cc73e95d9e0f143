import {z} from 'zod';
import type {LlmAnswer} from '../../core/index.js';

export const LLM_HORIZONS = ['1h', '4h', '12h', '1d', '3d', '1w'] as const;
export const MAX_RATIONALE = 600;

/** What a structured answer must be; anything else is `invalid` (retried once, then the bar abstains). */
export const LlmAnswerSchema = z.strictObject({
  direction: z.enum(['long', 'short', 'neutral']),
  confidence: z.number().min(0).max(1),
  horizon: z.enum(LLM_HORIZONS),
  rationale: z.string().trim().min(1).max(MAX_RATIONALE),
});

/**
 * The same contract as JSON Schema for `response_format: {type: 'json_schema'}`. Only keywords
 * every strict structured-output implementation accepts (type, enum, properties, required,
 * additionalProperties, description); ranges and lengths are in the descriptions and enforced by
 * LlmAnswerSchema on arrival.
 */
export const LLM_ANSWER_JSON_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({
  type: 'object',
  properties: {
    direction: {type: 'string', enum: ['long', 'short', 'neutral'], description: 'expected direction of the price over the horizon'},
    confidence: {type: 'number', description: 'how sure the view is, from 0 (no idea) to 1 (certain)'},
    horizon: {type: 'string', enum: [...LLM_HORIZONS], description: 'how far ahead the view reaches'},
    rationale: {type: 'string', description: `one or two sentences, at most ${MAX_RATIONALE} characters`},
  },
  required: ['direction', 'confidence', 'horizon', 'rationale'],
  additionalProperties: false,
});

export type ParsedAnswer = {readonly ok: true; readonly answer: LlmAnswer} | {readonly ok: false; readonly reason: string};

/** Validates a parsed value against LlmAnswerSchema. */
export function validateAnswer(value: unknown): ParsedAnswer {
  const result = LlmAnswerSchema.safeParse(value);
  if (result.success) return {ok: true, answer: result.data};
  return {ok: false, reason: `schema: ${result.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; ')}`};
}

/** The assistant content: JSON (a ```json fence is tolerated) matching the schema. */
export function parseAnswer(content: string): ParsedAnswer {
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {ok: false, reason: `not JSON: ${(error as Error).message}`};
  }
  return validateAnswer(value);
}

/** Signal reading of an answer: long +1, short −1, neutral 0, at the answer's confidence. */
export function answerScore(answer: LlmAnswer): number {
  return answer.direction === 'long' ? 1 : answer.direction === 'short' ? -1 : 0;
}
