import {resolve} from 'node:path';
import {envLookup} from '../../config/index.js';
import {ErrorCode, IftbError} from '../../core/index.js';

export {parseDotEnv} from '../../config/index.js';

/** Where LLM requests go. The API key never leaves this object (not in configs, hashes or run.json). */
export interface LlmEndpoint {
  readonly baseUrl: string;
  readonly apiKey: string | null;
}

export interface LlmEnvironment {
  /** null: nothing configured (no IFTB_LLM_BASE_URL and no OPENAI_API_KEY). */
  readonly endpoint: LlmEndpoint | null;
  /** IFTB_LLM_MODEL, when set. */
  readonly model: string | null;
}

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * IFTB_LLM_BASE_URL, IFTB_LLM_MODEL and OPENAI_API_KEY from the environment, else from `envFile`
 * (default `.env` in the working directory). A key alone means OpenAI's own endpoint.
 */
export function readLlmEnvironment(env: NodeJS.ProcessEnv = process.env, envFile: string = resolve('.env')): LlmEnvironment {
  const get = envLookup(env, envFile);
  const baseUrl = get('IFTB_LLM_BASE_URL');
  const apiKey = get('OPENAI_API_KEY');
  if (baseUrl !== null && !/^https?:\/\/[^\s/]+/.test(baseUrl)) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `IFTB_LLM_BASE_URL '${baseUrl}' is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  const endpoint = baseUrl !== null ? {baseUrl: baseUrl.replace(/\/+$/, ''), apiKey} : apiKey !== null ? {baseUrl: OPENAI_BASE_URL, apiKey} : null;
  return {endpoint, model: get('IFTB_LLM_MODEL')};
}
