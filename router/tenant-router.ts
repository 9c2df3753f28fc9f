import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createProxyServer } from 'http-proxy-3';
import type { Compute } from '../functions/providers/compute';
import type { Discovery, Endpoint } from '../functions/providers/discovery';
import type { InstanceStore } from '../functions/providers/instance-store';
import type { TenantStore } from '../functions/providers/tenant-store';
import type { Platform } from '../functions/platform';
import { instanceUrl } from '../shared/instance';
import type { Tenant } from '../shared/tenant';
import { hostLabel, instanceDomain } from './host';
import { badGatewayPage, notFoundPage, trialEndedPage, unavailablePage, wakingAnswer, wakingPage, type PageBrand } from './pages';
import { RouteTable, type Route, type RouteTableTimings } from './route-table';

/** What the router talks to: the instance records, tenants (for pages), compute (to wake), discovery. */
export interface RouterDeps {
  instances: Pick<InstanceStore, 'get' | 'claimWake' | 'markAwake' | 'recordRequest'>;
  tenants: Pick<TenantStore, 'getTenant'>;
  compute: Pick<Compute, 'scale'>;
  discovery: Discovery;
  platform: Pick<Platform, 'instanceUrlTemplate' | 'siteUrl'>;
  now: () => Date;
  log: Pick<Logger, 'info' | 'warn'>;
}

export interface RouterTimings extends RouteTableTimings {
  /** At most one last-request write per instance per this long (per router task). */
  activityEveryMs: number;
  /** A wake that has not brought the instance up in this long is taken over by the next visit. */
  wakeTimeoutMs: number;
  /** What a waking answer tells clients to wait before trying again. */
  retryAfterSeconds: number;
  /** How long a woken instance's /health may take to answer the router's probe. */
  probeTimeoutMs: number;
}

/** AWS defaults: routes re-read every 15 s in the background, endpoints every 5 min unless they fail. */
export const AWS_ROUTER_TIMINGS: RouterTimings = {
  routeTtlMs: 15_000,
  endpointsTtlMs: 5 * 60_000,
  pendingTtlMs: 1_000,
  idleEvictMs: 10 * 60_000,
  maxRoutes: 50_000,
  activityEveryMs: 60_000,
  wakeTimeoutMs: 3 * 60_000,
  retryAfterSeconds: 5,
  probeTimeoutMs: 2_000,
};

