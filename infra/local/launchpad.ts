import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { json, type ApiHandler } from '../../functions/api/http';
import { API_ROUTES, type ApiRoute } from '../../functions/api/routes';
import type { Deps } from '../../functions/deps';
import { logger } from '../../functions/logger';
import { wireDeps } from '../wire-deps';
import { poolFromEnv, sleepFromEnv, type Platform, type SleepTimes } from '../../functions/platform';
import { createTenantRouter, type RouterTimings, type TenantRouter } from '../../router/tenant-router';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { SesMail } from '../../functions/providers/mail';
import { Storage } from '../../functions/providers/storage';
import { SCHEDULED_JOBS, type ScheduledJobName } from '../../functions/scheduled/jobs';
import { StripeBilling, type Billing } from '../../functions/providers/billing';
import Stripe from 'stripe';
import { LocalBilling, localWebhookSecret } from './local-billing';
import { handleLocalStripe } from './local-stripe-pages';
import { SEED_PREFIX } from '../../shared/instance';
import { matchRoute, toApiEvent, writeApiResult } from './api-gateway-event';
import { lockDataDir } from './data-dir-lock';
import { ensureTable, startDynamoDbLocal } from './dynamodb-local';
import { s3Client, sesClient, startPostgres, startS3, startSes, type Emulator } from './emulators';
import { FileSecrets } from './file-secrets';
import { LocalCompute } from './local-compute';
import { LocalPool } from './local-pool';
import { LocalDns } from './local-dns';
import { LocalWorkflows } from './local-workflows';
import { handleOps } from './ops';
import { stablePort } from './free-port';
import { serveStatic } from './static-files';

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
  /** Wraps the wired dependencies, e.g. to inject faults in tests. */
  decorate?: (deps: Deps) => Deps;
}

export interface Launchpad {
  url: string;
  dynamoDbEndpoint: string;
  sesEndpoint: string;
  /** Admin connection to the tenants' Postgres server. */
  postgres: pg.ClientConfig;
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

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const host = (req.headers.host ?? '').split(':')[0]?.toLowerCase().replace(/\.$/, '') ?? '';
    // Instance hosts first, before any parsing the router does not need: this path is the router's overhead.
    if (host.endsWith('.localhost')) {
      if (!ready) return writeApiResult(res, json(503, { errors: { body: 'Launchpad is still starting' } }));
      return ready.router.handle(req, res);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
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
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        writeApiResult(res, json(413, { errors: { body: 'Request body too large' } }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const event = toApiEvent(req, url, match.route, match.params, Buffer.concat(chunks));
      handler(event)
        .then((result) => writeApiResult(res, result))
        .catch((error: unknown) => {
          logger.error('Unhandled error in handler', { route: match.route.path, error });
          writeApiResult(res, json(500, { errors: { body: 'Something went wrong on our side; please try again' } }));
        });
    });
  };
  const server = createServer(handle);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const host = (req.headers.host ?? '').split(':')[0]?.toLowerCase().replace(/\.$/, '') ?? '';
    if (ready && host.endsWith('.localhost')) ready.router.handleUpgrade(req, socket, head);
    else socket.destroy();
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
  const stopAll = async () => {
    for (const timer of timers) clearInterval(timer);
    router?.close();
    await compute?.stopAll();
    await pool?.stopAll();
    for (const emulator of emulators.reverse()) await emulator.stop().catch(() => undefined);
  };
  try {
    // The mail viewer's port is asked for (SES_PORT), the others' are picked free: bind it first (it
    // takes milliseconds), so a free pick of another emulator cannot land on it meanwhile.
    const ses = await startSes(options.sesPort ?? 8005);
    emulators.push(ses);
    // The rest side by side; allSettled so that one failing still leaves the others stoppable.
    const started = await Promise.allSettled([
      startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') }).then((e) => (emulators.push({ value: e, stop: e.stop }), e)),
      stablePort(join(dataDir, 'postgres.port')).then((port) => startPostgres({ directory: join(dataDir, 'postgres'), port })).then((e) => (emulators.push(e), e)),
      startS3({ directory: join(dataDir, 's3'), bucket: BUCKET }).then((e) => (emulators.push(e), e)),
    ] as const);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [dynamo, postgres, s3] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startDynamoDbLocal>>,
      Awaited<ReturnType<typeof startPostgres>>,
      Awaited<ReturnType<typeof startS3>>,
    ];
    await ensureTable(dynamo.endpoint, tableName);

    const platform: Platform = {
      instanceUrlTemplate: `http://{host}.localhost:${port}`,
      mailDomain: 'clients.spaceos.io',
      launchpadSender: 'spaceOS Launchpad <launchpad@spaceos.io>',
      opsEmail: options.opsEmail ?? process.env.OPS_EMAIL ?? 'customer-success@spaceos.io',
      siteUrl: baseUrl,
      bucket: BUCKET,
      database: { host: '127.0.0.1', port: Number(postgres.value.port), adminSecretName: 'local' },
      resumeHow: `Fix the cause, then open ${baseUrl}/ops and press Resume for tenant {tenantId}`,
      executionUrlTemplate: `${baseUrl}/ops#{executionName}`,
      appVersion: process.env.APP_VERSION ?? '1',
      oauthClients: { google: process.env.GOOGLE_OAUTH_CLIENT_ID || undefined, microsoft: process.env.MICROSOFT_OAUTH_CLIENT_ID || undefined },
      sleep: options.sleep ?? sleepFromEnv(process.env),
      // The pool instance keeps serving a little longer than the local router caches a route (localRouterTimings).
      pool: { ...poolFromEnv(process.env, { drainMs: 1500, deferRefillWhileProvisioning: true }), ...(options.poolSize === undefined ? {} : { size: options.poolSize }) },
    };
    const storage = new Storage(s3Client(s3.value.endpoint), BUCKET);
    const secrets = new FileSecrets(join(dataDir, 'secrets'));
    // With Stripe test keys in the environment the real Stripe is used; without, the local checkout.
    const stripeKey = process.env.STRIPE_SECRET_KEY;
    const localBilling = stripeKey ? undefined : new LocalBilling(baseUrl, await localWebhookSecret(secrets));
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
      workflows,
      platform,
      secrets,
      storage,
      // aws-ses-v2-local accepts every sender, like a verified SES domain.
      mail: new SesMail(sesClient(ses.value.endpoint), { checkDomainVerification: false }),
      dns,
      compute,
      discovery: compute,
      pool,
      billing,
    });
    const deps = options.decorate ? options.decorate(wired) : wired;
    await Promise.all([compute.restore(), workflows.warmUp()]);
    const timings = localRouterTimings(platform.sleep);
    router = createTenantRouter({ instances: deps.instances, tenants: deps.tenants, compute: deps.compute, discovery: compute, platform, now: deps.now, log: deps.logger }, timings);
    ready = { handlers: new Map(API_ROUTES.map((route) => [route, route.create(deps)])), router, compute, deps, workflows, baseUrl, sesUrl: ses.value.endpoint, ...(localBilling ? { localBilling } : {}) };

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
      postgres: postgres.value,
      deps,
      workflows,
      compute: running,
      router,
      async stop() {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        await workflows.drain();
        await stopAll();
        unlock();
      },
    };
  } catch (error) {
    server.close();
    await stopAll();
    unlock();
    throw error;
  }
}
