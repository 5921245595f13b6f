import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Another local stack holds the data directory. */
export class PersistDirInUseError extends Error {
  public override readonly name = 'PersistDirInUseError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file of a `--persist` directory, so a second stack on the same data fails with a clear message
 * instead of a LevelDB stack trace. A lock left by a process that no longer runs is taken over.
 *
 * @param dir - the data directory (created if missing)
 * @returns a function that releases the lock
 */
export function lockPersistDir(dir: string): () => void {
  const path = join(resolve(dir), '.okta-phone-mfa.lock');
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new PersistDirInUseError(
          `${resolve(dir)} is in use by another local stack (pid ${pid}): stop it, or pass another --persist directory`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new PersistDirInUseError(`Could not lock ${resolve(dir)}`);
}
