import {randomUUID} from 'node:crypto';
import {mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {type BotLock, type BotLockHandle, type BotLockKey, botLockName, type BotLockOptions, ErrorCode, IftbError} from '../../core/index.js';

interface LockFile {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly atMs: number;
}

/**
 * The bot lock beside a DuckDB store (no Redis, no PostgreSQL): one file per account+symbol,
 * created exclusively and holding the owner's pid. A file whose process is gone (kill -9) is stale
 * and taken over; one machine only, as the DuckDB file itself.
 */
export class FileBotLock implements BotLock {
  readonly kind = 'file' as const;
  readonly #handles = new Set<BotLockHandle>();

  constructor(private readonly dir: string, private readonly checkMs = 2000) {}

  async acquire(key: BotLockKey, options: BotLockOptions): Promise<BotLockHandle> {
    mkdirSync(this.dir, {recursive: true});
    const path = join(this.dir, `${botLockName(key).replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
    const mine: LockFile = {pid: process.pid, host: hostname(), token: randomUUID(), atMs: Date.now()};
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(mine));
        closeSync(fd);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readLock(path);
        if (attempt === 0 && (holder === null || !alive(holder))) {
          rmSync(path, {force: true}); // stale: its process is gone
          continue;
        }
        throw new IftbError(ErrorCode.BOT_LOCKED,
          `another bot holds ${botLockName(key)} (pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}, lock file ${path}); refusing to trade it twice`);
      }
    }
    let held = true;
    const check = setInterval(() => {
      if (readLock(path)?.token === mine.token) return;
      held = false;
      clearInterval(check);
      this.#handles.delete(handle);
      options.onLost('taken', `lock file ${path} no longer names this bot`);
    }, this.checkMs);
    check.unref();
    const handle: BotLockHandle = {
      key,
      token: mine.token,
      held: () => held,
      release: async () => {
        if (!held) return;
        held = false;
        clearInterval(check);
        this.#handles.delete(handle);
        if (readLock(path)?.token === mine.token) rmSync(path, {force: true});
      },
    };
    this.#handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#handles].map((h) => h.release()));
  }
}

function readLock(path: string): LockFile | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockFile;
  } catch {
    return null;
  }
}

function alive(lock: LockFile): boolean {
  if (lock.host !== hostname()) return true; // another machine: cannot tell, assume held
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
