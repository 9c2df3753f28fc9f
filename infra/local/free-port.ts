import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether `port` can be bound on loopback right now (0 asks the OS for any free one). */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A TCP port nobody listens on right now (for the emulators we start). */
export async function freePort(): Promise<number> {
  const port = await tryPort(0);
  if (port === undefined) throw new Error('No free TCP port on 127.0.0.1');
  return port;
}

/**
 * A free port below the range the OS hands out for port 0 (32768 and up on Linux), for a port that
 * is chosen now and bound later by another process: no free pick elsewhere can take it meanwhile.
 */
export async function freeFixedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryPort(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== undefined) return port;
  }
  throw new Error('No free TCP port between 20000 and 32000 on 127.0.0.1');
}

/**
 * The port this emulator had last time (kept in `file`), if it is still free; else a new one.
 * Addresses stored with tenants (their database endpoint) then survive a restart.
 */
export async function stablePort(file: string): Promise<number> {
  const previous = Number.parseInt(readFileSyncSafe(file), 10);
  const port = (Number.isInteger(previous) && (await tryPort(previous))) || (await freePort());
  writeFileSync(file, String(port));
  return port;
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
