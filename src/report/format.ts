/** Deterministic text formatting for report pages (no locale lookups: the same run gives the same bytes). */

const DAY_MS = 86_400_000;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!);
}

/** JSON safe inside a <script> element: no "</script>" or "<!--" can close or confuse it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fixed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const text = Math.abs(x).toFixed(digits);
  const [whole, fraction] = text.split('.');
  const sign = x < 0 && Number(text) !== 0 ? '−' : '';
  return `${sign}${group(whole)}${fraction === undefined ? '' : `.${fraction}`}`;
}

export const money = (x: number | null | undefined) => fixed(x, 2);
export const int = (x: number | null | undefined) => fixed(x, 0);
export const pct = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${fixed(x * 100, digits)} %`;

/** "YYYY-MM-DD HH:MM" UTC. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function days(ms: number): string {
  return `${fixed(ms / DAY_MS, 1)} d`;
}

/** The raw number as text (round-trips exactly), '' for null: what data-value attributes carry. */
export function raw(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
}
