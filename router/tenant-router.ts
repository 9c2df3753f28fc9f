import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createProxyServer } from 'http-proxy-3';
// The library's own response passes (status, headers, connection), run by us because the router
// looks at the status first (selfHandleResponse): a 421 means the address is another instance's.
import { OUTGOING_PASSES } from 'http-proxy-3/dist/lib/http-proxy/passes/web-outgoing';
import { serviceOf, type Compute, type ScaledService } from '../functions/providers/compute';
import type { Discovery, Endpoint } from '../functions/providers/discovery';
import type { InstanceStore } from '../functions/providers/instance-store';
import type { TenantStore } from '../functions/providers/tenant-store';
import { PROBE_PASS_HEADER, type ProbePass } from '../functions/providers/probe-pass';
import type { Platform } from '../functions/platform';
import { isEmailVerified, type Tenant } from '../shared/tenant';
import { clientAddress, forwardedHeaders, ROUTE_HEADER, type ClientSource } from './forwarded-headers';
import { hostLabel, instanceDomain } from './host';
import { awaitingConfirmationPage, badGatewayPage, notFoundPage, trialEndedPage, unavailablePage, wakingAnswer, wakingPage, type PageBrand } from './pages';
import { RouteTable, type Route, type RouteTableTimings } from './route-table';
import { NON_WAKING_AGENTS, WakeLimit } from './wake-limit';

/** What the router talks to: the instance records, tenants (for pages), compute (to wake), discovery. */
export interface RouterDeps {
  instances: Pick<InstanceStore, 'get' | 'claimWake' | 'releaseWake' | 'markAwake' | 'recordRequest'>;
  tenants: Pick<TenantStore, 'getTenant'>;
  compute: Pick<Compute, 'scale'>;
  discovery: Discovery;
  platform: Pick<Platform, 'instanceUrlTemplate' | 'siteUrl'>;
  now: () => Date;
  log: Pick<Logger, 'info' | 'warn'>;
  /**
   * Checks the pass Launchpad's own probes carry (functions/providers/probe-pass.ts): the one way
   * through to an instance held back from visitors. Without it, nothing passes.
   */
  probePass?: Pick<ProbePass, 'verify'>;
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
  /** Wakes one visitor may cause per minute (per router task). */
  wakesPerClientPerMinute: number;
  /** Where the visitor's address comes from: the socket, or Cloudflare's CF-Connecting-IP behind the load balancer. */
  clientSource: ClientSource;
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
  wakesPerClientPerMinute: 20,
  clientSource: 'cloudflare',
};

