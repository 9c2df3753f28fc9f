/**
 * The tenant router as a service of its own on AWS (ECS Fargate, behind the load balancer's one
 * target group): the same router the embedded default runs, wired to DynamoDB, ECS and Cloud Map.
 * Bundled with esbuild into the router image at synth (infra/aws/constructs/tenant-router.ts).
 */
import { createServer } from 'node:http';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { required } from '../functions/lambda/env';
import { logger } from '../functions/logger';
import { CloudMapDiscovery } from '../functions/providers/discovery';
import { createDocumentClient } from '../functions/providers/dynamodb';
import { scaleEcsService } from '../functions/providers/ecs-compute';
import { InstanceStore } from '../functions/providers/instance-store';
import { PROBE_KEY_SECRET, ProbePass, ROUTER_PROBE_KEY_VARIABLE } from '../functions/providers/probe-pass';
import type { Secrets } from '../functions/providers/secrets';
import { TenantStore } from '../functions/providers/tenant-store';
import { ROUTER_HEALTH_PATH } from './host';
import { AWS_ROUTER_TIMINGS, createTenantRouter } from './tenant-router';

/** The probe key as ECS hands it to the task (a container secret): read-only; missing, no pass is valid. */
const probeKey: Secrets = {
  get: async (name) => (name === PROBE_KEY_SECRET ? process.env[ROUTER_PROBE_KEY_VARIABLE] || undefined : undefined),
  put: () => Promise.reject(new Error(`${ROUTER_PROBE_KEY_VARIABLE} is not set: the router checks no probe pass`)),
  delete: () => Promise.reject(new Error('The router deletes no secret')),
};

const documents = createDocumentClient();
const table = required('TABLE_NAME');
const ecs = new ECSClient({});
const cluster = required('CLUSTER');
const router = createTenantRouter(
  {
    instances: new InstanceStore(documents, table),
    tenants: new TenantStore(documents, table),
    compute: { scale: (service, count) => scaleEcsService(ecs, cluster, service, count) },
    discovery: new CloudMapDiscovery(new ServiceDiscoveryClient({}), { namespaceName: required('NAMESPACE_NAME'), containerPort: Number(process.env.CONTAINER_PORT ?? 8080) }),
    platform: { instanceUrlTemplate: required('INSTANCE_URL_TEMPLATE'), siteUrl: required('SITE_URL') },
    now: () => new Date(),
    log: logger,
    probePass: new ProbePass(probeKey),
  },
  AWS_ROUTER_TIMINGS,
);

const server = createServer((req, res) => {
  if (req.url === ROUTER_HEALTH_PATH) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end(`ok ${router.routes.size} routes`);
  }
  router.handle(req, res);
});
server.on('upgrade', (req, socket, head: Buffer) => router.handleUpgrade(req, socket, head));
// Longer than the load balancer's idle timeout (60 s), so it never reuses a connection the router just closed.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(process.env.PORT ?? 8080), () => logger.info('Tenant router listening', { port: process.env.PORT ?? 8080 }));

// ECS stops a task with SIGTERM, then SIGKILL after the stop timeout: finish what is in flight.
process.once('SIGTERM', () => {
  logger.info('Tenant router stopping');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  router.close();
  setTimeout(() => process.exit(0), 25_000).unref();
});
