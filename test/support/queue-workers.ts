/** Real `iftb worker` processes and Redis key cleanup for the BullMQ queue tests. */
import {type ChildProcess, spawn} from 'node:child_process';
import {resolve} from 'node:path';
import {Redis} from 'ioredis';

export const REDIS = 'redis://127.0.0.1:6379';
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Trial ids (optimize) and training job ids (walk-forward folds) this worker finished, in order. */
  readonly done: string[];
  readonly trained: string[];
  /** Compare backtests (iftb compare --queue) it ran, as `REF run RUN-ID`. */
  readonly compared: string[];
  readonly ready: Promise<void>;
}

/** A real `iftb worker` process on the store at `db`. */
export function startWorker(db: string, prefix: string, extra: readonly string[] = []): WorkerProcess {
  const child = spawn('node', [CLI, 'worker', '--queue', REDIS, '--queue-prefix', prefix, '--db', db, '--lock-ms', '1500', ...extra], {stdio: ['ignore', 'pipe', 'inherit']});
  const done: string[] = [];
  const trained: string[] = [];
  const compared: string[] = [];
  let buffer = '';
  const ready = new Promise<void>((resolveReady) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('worker ready')) resolveReady();
        const m = /^trial (\S+) done/.exec(line);
        if (m) done.push(m[1]);
        const t = /^train (\S+) done/.exec(line);
        if (t) trained.push(t[1]);
        const c = /^compare \S+ done \((\S+), run (\S+)\)/.exec(line);
        if (c) compared.push(`${c[1]} run ${c[2]}`);
      }
    });
  });
  return {child, done, trained, compared, ready};
}

/** Removes every key a test queue left under its prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
