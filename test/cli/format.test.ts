import {PassThrough} from 'node:stream';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {terminalProgress} from '../../src/cli/format.js';

describe('terminalProgress without a terminal', () => {
  afterEach(() => vi.useRealTimers());

  it('logs the first save at once, then at most one line per 10 s, and the last at stop', () => {
    vi.useFakeTimers({now: 0});
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const progress = terminalProgress(out as unknown as NodeJS.WriteStream);
    progress.start(500, 'fold 0');
    progress.update(10);
    progress.saved!(64);
    vi.setSystemTime(9_000);
    progress.saved!(128);
    vi.setSystemTime(10_500);
    progress.saved!(192);
    progress.saved!(256);
    progress.stop();
    out.end();
    expect(lines).toEqual(['fold 0: 64/500 saved', 'fold 0: 192/500 saved', 'fold 0: 256/500 saved']);
  });
});