export interface TenantRouter {
  /** Answers one request for an instance host: proxied to the instance, or a page of the router's own. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** WebSocket upgrades go to a serving instance; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  routes: RouteTable;
  close(): void;
}

const wantsPage = (req: IncomingMessage) => (req.headers.accept ?? '').includes('text/html');
const retriable = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';

/**
 * The tenant router: the one target of the load balancer's wildcard entry. Routes each request
 * by Host to that instance's tasks (found through discovery, cached), answers for instances that
 * are not running (a branded waking page, the trial-ended page, a 404 for unknown hosts), wakes a
 * sleeping instance on its first visit (once, however many requests arrive), and records the last
 * request of each instance for the sleep job. Built on http-proxy-3 for the forwarding itself.
 */
export function createTenantRouter(deps: RouterDeps, timings: RouterTimings): TenantRouter {
  const { instances, tenants, compute, discovery, platform, now, log } = deps;
  const domain = instanceDomain(platform.instanceUrlTemplate);
  // Keep-alive to the instances: a new TCP connection per request would cost more than the routing.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const proxy = createProxyServer({ agent, xfwd: true, proxyTimeout: 120_000 });
  const wakes = new Map<string, Promise<void>>();
  const probes = new Map<string, Promise<boolean>>();
  const pageTenants = new Map<string, { at: number; tenant: Promise<Tenant | undefined> }>();

  const routes: RouteTable = new RouteTable(async (host, previous): Promise<Pick<Route, 'record' | 'endpoints' | 'endpointsAt'>> => {
    const record = await instances.get(host);
    if (!record || (record.state !== 'running' && record.state !== 'waking')) return { record, endpoints: [], endpointsAt: 0 };
    if (record.state === 'running' && routes.endpointsFresh(previous)) return { record, endpoints: previous.endpoints, endpointsAt: previous.endpointsAt };
    return { record, endpoints: await discovery.endpoints(record), endpointsAt: Date.now() };
  }, timings);
  const evictTimer = setInterval(() => routes.evictIdle(), Math.min(timings.idleEvictMs, 60_000));
  evictTimer.unref();

  /** The tenant behind a host, for the pages only (the serving path never reads it). */
  function tenantOf(tenantId: string): Promise<Tenant | undefined> {
    const cached = pageTenants.get(tenantId);
    if (cached && Date.now() - cached.at < timings.routeTtlMs) return cached.tenant;
    const tenant = tenants.getTenant(tenantId);
    pageTenants.set(tenantId, { at: Date.now(), tenant });
    tenant.catch(() => pageTenants.delete(tenantId));
    if (pageTenants.size > 10_000) pageTenants.delete(pageTenants.keys().next().value!);
    return tenant;
  }

  async function brandOf(route: Route): Promise<PageBrand> {
    const tenant = route.record ? await tenantOf(route.record.tenantId).catch(() => undefined) : undefined;
    const branding = tenant?.settings?.branding;
    return { name: branding?.appName ?? tenant?.companyName ?? 'spaceOS', primaryColor: branding?.primaryColor ?? tenant?.primaryColor ?? '#4f46e5' };
  }

  /** Starts a sleeping instance: one claim wins across all router tasks, one wake per host within this one. */
  function wake(route: Route): void {
    const record = route.record;
    if (!record || wakes.has(route.host)) return;
    const at = now();
    const woken = (async () => {
      const claimed = await instances.claimWake(route.host, at.toISOString(), new Date(at.getTime() - timings.wakeTimeoutMs).toISOString());
      if (claimed) {
        log.info('Waking instance', { host: route.host, tenantId: record.tenantId, env: record.env, desiredCount: record.desiredCount });
        const hostname = new URL(instanceUrl(platform.instanceUrlTemplate, record.subdomain, record.env)).hostname;
        await compute.scale({ tenantId: record.tenantId, subdomain: record.subdomain, env: record.env, hostname }, record.desiredCount);
      }
      await routes.refresh(route.host);
    })()
      .catch((error: unknown) => log.warn('Wake failed; the next visit tries again', { host: route.host, error: String(error) }))
      .finally(() => wakes.delete(route.host));
    wakes.set(route.host, woken);
  }

  /** A waking instance is running once its /health answers: then it is marked awake and served. */
  function answersHealth(route: Route, endpoint: Endpoint): Promise<boolean> {
    const pending = probes.get(route.host);
    if (pending) return pending;
    const probe = fetch(`http://${endpoint.host}:${endpoint.port}/health`, { signal: AbortSignal.timeout(timings.probeTimeoutMs) })
      .then(async (response) => {
        if (!response.ok) return false;
        if (await instances.markAwake(route.host, now().toISOString())) log.info('Instance awake', { host: route.host });
        await routes.refresh(route.host);
        return true;
      })
      .catch(() => false)
      .finally(() => probes.delete(route.host));
    probes.set(route.host, probe);
    return probe;
  }

  function recordActivity(route: Route): void {
    const at = now();
    if (at.getTime() - route.activityWrittenAt < timings.activityEveryMs) return;
    route.activityWrittenAt = at.getTime();
    instances.recordRequest(route.host, at.toISOString(), new Date(at.getTime() - timings.activityEveryMs).toISOString()).catch((error: unknown) =>
      log.warn('Could not record activity', { host: route.host, error: String(error) }),
    );
  }

  function pick(route: Route): Endpoint {
    route.turn = (route.turn + 1) % route.endpoints.length;
    return route.endpoints[route.turn]!;
  }

  async function waiting(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    if (wantsPage(req)) wakingPage(res, await brandOf(route), timings.retryAfterSeconds);
    else wakingAnswer(res, timings.retryAfterSeconds);
  }

  function forward(req: IncomingMessage, res: ServerResponse, route: Route, attempt: number): void {
    const endpoint = pick(route);
    recordActivity(route);
    proxy.web(req, res, { target: `http://${endpoint.host}:${endpoint.port}` }, (error) => {
      // The task went away (put to sleep, replaced, deployed): discover again, and retry a request that had no body.
      routes.forgetEndpoints(route.host);
      if (res.headersSent) return void res.destroy();
      if (attempt === 0 && retriable(req)) {
        void routes
          .refresh(route.host)
          .then((fresh) => serve(req, res, fresh, 1))
          .catch(() => void brandOf(route).then((brand) => badGatewayPage(res, brand)));
        return;
      }
      log.warn('Instance did not answer', { host: route.host, endpoint, error: String(error) });
      void brandOf(route).then((brand) => badGatewayPage(res, brand));
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, route: Route, attempt = 0): Promise<void> {
    const record = route.record;
    if (!record) return notFoundPage(res, req.headers.host ?? route.host);
    switch (record.state) {
      case 'running':
        if (route.endpoints.length > 0) return forward(req, res, route, attempt);
        // Running by its record but no task registered yet (deploying, or replaced after a crash).
        return waiting(req, res, route);
      case 'waking': {
        const endpoint = route.endpoints[0];
        if (endpoint && (await answersHealth(route, endpoint))) return serve(req, res, await routes.get(route.host), attempt);
        // A wake whose router died is taken over once it is older than the wake timeout.
        if (now().getTime() - Date.parse(record.since) > timings.wakeTimeoutMs) wake(route);
        return waiting(req, res, route);
      }
      case 'sleeping':
        wake(route);
        return waiting(req, res, route);
      case 'stopped': {
        const tenant = await tenantOf(record.tenantId).catch(() => undefined);
        const brand = await brandOf(route);
        if (tenant?.status === 'SUSPENDED') return trialEndedPage(res, brand, `${platform.siteUrl}/upgrade/${tenant.tenantId}`);
        return unavailablePage(res, brand, 300);
      }
    }
  }

  return {
    routes,
    handle(req, res) {
      const label = hostLabel(req.headers.host, domain);
      if (!label) return notFoundPage(res, req.headers.host ?? '');
      routes
        .get(label)
        .then((route) => serve(req, res, route))
        .catch((error: unknown) => {
          log.warn('Routing failed', { host: label, error: String(error) });
          if (!res.headersSent) wakingAnswer(res, timings.retryAfterSeconds);
        });
    },
    handleUpgrade(req, socket, head) {
      const label = hostLabel(req.headers.host, domain);
      if (!label) return void socket.destroy();
      routes
        .get(label)
        .then((route) => {
          if (route.record?.state !== 'running' || route.endpoints.length === 0) return void socket.destroy();
          const endpoint = pick(route);
          recordActivity(route);
          proxy.ws(req, socket, head, { target: `http://${endpoint.host}:${endpoint.port}` }, () => socket.destroy());
        })
        .catch(() => socket.destroy());
    },
    close() {
      clearInterval(evictTimer);
      agent.destroy();
      proxy.close();
    },
  };
}
