import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What process `pid` runs: its command line (arguments joined by spaces) and executable, from /proc
 * (Linux) or ps (macOS); undefined when neither can tell (gone, another user's, no ps). After a crash
 * a recorded pid may belong to a process that reused the number: callers check what it is before
 * acting on it.
 */
export function processInfo(pid: number): { command: string; executable?: string } | undefined {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    let executable: string | undefined;
    try {
      executable = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // another user's process: the command line is readable, its executable is not
    }
    return { command, ...(executable ? { executable } : {}) };
  } catch {
    // no /proc here, or the process is gone
  }
  try {
    const command = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const executable = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return command ? { command, ...(executable ? { executable } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/** Every process on this machine with its command line: /proc on Linux, ps elsewhere; none when neither answers. */
function processes(): Array<{ pid: number; command: string }> {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((entry) => {
        try {
          return [{ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') }];
        } catch {
          return [];
        }
      });
  } catch {
    // no /proc here
  }
  try {
    return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .flatMap((line) => {
        const match = /^\s*(\d+)\s+(.*)$/.exec(line);
        return match ? [{ pid: Number(match[1]), command: match[2]! }] : [];
      });
  } catch {
    return [];
  }
}

const pauseSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * DynamoDB Local left running on this data dir by a Launchpad killed on its own (not its process
 * group): a second one on the same database file would corrupt it. Killed before the lock is taken
 * over (SIGKILL: its SQLite journal recovers), recognised by its jar and its exact -dbPath.
 */
function stopLeftoverDynamoDb(dataDir: string): void {
  const dbPath = `-dbPath ${resolve(dataDir, 'dynamodb')}`;
  const ours = (command: string) => command.includes('DynamoDBLocal.jar') && (command.endsWith(dbPath) || command.includes(`${dbPath} `));
  const leftovers = processes().filter((p) => p.pid !== process.pid && ours(p.command));
  for (const { pid } of leftovers) process.kill(pid, 'SIGKILL');
  // Gone once its command line is (a zombie nobody has reaped yet holds no file).
  for (const until = Date.now() + 2000; Date.now() < until && leftovers.some(({ pid }) => ours(processInfo(pid)?.command ?? '')); ) pauseSync(50);
}

/**
 * Whether the recorded holder can still be a Launchpad: alive, and (when the system says) running
 * the same program as this one. After a crash and a reboot, or in a restarted container, its pid may
 * have gone to an unrelated process, which must not keep this data dir locked for good.
 */
function holdsLock(pid: number): boolean {
  if (!alive(pid)) return false;
  const executable = processInfo(pid)?.executable;
  if (!executable) return true;
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  return real(executable) === real(process.execPath);
}

/**
 * One Launchpad per data dir: two DynamoDB Local processes on one database file would corrupt it.
 * A lock left by a crashed run (its process gone, or its pid taken by another program) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'launchpad.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8'));
  } catch {
    // no lock yet
  }
  if (holder && Number.isInteger(holder) && holder !== process.pid) {
    if (holdsLock(holder)) throw new Error(`Another Launchpad (pid ${holder}) is using ${dataDir}. Stop it first, or give this one its own LAUNCHPAD_DATA_DIR.`);
    // Its holder crashed: what it started may live on (PostgreSQL and the instances are seen to where they start).
    stopLeftoverDynamoDb(dataDir);
  }
  // Whole or not at all: a crash mid-write must not leave a lock naming a pid it never held.
  writeFileSync(`${file}.partial`, String(process.pid));
  renameSync(`${file}.partial`, file);
  return () => rmSync(file, { force: true });
}
