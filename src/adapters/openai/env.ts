import {existsSync, readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {ErrorCode, IftbError} from '../../core/index.js';

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

/** `KEY=value` lines; `#` comments, `export ` prefixes and single or double quotes allowed. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match || line.startsWith('#')) continue;
    let value = match[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[match[1]] = value;
  }
  return out;
}

/**
 * IFTB_LLM_BASE_URL, IFTB_LLM_MODEL and OPENAI_API_KEY from the environment, else from `envFile`
 * (default `.env` in the working directory). A key alone means OpenAI's own endpoint.
 */
export function readLlmEnvironment(env: NodeJS.ProcessEnv = process.env, envFile: string = resolve('.env')): LlmEnvironment {
  const file = existsSync(envFile) ? parseDotEnv(readFileSync(envFile, 'utf8')) : {};
  const get = (name: string): string | null => {
    const value = env[name] ?? file[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
  const baseUrl = get('IFTB_LLM_BASE_URL');
  const apiKey = get('OPENAI_API_KEY');
  if (baseUrl !== null && !/^https?:\/\/[^\s/]+/.test(baseUrl)) {
    throw new IftbError(ErrorCode.CONFIG_INVALID, `IFTB_LLM_BASE_URL '${baseUrl}' is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  const endpoint = baseUrl !== null ? {baseUrl: baseUrl.replace(/\/+$/, ''), apiKey} : apiKey !== null ? {baseUrl: OPENAI_BASE_URL, apiKey} : null;
  return {endpoint, model: get('IFTB_LLM_MODEL')};
}
