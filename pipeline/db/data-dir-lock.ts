/**
 * Embedded PGlite serves one process at a time: a second process opening the same directory reads
 * stale pages and its writes are lost or corrupt the first's (a token made by `hazardscope token
 * create` beside a running server vanished and answered 401). PGlite takes no lock of its own, so
 * the process that opens the directory leaves a lock file beside it naming itself, and one that
 * finds a live owner there refuses to open it.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';

interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
  /** Where the owner serves the API, once it listens. */
  url?: string | undefined;
}

/** Another live process holds the embedded database. The message says who and what to do instead. */
export class DatabaseInUseError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner,
  ) {
    super(
      `the embedded database (PGlite) is in use by another process: pid ${owner.pid} (${owner.command})` +
        `${owner.url ? `, serving ${owner.url}` : ''}, since ${owner.since}. PGlite serves one process at a time. ` +
        `If no such process is running, delete ${lockFile}.`,
    );
    this.name = 'DatabaseInUseError';
  }
}

interface DataDirLock {
  /** Records where the owner serves the API, so those refused can be told where to go. */
  announce(url: string): void;
  release(): void;
}

/** How many handles this process holds per lock file: one process may open its own directory again. */
const heldHere = new Map<string, number>();

export function claimDataDir(lockFile: string): DataDirLock {
  const held = heldHere.get(lockFile) ?? 0;
  if (held === 0) takeOrRefuse(lockFile);
  heldHere.set(lockFile, held + 1);
  let released = false;
  return {
    announce(url) {
      const owner = readOwner(lockFile);
      if (owner?.pid !== process.pid) return;
      const staged = `${lockFile}.${process.pid}.tmp`;
      writeFileSync(staged, JSON.stringify({ ...owner, url }));
      renameSync(staged, lockFile);
    },
    release() {
      if (released) return;
      released = true;
      const left = (heldHere.get(lockFile) ?? 1) - 1;
      if (left > 0) {
        heldHere.set(lockFile, left);
        return;
      }
      heldHere.delete(lockFile);
      if (readOwner(lockFile)?.pid === process.pid) {
        try {
          unlinkSync(lockFile);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}

function takeOrRefuse(lockFile: string): void {
  const me: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    command: process.argv.slice(1, 3).join(' ') || process.title,
    since: new Date().toISOString(),
  };
  // Two attempts: the second after clearing a lock its owner left behind when it died.
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written aside and linked into place: the lock appears whole or not at all, so nobody reads a
    // half-written one and takes it for abandoned.
    const staged = `${lockFile}.${process.pid}.tmp`;
    writeFileSync(staged, JSON.stringify(me));
    try {
      linkSync(staged, lockFile);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(staged);
    }
    const owner = readOwner(lockFile);
    if (owner && owner.pid !== process.pid && alive(owner)) throw new DatabaseInUseError(lockFile, owner);
    try {
      unlinkSync(lockFile);
    } catch {
      // Someone else cleared it first; the next attempt decides.
    }
  }
  const owner = readOwner(lockFile);
  throw new DatabaseInUseError(lockFile, owner ?? { ...me, pid: -1, command: 'unknown' });
}

function readOwner(lockFile: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the owner still runs. A lock from another machine (a data directory on a shared disk)
 * cannot be checked from here, so it is taken as held.
 */
function alive(owner: LockOwner): boolean {
  if (owner.hostname !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
