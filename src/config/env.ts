import {existsSync, readFileSync} from 'node:fs';
import {resolve} from 'node:path';

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

/** Looks a setting up in the environment first, then in a `.env` file; blank values count as unset. */
export type EnvLookup = (name: string) => string | null;

/** `envFile` defaults to `.env` in the working directory; a missing file is no error. */
export function envLookup(env: NodeJS.ProcessEnv = process.env, envFile: string = resolve('.env')): EnvLookup {
  const file = existsSync(envFile) ? parseDotEnv(readFileSync(envFile, 'utf8')) : {};
  return (name) => {
    const value = env[name] ?? file[name];
    return value === undefined || value.trim() === '' ? null : value.trim();
  };
}
