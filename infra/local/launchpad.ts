import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { json, type ApiHandler } from '../../functions/api/http';
import { API_ROUTES, type ApiRoute } from '../../functions/api/routes';
import { logger, type Deps } from '../../functions/deps';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { TenantStore } from '../../functions/providers/tenant-store';
import { createStartPending } from '../../functions/reconciler/start-pending';
import { matchRoute, toApiEvent, writeApiResult } from './api-gateway-event';
import { lockDataDir } from './data-dir-lock';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { LocalWorkflows } from './local-workflows';
import { serveStatic } from './static-files';

export interface LaunchpadOptions {
  port?: number;
  /** Everything that must survive a restart lives here (DynamoDB data, executions). */
  dataDir?: string;
  webRoot?: string;
  tableName?: string;
  reconcileEveryMs?: number;
}

export interface Launchpad {
  url: string;
  dynamoDbEndpoint: string;
  deps: Deps;
  workflows: LocalWorkflows;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * The embedded default: DynamoDB Local, the local Step Functions runner and one HTTP server
 * that plays API Gateway (for /api/*) and CloudFront (for the web app), all in one process tree.
 */
export async function startLaunchpad(options: LaunchpadOptions = {}): Promise<Launchpad> {
  const dataDir = resolve(options.dataDir ?? '.data');
  const webRoot = resolve(options.webRoot ?? 'dist/web');
  const tableName = options.tableName ?? 'launchpad';

  const unlock = lockDataDir(dataDir);
  let handlers: Map<ApiRoute, ApiHandler> | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) return serveStatic(webRoot, req, res, url.pathname);
    const match = matchRoute(API_ROUTES, req.method ?? 'GET', url.pathname);
    if (!match) return writeApiResult(res, json(404, { errors: { body: `No route ${req.method} ${url.pathname}` } }));
    const handler = handlers?.get(match.route);
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
  });

  // Take the port first: if it is busy, fail before starting anything else.
  const port = options.port ?? 3000;
  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, ok);
    });
  } catch (error) {
    unlock();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`Port ${port} is already in use. Stop what runs there, or start on another port: PORT=${port + 1} npm start`);
    throw error;
  }

  let dynamo: DynamoDbLocal | undefined;
  let reconciler: NodeJS.Timeout | undefined;
  try {
    dynamo = await startDynamoDbLocal({ dataDir: resolve(dataDir, 'dynamodb') });
    await ensureTable(dynamo.endpoint, tableName);
    const store = new TenantStore(createDocumentClient(dynamo.endpoint), tableName);
    const workflows = new LocalWorkflows(() => deps, { dataDir });
    const deps: Deps = { store, workflows, logger, now: () => new Date(), newId: () => crypto.randomUUID() };
    handlers = new Map(API_ROUTES.map((route) => [route, route.create(deps)]));

    // Locally an interval plays the scheduled reconciler rule.
    const reconcile = createStartPending(deps);
    reconciler = setInterval(() => void reconcile().catch((error) => logger.error('Reconciler failed', { error })), options.reconcileEveryMs ?? 15_000);
    reconciler.unref();

    const running = dynamo;
    return {
      url: `http://localhost:${(server.address() as AddressInfo).port}`,
      dynamoDbEndpoint: dynamo.endpoint,
      deps,
      workflows,
      async stop() {
        clearInterval(reconciler);
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        await workflows.drain();
        await running.stop();
        unlock();
      },
    };
  } catch (error) {
    clearInterval(reconciler);
    server.close();
    await dynamo?.stop();
    unlock();
    throw error;
  }
}
