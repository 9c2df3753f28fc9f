import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { badRequest, json, type ApiHandler } from '../../functions/api/http';
import { API_ROUTES, type ApiRoute } from '../../functions/api/routes';
import type { Deps } from '../../functions/deps';
import { logger } from '../../functions/logger';
import { wireDeps } from '../wire-deps';
import { poolFromEnv, sleepFromEnv, signupLimitsFromEnv, smtpAllowanceFromEnv, type Platform, type SleepTimes } from '../../functions/platform';
import { createTenantRouter, type RouterTimings, type TenantRouter } from '../../router/tenant-router';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { passingProbe } from '../../functions/providers/instance-probe';
import { ProbePass } from '../../functions/providers/probe-pass';
import { SesMail } from '../../functions/providers/mail';
import { MailStore } from '../../functions/providers/mail-store';
import { Storage } from '../../functions/providers/storage';
import { SCHEDULED_JOBS, type ScheduledJobName } from '../../functions/scheduled/jobs';
import { StripeBilling, type Billing } from '../../functions/providers/billing';
import Stripe from 'stripe';
import { LocalBilling, localWebhookSecret } from './local-billing';
import { handleLocalStripe } from './local-stripe-pages';
import { SEED_PREFIX } from '../../shared/instance';
import { matchRoute, requestTarget, toApiEvent, writeApiResult } from './api-gateway-event';
import { neverCrash } from './last-resort';
import { lockDataDir } from './data-dir-lock';
import { ensureTable, startDynamoDbLocal } from './dynamodb-local';
import { LOCAL_MAX_CONNECTIONS, localDatabaseServers, s3Client, sesClient, startPostgres, startS3, startSes, type Emulator } from './emulators';
import { serverCapacity } from '../../shared/database-servers';
import { FileSecrets } from './file-secrets';
import { LocalCompute } from './local-compute';
import { LocalPool } from './local-pool';
import { LocalDns } from './local-dns';
import { LocalWorkflows } from './local-workflows';
import { handleOps } from './ops';
import { serveStatic } from './static-files';
import { closeServer, DRAIN_GRACE_MS, TIMED_OUT, trackSockets, withDeadline } from './shutdown';

export interface LaunchpadOptions {
  port?: number;
  /** Everything that must survive a restart lives here (tables, databases, files, executions). */
  dataDir?: string;
  webRoot?: string;
  tableName?: string;
  /** aws-ses-v2-local's port; 8005 is its default (its viewer and GET /store). 0 picks a free one. */
  sesPort?: number;
  opsEmail?: string;
  /** Intervals of the scheduled jobs (functions/scheduled/jobs.ts), instead of each job's localEveryMs. */
  reconcileEveryMs?: number;
  sweepEveryMs?: number;
  smtpCheckEveryMs?: number;
  driftCheckEveryMs?: number;
  /** Every Wait state's length (health polls); default 500 ms, 100 ms with fastTimers. */
  waitMs?: number;
  /** Tests shorten the retry backoff; the ASL's own intervals apply otherwise. */
  fastTimers?: boolean;
  /** Idle times before instances sleep; default from SLEEP_AFTER (e.g. 5s) and its siblings, else 30 minutes. */
  sleep?: SleepTimes;
  /** Warm-pool instances kept ready; default POOL_SIZE, else 0 (no pool). */
  poolSize?: number;
  /** Signup limits per hour (default: SIGNUP_LIMIT_* or the product's); tests of many signups from one machine raise them. */
  signupLimits?: Platform['signupLimits'];
  /** Wraps the wired dependencies, e.g. to inject faults in tests. */
  decorate?: (deps: Deps) => Deps;
  /** Postgres servers tenants are placed on; default LOCAL_DB_SERVERS, else 2. */
  databaseServers?: number;
}

export interface Launchpad {
  url: string;
  dynamoDbEndpoint: string;
  sesEndpoint: string;
  /** s3rver, the bucket the instances read (tests check it is closed after stop()). */
  s3Endpoint: string;
  /** Admin connection to the tenants' first Postgres server (db-1). */
  postgres: pg.ClientConfig;
  /** Admin connection to each of the tenants' Postgres servers, by id (db-1, db-2, ...). */
  postgresServers: Record<string, pg.ClientConfig>;
  deps: Deps;
  workflows: LocalWorkflows;
  compute: LocalCompute;
  router: TenantRouter;
  stop(): Promise<void>;
}

