/** Walks a time-ranged endpoint (userTrades, income) page by page from `fromMs` to now. */
export interface PageWalk<T> {
  readonly fromMs: number;
  /** The exchange clock as this client estimates it. */
  readonly nowMs: number;
  /** Longest span one request may cover (userTrades: 7 days), or null for none. */
  readonly windowMs: number | null;
  /** A page this full means more rows may follow from its last time. */
  readonly pageLimit: number;
  fetch(startTime: number, endTime: number | null): Promise<T[]>;
  key(row: T): string;
  time(row: T): number;
}

const MAX_REQUESTS = 10_000;

export async function collectPages<T>(walk: PageWalk<T>): Promise<T[]> {
  const rows = new Map<string, T>();
  let start = walk.fromMs;
  for (let request = 0; request < MAX_REQUESTS; request++) {
    const windowEnd = walk.windowMs === null ? null : start + walk.windowMs - 1;
    // the last window stays open-ended: the exchange clock may run ahead of the local estimate
    const endTime = windowEnd !== null && windowEnd < walk.nowMs ? windowEnd : null;
    const page = await walk.fetch(start, endTime);
    for (const row of page) if (walk.time(row) >= walk.fromMs) rows.set(walk.key(row), row);
    if (page.length >= walk.pageLimit) {
      const last = Math.max(...page.map((row) => walk.time(row)));
      // rows sharing the last millisecond come again and are deduplicated by key
      start = last > start ? last : start + 1;
      continue;
    }
    if (endTime === null) break;
    start = endTime + 1;
  }
  return [...rows.values()];
}
