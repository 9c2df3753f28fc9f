import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long stopping the embedded default may take in all (Ctrl-C, SIGTERM, Launchpad.stop()).
 * The budgets below add up to less, so that start.ts's hard exit at this deadline is a last resort.
 */
export const SHUTDOWN_DEADLINE_MS = 10_000;
/** Running executions get this long to finish their step; the rest are recorded as interrupted on the next start. */
export const DRAIN_GRACE_MS = 2000;
/** Tenant and pool instances get this long to exit after SIGTERM before SIGKILL. */
export const INSTANCE_GRACE_MS = 2000;
/** Emulators (DynamoDB Local, PostgreSQL) get this long to shut down cleanly before they are forced. */
export const EMULATOR_GRACE_MS = 3000;
/** After SIGKILL the kernel ends a process at once; this only guards against waiting forever on one stuck in I/O. */
const AFTER_KILL_MS = 1000;

export const TIMED_OUT = Symbol('timed out');

/** `work`, or TIMED_OUT if it has not settled after `ms`; the timer never keeps the process alive. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function exit(child: ChildProcess): Promise<void> {
  return exited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Asks `child` to stop with `signal` (SIGTERM unless the program wants another), and SIGKILLs it if
 * it has not exited after `graceMs`: a process that ignores or hangs on the signal must not keep
 * its port, or the whole shutdown, waiting. Resolves how it ended.
 */
export async function stopChild(child: ChildProcess, { graceMs, signal = 'SIGTERM' }: { graceMs: number; signal?: NodeJS.Signals }): Promise<'exited' | 'killed'> {
  if (exited(child)) return 'exited';
  const gone = exit(child);
  child.kill(signal);
  if ((await withDeadline(gone, graceMs)) !== TIMED_OUT) return 'exited';
  child.kill('SIGKILL');
  await withDeadline(gone, AFTER_KILL_MS);
  return 'killed';
}

/**
 * Every socket `server` accepts, so that stopping it can end them all: `closeAllConnections()`
 * does not reach sockets handed over on `upgrade` (WebSockets), yet `close()` waits for them.
 */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * Stops listening and ends every connection now, idle keep-alive, mid-request or upgraded alike
 * (their requests are cut; the clients see a reset), so the port is free when this resolves.
 */
export async function closeServer(server: Server, sockets?: Set<Socket>): Promise<void> {
  if (!server.listening && (sockets?.size ?? 0) === 0) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  for (const socket of sockets ?? []) socket.destroy();
  await closed;
}