export interface TenantRouter {
  /** Answers one request for an instance host: proxied to the instance, or a page of the router's own. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** WebSocket upgrades go to a serving instance; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  routes: RouteTable;
  close(): void;
}

/** How long connecting to an instance's task may take (they are in the same VPC: milliseconds when it is there). */
const CONNECT_TIMEOUT_MS = 3000;
const outgoingPasses = Object.values(OUTGOING_PASSES);
/** Of the options the library's response passes read, only rewrites (none configured) and the target matter. */
const outgoingOptions = { target: new URL('http://instance') } as unknown as Parameters<typeof OUTGOING_PASSES.writeHeaders>[3];
/** An endpoint's address parsed once (the library would parse a string target on every request). */
const targets = new WeakMap<Endpoint, URL>();
function targetOf(endpoint: Endpoint): URL {
  let target = targets.get(endpoint);
  if (!target) targets.set(endpoint, (target = new URL(`http://${endpoint.host}:${endpoint.port}`)));
  return target;
}
const wantsPage = (req: IncomingMessage) => (req.headers.accept ?? '').includes('text/html');
const retriable = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';
/** Requests that are someone using the instance: they wake it and count as its last request (HEAD and OPTIONS are checks, not use). */
const isUse = (req: IncomingMessage) => req.method !== 'HEAD' && req.method !== 'OPTIONS' && !NON_WAKING_AGENTS.test(String(req.headers['user-agent'] ?? ''));
/** Tenants known to be handed over kept per router task (past it, the oldest is read again when next asked for). */
const MAX_HANDED_OVER = 100_000;
/** The route header's value: which tenant and environment the instance at the other end must be. */
const routeOf = (route: Route) => `${route.record?.tenantId ?? ''}/${route.record?.env ?? ''}`;

interface Forwarding {
  route: Route;
  attempt: number;
}

/**
 * The tenant router: the one target of the load balancer's wildcard entry. Routes each request
 * by Host to that instance's tasks (found through discovery, cached), answers for instances that
 * are not running (a branded waking page, the trial-ended page, a 404 for unknown hosts), wakes a
 * sleeping instance on its first visit (once, however many requests arrive), and records the last
 * request of each instance for the sleep job. An instance whose signup is not confirmed yet is
 * neither served nor woken for visitors (a fixed page answers); only Launchpad's probes, carrying a
 * pass, reach it. Built on http-proxy-3 for the forwarding itself.
 */
export function createTenantRouter(deps: RouterDeps, timings: RouterTimings): TenantRouter {
  const { instances, tenants, compute, discovery, platform, now, log, probePass } = deps;
  const domain = instanceDomain(platform.instanceUrlTemplate);
  // Keep-alive to the instances: a new TCP connection per request would cost more than the routing.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  // Forwarding headers are written by the router itself (forwarded-headers.ts), never taken from the visitor.
  const proxy = createProxyServer({ agent, xfwd: false, proxyTimeout: 120_000, selfHandleResponse: true });
  const forwarding = new WeakMap<IncomingMessage, Forwarding>();
  const wakeLimit = new WakeLimit(timings.wakesPerClientPerMinute);
  const wakes = new Map<string, Promise<void>>();
  const probes = new Map<string, Promise<boolean>>();
  const pageTenants = new Map<string, { at: number; tenant: Promise<Tenant | undefined> }>();
  /** Tenants whose instances visitors may use (confirmed, or nothing to confirm): final, so each is read once. */
  const handedOverTenants = new Set<string>();

  const routes: RouteTable = new RouteTable(async (host, previous, consistent): Promise<Pick<Route, 'record' | 'endpoints' | 'endpointsAt'>> => {
    const record = await instances.get(host, { consistent });
    if (!record || (record.state !== 'running' && record.state !== 'waking')) return { record, endpoints: [], endpointsAt: 0 };
    // Pinned to a warm-pool instance: no discovery (its own service may not even run yet).
    if (record.endpoint) return { record, endpoints: [record.endpoint], endpointsAt: Date.now() };
    // Endpoints found earlier are reused, but not a pin that was just lifted (the pool instance is going away).
    if (record.state === 'running' && routes.endpointsFresh(previous) && !previous.record?.endpoint) return { record, endpoints: previous.endpoints, endpointsAt: previous.endpointsAt };
    return { record, endpoints: await discovery.endpoints(record), endpointsAt: Date.now() };
  }, timings);
  const evictTimer = setInterval(() => routes.evictIdle(), Math.min(timings.idleEvictMs, 60_000));
  evictTimer.unref();

  /** The tenant behind a host, for the pages and whether it is handed over (`maxAgeMs`: how old a cached read may be). */
  function tenantOf(tenantId: string, { fresh = false, maxAgeMs = timings.routeTtlMs } = {}): Promise<Tenant | undefined> {
    const cached = pageTenants.get(tenantId);
    if (!fresh && cached && Date.now() - cached.at < maxAgeMs) return cached.tenant;
    const tenant = tenants.getTenant(tenantId);
    pageTenants.set(tenantId, { at: Date.now(), tenant });
    tenant.catch(() => pageTenants.delete(tenantId));
    if (pageTenants.size > 10_000) pageTenants.delete(pageTenants.keys().next().value!);
    return tenant;
  }

  /**
   * Whether visitors may use the tenant's instances: not while its signup waits for the admin to
   * confirm the address (shared/tenant.ts isEmailVerified). Confirmed is final, so it is read once per
   * tenant; an unconfirmed tenant is read again after pendingTtl, as a route that is not serving is,
   * so the confirmation reaches visitors as fast as any other change of a waiting instance.
   */
  async function handedOver(tenantId: string): Promise<boolean> {
    if (handedOverTenants.has(tenantId)) return true;
    const tenant = await tenantOf(tenantId, { maxAgeMs: timings.pendingTtlMs });
    if (tenant && !isEmailVerified(tenant)) return false;
    // No tenant item behind the record (nothing a signer typed to hold back): served as before, and read again next time.
    if (tenant) {
      handedOverTenants.add(tenantId);
      if (handedOverTenants.size > MAX_HANDED_OVER) handedOverTenants.delete(handedOverTenants.values().next().value!);
    }
    return true;
  }

  /** A request for an instance held back from visitors goes through only with a valid probe pass for its host. */
  async function admitted(req: IncomingMessage, route: Route): Promise<boolean> {
    if (!route.record || (await handedOver(route.record.tenantId))) return true;
    if (!probePass) return false;
    // The wall clock, as the probe signs by (a pass only lives minutes in real time).
    return probePass.verify(req.headers[PROBE_PASS_HEADER], req.headers.host ?? '', new Date()).catch(() => false);
  }

  async function brandOf(route: Route): Promise<PageBrand> {
    const tenant = route.record ? await tenantOf(route.record.tenantId).catch(() => undefined) : undefined;
    const branding = tenant?.settings?.branding;
    return { name: branding?.appName ?? tenant?.companyName ?? 'spaceOS', primaryColor: branding?.primaryColor ?? tenant?.primaryColor ?? '#4f46e5' };
  }

  /**
   * Starts a sleeping instance: one claim wins across all router tasks, one wake per host within
   * this one. The winner then watches the instance come up and marks it running itself, so a wake
   * never depends on the visitor coming back (a single request must not leave it waking forever).
   */
  function wake(route: Route): void {
    const record = route.record;
    if (!record || wakes.has(route.host)) return;
    const at = now();
    const service = serviceOf(platform.instanceUrlTemplate, record);
    const woken = (async () => {
      if (!(await instances.claimWake(route.host, at.toISOString(), new Date(at.getTime() - timings.wakeTimeoutMs).toISOString()))) return;
      log.info('Waking instance', { host: route.host, tenantId: record.tenantId, env: record.env, desiredCount: record.desiredCount });
      try {
        await compute.scale(service, record.desiredCount);
      } catch (error) {
        // Not started: back to sleeping, so the next visit tries again at once.
        await instances.releaseWake(route.host, now().toISOString()).catch(() => undefined);
        throw error;
      }
      await watchWake(route.host, service, record.desiredCount);
      log.warn('Instance did not come up within the wake timeout; the next visit takes the wake over', { host: route.host });
    })()
      .catch((error: unknown) => log.warn('Wake failed; the next visit tries again', { host: route.host, error: String(error) }))
      .finally(() => wakes.delete(route.host));
    wakes.set(route.host, woken);
  }

  /** A running instance without tasks: its size asked for again (no claim: the record already says running). */
  function resize(route: Route): void {
    const record = route.record;
    if (!record) return;
    const resized = compute
      .scale(serviceOf(platform.instanceUrlTemplate, record), record.desiredCount)
      .then(() => log.warn('Running instance had no task; its size was asked for again', { host: route.host }))
      .catch((error: unknown) => log.warn('Resize failed; the next visit tries again', { host: route.host, error: String(error) }))
      .finally(() => setTimeout(() => wakes.delete(route.host), timings.wakeTimeoutMs).unref());
    wakes.set(route.host, resized);
  }

  /**
   * After the claim: wait for a task to answer /health, then mark the instance running. Reads are
   * strongly consistent here (an eventually consistent read right after the claim could still say
   * sleeping). The size is asked for again now and then: a sleep job's scale-to-zero that crossed
   * this wake on the way to ECS would otherwise leave it waking with no task.
   */
  async function watchWake(host: string, service: ScaledService, desiredCount: number): Promise<void> {
    const started = Date.now();
    let asked = started;
    while (Date.now() - started < timings.wakeTimeoutMs) {
      const fresh = await routes.refresh(host, { consistent: true });
      if (fresh.record?.state !== 'waking') {
        // Stopped meanwhile (suspended, failed): what this wake started must not keep running.
        if (fresh.record?.state === 'stopped') await compute.scale(service, 0);
        return;
      }
      const endpoint = fresh.endpoints[0];
      if (endpoint && (await answersHealth(fresh, endpoint))) return;
      if (!endpoint && Date.now() - asked > timings.wakeTimeoutMs / 4) {
        asked = Date.now();
        await compute.scale(service, desiredCount);
      }
      await new Promise((r) => setTimeout(r, timings.pendingTtlMs));
    }
    log.warn('Instance did not come up within the wake timeout; the next visit takes the wake over', { host });
  }

  /** A waking instance is running once its /health answers: then it is marked awake and served. */
  function answersHealth(route: Route, endpoint: Endpoint): Promise<boolean> {
    const pending = probes.get(route.host);
    if (pending) return pending;
    const probe = fetch(`http://${endpoint.host}:${endpoint.port}/health`, { headers: { [ROUTE_HEADER]: routeOf(route) }, signal: AbortSignal.timeout(timings.probeTimeoutMs) })
      .then(async (response) => {
        if (!response.ok) return false;
        if (await instances.markAwake(route.host, now().toISOString())) log.info('Instance awake', { host: route.host });
        await routes.refresh(route.host, { consistent: true });
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

  /** Discover again and retry a request that had no body; else the bad-gateway page. */
  function retryOrFail(req: IncomingMessage, res: ServerResponse, route: Route, attempt: number, why: string): void {
    routes.forgetEndpoints(route.host);
    if (res.headersSent) return void res.destroy();
    if (attempt === 0 && retriable(req)) {
      void routes
        .refresh(route.host)
        .then((fresh) => serve(req, res, fresh, 1))
        .catch(() => void brandOf(route).then((brand) => badGatewayPage(res, brand)));
      return;
    }
    log.warn('Instance did not answer', { host: route.host, why });
    void brandOf(route).then((brand) => badGatewayPage(res, brand));
  }

  function forward(req: IncomingMessage, res: ServerResponse, route: Route, attempt: number): void {
    const endpoint = pick(route);
    if (isUse(req)) {
      recordActivity(route);
      // A long request (a download, a report) is use until it ends.
      res.once('finish', () => recordActivity(route));
    }
    forwarding.set(req, { route, attempt });
    req.headers = forwardedHeaders(req, timings.clientSource, routeOf(route));
    // The task went away (put to sleep, replaced, deployed): discover again.
    proxy.web(req, res, { target: targetOf(endpoint) }, (error) => retryOrFail(req, res, route, attempt, String(error)));
  }

  // A task that went away may leave its address silent (no ENI answers): give up connecting after a
  // few seconds, then discover again, instead of waiting out TCP's own timeout.
  proxy.on('proxyReq', (proxyReq) => {
    proxyReq.once('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => proxyReq.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  });

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const context = forwarding.get(req);
    if (!context) return void res.destroy();
    if (proxyRes.statusCode === 421) {
      // Another instance answers at this address now (its task took the IP of one that stopped):
      // nothing of it reaches this visitor.
      proxyRes.resume();
      return retryOrFail(req, res, context.route, context.attempt, `${proxyRes.headers[ROUTE_HEADER] ?? 'another instance'} answered for ${routeOf(context.route)}`);
    }
    // The library's passes type an upstream response's headers as strings only (Node's may be undefined).
    const upstream = proxyRes as Parameters<typeof OUTGOING_PASSES.writeHeaders>[2];
    for (const pass of outgoingPasses) pass(req, res, upstream, outgoingOptions);
    proxyRes.pipe(res);
  });

  function mayWake(req: IncomingMessage): boolean {
    return isUse(req) && wakeLimit.allow(clientAddress(req, timings.clientSource));
  }

  async function serve(req: IncomingMessage, res: ServerResponse, route: Route, attempt = 0): Promise<void> {
    const record = route.record;
    if (!record) return notFoundPage(res, req.headers.host ?? route.host);
    switch (record.state) {
      case 'running':
        if (route.endpoints.length > 0) return forward(req, res, route, attempt);
        // Running by its record but no task registered: deploying, replaced after a crash, or a
        // scale-to-zero that crossed a scale-up. Long past its start, it is asked for its size again.
        if (now().getTime() - Date.parse(record.since) > timings.wakeTimeoutMs && !wakes.has(route.host) && mayWake(req)) resize(route);
        return waiting(req, res, route);
      case 'waking': {
        const endpoint = route.endpoints[0];
        // Healthy: served from this endpoint at once (the record's new state reaches the cache on its own).
        if (endpoint && (await answersHealth(route, endpoint))) return forward(req, res, route, attempt);
        // A wake whose router died is taken over once it is older than the wake timeout.
        if (now().getTime() - Date.parse(record.since) > timings.wakeTimeoutMs && !wakes.has(route.host) && mayWake(req)) wake(route);
        return waiting(req, res, route);
      }
      case 'sleeping':
        // Only a request that would start a wake counts against the visitor's limit (not the reloads while one is under way).
        if (!wakes.has(route.host) && mayWake(req)) wake(route);
        return waiting(req, res, route);
      case 'stopped': {
        // A stopped instance whose tenant the cache still holds as running was most likely stopped by its
        // suspension a moment ago: read again, so its visitors get the trial-ended page at once, not a 503.
        let tenant = await tenantOf(record.tenantId).catch(() => undefined);
        if (tenant && tenant.status !== 'SUSPENDED') tenant = await tenantOf(record.tenantId, { fresh: true }).catch(() => undefined);
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
      // Only a request that can be retried may go out on a stale route (a POST must not meet a stopped task).
      routes
        .get(label, { stale: retriable(req) })
        // Held back: not forwarded, not woken, and a page with nothing of the tenant's on it.
        .then(async (route) => ((await admitted(req, route)) ? serve(req, res, route) : awaitingConfirmationPage(res)))
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
        .then(async (route) => {
          if (route.record?.state !== 'running' || route.endpoints.length === 0 || !(await admitted(req, route))) return void socket.destroy();
          const endpoint = pick(route);
          recordActivity(route);
          // An open WebSocket is use for as long as it is open.
          const keepAwake = setInterval(() => recordActivity(route), timings.activityEveryMs);
          socket.once('close', () => clearInterval(keepAwake));
          req.headers = forwardedHeaders(req, timings.clientSource, routeOf(route));
          proxy.ws(req, socket, head, { target: targetOf(endpoint) }, () => socket.destroy());
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