/**
 * The router's timings on the embedded default: everything is on this machine, so routes are
 * re-read every second; the last-request throttle and the sleep job's interval follow the
 * shortest idle time, so that SLEEP_AFTER=5s really sleeps after about 5 s.
 */
export function localRouterTimings(sleep: SleepTimes): RouterTimings {
  const shortest = Math.min(sleep.trialProductionMs, sleep.stagingMs, sleep.paidProductionMs ?? Infinity);
  return {
    routeTtlMs: 1000,
    endpointsTtlMs: 1000,
    pendingTtlMs: 200,
    idleEvictMs: 10 * 60_000,
    maxRoutes: 50_000,
    activityEveryMs: Math.min(60_000, Math.max(200, shortest / 5)),
    wakeTimeoutMs: 30_000,
    retryAfterSeconds: 1,
    probeTimeoutMs: 1000,
    wakesPerClientPerMinute: 20,
    clientSource: 'socket',
  };
}

const MAX_BODY_BYTES = 256 * 1024;
/**
 * A body over MAX_BODY_BYTES is still read (and dropped) up to this much, so that the client, still
 * sending, gets the 413 rather than a connection reset; API Gateway's own payload limit.
 */
const DRAIN_BYTES = 10 * 1024 * 1024;

/**
 * The request body; `too-large` past MAX_BODY_BYTES (the rest is drained, up to DRAIN_BYTES);
 * `gone` when the client left before sending all of it (nobody to answer).
 */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_BYTES) {
        // Enough: answer now; the connection closes after the answer.
        req.pause();
        resolve('too-large');
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('close', () => resolve(req.complete ? (size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)) : 'gone'));
    // Without a listener an aborted request's error is dropped by Node; with one it must not escape.
    req.on('error', () => resolve('gone'));
  });
}
const fail = (message: string): never => {
  throw new Error(message);
};
const BUCKET = 'launchpad-tenants';
const SEED_ASSETS = fileURLToPath(new URL('../seed-assets/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** What CDK deploys to seed/ in AWS: the assets every tenant starts with. */
async function uploadSeedAssets(storage: Storage): Promise<void> {
  for (const file of filesUnder(SEED_ASSETS)) {
    const key = relative(SEED_ASSETS, file).split('\\').join('/');
    if (key === 'README.md') continue;
    const type = file.endsWith('.svg') ? 'image/svg+xml' : file.endsWith('.md') ? 'text/markdown; charset=utf-8' : 'application/octet-stream';
    await storage.put(`${SEED_PREFIX}${key}`, readFileSync(file, 'utf8'), type);
  }
}

/**
 * The embedded default: DynamoDB Local, PostgreSQL, S3 (s3rver), SES (aws-ses-v2-local), the
 * local Step Functions runner, and one HTTP server that plays API Gateway (/api/*), CloudFront
 * (the web app), the load balancer (<host>.localhost -> instance) and the ops console (/ops).
 */
export async function startLaunchpad(options: LaunchpadOptions = {}): Promise<Launchpad> {
  const dataDir = resolve(options.dataDir ?? '.data');
  const webRoot = resolve(options.webRoot ?? 'dist/web');
  const tableName = options.tableName ?? 'launchpad';

  const unlock = lockDataDir(dataDir);
  let ready:
    | { handlers: Map<ApiRoute, ApiHandler>; router: TenantRouter; compute: LocalCompute; deps: Deps; workflows: LocalWorkflows; baseUrl: string; sesUrl: string; localBilling?: LocalBilling }
    | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = (req.headers.host ?? '').split(':')[0]?.toLowerCase().replace(/\.$/, '') ?? '';
    // Instance hosts first, before any parsing the router does not need: this path is the router's overhead.
    if (host.endsWith('.localhost')) {
      if (!ready) return writeApiResult(res, json(503, { errors: { body: 'Launchpad is still starting' } }));
      return ready.router.handle(req, res);
    }
    const target = requestTarget(req.url);
    if ('errors' in target) return writeApiResult(res, badRequest(target.errors));
    const { url } = target;
    if (url.pathname.startsWith('/local-stripe/') && ready?.localBilling) {
      return void handleLocalStripe(req, res, url, ready.localBilling).catch((error: unknown) => {
        logger.error('Local checkout failed', { error });
        writeApiResult(res, json(500, { errors: { body: String(error) } }));
      });
    }
    if (url.pathname === '/ops' || url.pathname.startsWith('/ops/')) {
      if (!ready) return writeApiResult(res, json(503, { errors: { body: 'Launchpad is still starting' } }));
      return void handleOps(req, res, url, ready).catch((error: unknown) => {
        logger.error('Ops page failed', { error });
        writeApiResult(res, json(500, { errors: { body: String(error) } }));
      });
    }
    if (!url.pathname.startsWith('/api/')) return serveStatic(webRoot, req, res, url.pathname);
    const match = matchRoute(API_ROUTES, req.method ?? 'GET', url.pathname);
    if (!match) return writeApiResult(res, json(404, { errors: { body: `No route ${req.method} ${url.pathname}` } }));
    const handler = ready?.handlers.get(match.route);
    if (!handler) return writeApiResult(res, json(503, { status: 'starting', errors: { body: 'Launchpad is still starting; try again in a moment' } }, { 'retry-after': '1' }));
    const body = await readBody(req);
    if (body === 'gone') return;
    if (body === 'too-large') return writeApiResult(res, json(413, { errors: { body: 'Request body too large' } }, { connection: 'close' }));
    let result;
    try {
      result = await handler(toApiEvent(req, url, match.route, match.params, body));
    } catch (error) {
      logger.error('Unhandled error in handler', { route: match.route.path, error });
      result = json(500, { errors: { body: 'Something went wrong on our side; please try again' } });
    }
    writeApiResult(res, result);
  };
  const server = createServer(neverCrash(handle, logger));
  const sockets = trackSockets(server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const host = (req.headers.host ?? '').split(':')[0]?.toLowerCase().replace(/\.$/, '') ?? '';
      if (ready && host.endsWith('.localhost')) ready.router.handleUpgrade(req, socket, head);
      else socket.destroy();
    } catch (error) {
      logger.error('Upgrade failed in the local server', { error });
      socket.destroy();
    }
  });
  // Without a listener Node drops CONNECT requests without a word; nothing here is a proxy.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    // Node hands the socket over paused: read it to its end, or it never closes (and neither does the server).
    socket.resume();
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, POST, PUT, DELETE\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });

  // Take the port first: if it is busy, fail before starting anything else.
  const requestedPort = options.port ?? 3000;
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(requestedPort, ok);
    });
  } catch (error) {
    unlock();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`Port ${requestedPort} is already in use. Stop what runs there, or start on another port: PORT=${requestedPort + 1} npm start`);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://localhost:${port}`;

  const emulators: Array<Emulator<unknown>> = [];
  let compute: LocalCompute | undefined;
  let pool: LocalPool | undefined;
  let router: TenantRouter | undefined;
  const timers: NodeJS.Timeout[] = [];
  // Each part bounds its own wait (shutdown.ts): instances and emulators are forced past their grace.
  const stopAll = async () => {
    for (const timer of timers) clearInterval(timer);
    router?.close();
    await Promise.all([compute?.stopAll(), pool?.stopAll()]);
    await Promise.all(emulators.map((emulator) => emulator.stop().catch(() => undefined)));
  };
  try {
    // The mail viewer's port is asked for (SES_PORT), the others' are picked free: bind it first (it
    // takes milliseconds), so a free pick of another emulator cannot land on it meanwhile.
    const ses = await startSes(options.sesPort ?? 8005, join(dataDir, 'sent-mail.jsonl'));
    emulators.push(ses);
    // The rest side by side; allSettled so that one failing still leaves the others stoppable.
    const dbServers = localDatabaseServers(dataDir, options.databaseServers ?? Number(process.env.LOCAL_DB_SERVERS ?? 2));
    const started = await Promise.allSettled([
      startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') }).then((e) => (emulators.push({ value: e, stop: e.stop }), e)),
      startS3({ directory: join(dataDir, 's3'), bucket: BUCKET }).then((e) => (emulators.push(e), e)),
      ...dbServers.map(({ directory, portFile }) => startPostgres({ directory, portFile, maxConnections: LOCAL_MAX_CONNECTIONS }).then((e) => (emulators.push(e), e))),
    ] as const);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [dynamo, s3, ...postgresStarted] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startDynamoDbLocal>>,
      Awaited<ReturnType<typeof startS3>>,
      ...Array<Awaited<ReturnType<typeof startPostgres>>>,
    ];
    const postgresServers = Object.fromEntries(dbServers.map(({ id }, i) => [id, postgresStarted[i]!.value]));
    const postgres = postgresStarted[0]!;
    await ensureTable(dynamo.endpoint, tableName);

    const platform: Platform = {
      instanceUrlTemplate: `http://{host}.localhost:${port}`,
      mailDomain: 'clients.spaceos.io',
      launchpadSender: 'spaceOS Launchpad <launchpad@spaceos.io>',
      opsEmail: options.opsEmail ?? process.env.OPS_EMAIL ?? 'customer-success@spaceos.io',
      siteUrl: baseUrl,
      bucket: BUCKET,
      database: { host: '127.0.0.1', port: Number(postgres.value.port), adminSecretName: 'local' },
      databaseServers: dbServers.map(({ id }) => ({ id, host: '127.0.0.1', port: Number(postgresServers[id]!.port), adminSecretName: 'local', capacity: serverCapacity(LOCAL_MAX_CONNECTIONS) })),
      resumeHow: `Fix the cause, then open ${baseUrl}/ops and press Resume for tenant {tenantId}`,
      executionUrlTemplate: `${baseUrl}/ops#{executionName}`,
      opsConsoleUrl: `${baseUrl}/ops`,
      appVersion: process.env.APP_VERSION ?? '1',
      oauthClients: { google: process.env.GOOGLE_OAUTH_CLIENT_ID || undefined, microsoft: process.env.MICROSOFT_OAUTH_CLIENT_ID || undefined },
      sleep: options.sleep ?? sleepFromEnv(process.env),
      // The pool instance keeps serving a little longer than the local router caches a route (localRouterTimings).
      pool: { ...poolFromEnv(process.env, { drainMs: 1500, deferRefillWhileProvisioning: true }), ...(options.poolSize === undefined ? {} : { size: options.poolSize }) },
      smtpAllowedPrivateHosts: smtpAllowanceFromEnv(process.env, ['127.0.0.0/8', '::1']), // local test servers (MailHog, smtp4dev) on this machine
      signupLimits: options.signupLimits ?? signupLimitsFromEnv(process.env),
    };
    const storage = new Storage(s3Client(s3.value.endpoint), BUCKET);
    const secrets = new FileSecrets(join(dataDir, 'secrets'));
    // One pass for the steps' probes and the router (the key is made once per data dir, on first use).
    const probePass = new ProbePass(secrets);
    // With Stripe test keys in the environment the real Stripe is used; without, the local checkout.
    const stripeKey = process.env.STRIPE_SECRET_KEY;
    const localBilling = stripeKey ? undefined : new LocalBilling(baseUrl, await localWebhookSecret(secrets), { file: join(dataDir, 'billing.json'), log: (line) => logger.warn(line) });
    const billing: Billing =
      localBilling ??
      new StripeBilling(new Stripe(stripeKey!), {
        priceId: process.env.STRIPE_PRICE_ID ?? fail('STRIPE_PRICE_ID must be set with STRIPE_SECRET_KEY'),
        webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? fail('STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY (stripe listen prints it)'),
      });
    await uploadSeedAssets(storage);
    const dns = new LocalDns(join(dataDir, 'dns.json'));
    compute = new LocalCompute({ dataDir, secrets, s3Endpoint: s3.value.endpoint, bucket: BUCKET, log: (line) => logger.warn(line) });
    // The key assignments carry: made once per data dir, as the CDK app makes the pool's secret once.
    const poolKey = async () => {
      let key = await secrets.get(platform.pool.keySecretName);
      if (!key) await secrets.put(platform.pool.keySecretName, (key = randomBytes(32).toString('hex')));
      return key;
    };
    pool = new LocalPool({ poolKey, s3Endpoint: s3.value.endpoint, bucket: BUCKET, appVersion: platform.appVersion, log: (line) => logger.warn(line) });
    const documents = createDocumentClient(dynamo.endpoint);
    const workflows = new LocalWorkflows(() => deps, {
      dataDir,
      // Instances start in about a second here: poll health every 0.5 s (60 polls = 30 s budget);
      // tests poll faster still.
      waitMs: options.waitMs ?? (options.fastTimers ? 100 : 500),
      ...(options.fastTimers ? { retryIntervalMs: 10 } : {}),
    });
    const wired = wireDeps({
      documents,
      tableName,
      databaseAdmin: async () => postgres.value,
      databaseAdmins: Object.fromEntries(Object.entries(postgresServers).map(([id, config]) => [id, async () => config])),
      workflows,
      platform,
      secrets,
      storage,
      // aws-ses-v2-local accepts every sender, like a verified SES domain.
      // Hard bounces reported (locally: sample events posted to /ops/api/mail-events) suppress their address, as on AWS.
      mail: new SesMail(sesClient(ses.value.endpoint), { checkDomainVerification: false, suppressions: new MailStore(documents, tableName), log: logger }),
      dns,
      compute,
      discovery: compute,
      pool,
      billing,
      probe: passingProbe(probePass),
    });
    const deps = options.decorate ? options.decorate(wired) : wired;
    await Promise.all([compute.restore(), workflows.warmUp()]);
    const timings = localRouterTimings(platform.sleep);
    router = createTenantRouter({ instances: deps.instances, tenants: deps.tenants, compute: deps.compute, discovery: compute, platform, now: deps.now, log: deps.logger, probePass }, timings);
    ready = { handlers: new Map(API_ROUTES.map((route) => [route, route.create(deps)])), router, compute, deps, workflows, baseUrl, sesUrl: ses.value.endpoint, ...(localBilling ? { localBilling } : {}) };
    // Welcome mails claimed by the previous process (a crash mid-send) are due at once, not when their lease runs out.
    const released = await deps.mailStore.endLeases(deps.now());
    if (released.length > 0) logger.info('Welcome mails claimed before a stop are due again', { tenants: released });
    // Everything the steps use is up (emulators, table, instances): executions a stop or crash cut short carry on.
    workflows.resumeInterrupted();

    // Locally an interval per row plays the EventBridge schedules of the scheduled jobs.
    const everyMs: Partial<Record<ScheduledJobName, number>> = {
      'start-pending': options.reconcileEveryMs,
      'render-pending': options.reconcileEveryMs,
      'trial-sweep': options.sweepEveryMs,
      'smtp-check': options.smtpCheckEveryMs,
      'detect-drift': options.driftCheckEveryMs,
      'sleep-idle': timings.activityEveryMs,
      // A pool instance taken by a signup is replaced within a second or two (the job defers while one provisions).
      'keep-pool': platform.pool.size > 0 ? 1000 : 10_000,
    };
    for (const job of SCHEDULED_JOBS) {
      const run = job.create(deps);
      // One run of a job at a time, as on AWS (a run longer than the interval is not started twice).
      let inFlight = false;
      const tick = () => {
        if (inFlight) return;
        inFlight = true;
        void run()
          .catch((error: unknown) => logger.error('Scheduled job failed', { job: job.name, error }))
          .finally(() => (inFlight = false));
      };
      const timer = setInterval(tick, everyMs[job.name] ?? job.localEveryMs);
      // A timer alone does not keep the process (or a test run) alive; the server does.
      timer.unref();
      timers.push(timer);
    }

    const running = compute;
    return {
      url: baseUrl,
      dynamoDbEndpoint: dynamo.endpoint,
      sesEndpoint: ses.value.endpoint,
      s3Endpoint: s3.value.endpoint,
      postgres: postgres.value,
      postgresServers,
      deps,
      workflows,
      compute: running,
      router,
      async stop() {
        // Keep-alive, mid-request and upgraded (WebSocket) connections all end now: any of them made close() wait.
        await closeServer(server, sockets);
        // A provisioning in a Wait or a Retry backoff can take minutes: it gets a moment to finish its
        // step; one still running stays recorded where it is and carries on at the next start.
        if ((await withDeadline(workflows.drain(), DRAIN_GRACE_MS)) === TIMED_OUT) {
          logger.warn('Stopping with executions still running; they carry on at the next start');
          workflows.interrupt();
        }
        await stopAll();
        unlock();
      },
    };
  } catch (error) {
    await closeServer(server, sockets);
    await stopAll();
    unlock();
    throw error;
  }
}
