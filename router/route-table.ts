import type { Endpoint } from '../functions/providers/discovery';
import type { InstanceRecord } from '../shared/instance-state';

/** What the router knows about one host: its record (absent: no instance has this host) and where its tasks are. */
export interface Route {
  host: string;
  record: InstanceRecord | undefined;
  endpoints: Endpoint[];
  fetchedAt: number;
  endpointsAt: number;
  usedAt: number;
  /** When this router task last wrote the instance's last request (throttle). */
  activityWrittenAt: number;
  /** Round-robin position over `endpoints`. */
  turn: number;
}

export interface RouteTableTimings {
  /** How long a serving route's record is trusted; after that it is re-read in the background while requests go on. */
  routeTtlMs: number;
  /** How long a serving route's endpoints are trusted (a connection error re-discovers them at once). */
  endpointsTtlMs: number;
  /** How often a route that is not serving (sleeping, waking, unknown host) is re-read: requests wait for it. */
  pendingTtlMs: number;
  /** Routes nobody asked for in this long are forgotten. */
  idleEvictMs: number;
  /** At most this many routes are kept, and as many unknown hosts apart from them (a flood of made-up hosts must not grow memory without bound). */
  maxRoutes: number;
}

export type RouteLoader = (host: string, previous: Route | undefined, consistent: boolean) => Promise<Pick<Route, 'record' | 'endpoints' | 'endpointsAt'>>;

/** Background refreshes in flight at most; a stale route over the cap is refreshed by a later request. */
export const MAX_BACKGROUND_REFRESHES = 32;

const serving = (route: Route) => route.record?.state === 'running' && route.endpoints.length > 0;

/**
 * The router's cache of routes by host. A request never waits on AWS for a route that is
 * serving: a stale one is refreshed in the background (stale-while-revalidate). Concurrent misses
 * of one host share one load.
 */
export class RouteTable {
  private readonly routes = new Map<string, Route>();
  /** Hosts without an instance, kept apart (and capped apart): a flood of made-up hosts cannot push out real routes. */
  private readonly misses = new Map<string, Route>();
  private readonly loading = new Map<string, Promise<Route>>();
  private background = 0;

  constructor(
    private readonly load: RouteLoader,
    private readonly timings: RouteTableTimings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The host's route; `stale: false` waits for a fresh read when the cached one is past its time (a request that cannot be retried). */
  async get(host: string, { stale = true } = {}): Promise<Route> {
    const now = this.clock();
    const route = this.routes.get(host) ?? this.misses.get(host);
    if (route && now - route.fetchedAt <= (serving(route) ? this.timings.routeTtlMs : this.timings.pendingTtlMs)) {
      route.usedAt = now;
      return route;
    }
    if (route && serving(route) && stale) {
      // Background reads are capped: a burst over thousands of stale routes must not queue thousands of reads.
      if (this.background < MAX_BACKGROUND_REFRESHES && !this.loading.has(host)) {
        this.background++;
        void this.refresh(host)
          .catch(() => undefined)
          .finally(() => this.background--);
      }
      route.usedAt = now;
      return route;
    }
    return this.refresh(host);
  }

  /** Reads the host again now (after a connection error, a wake, a state change); `consistent` for a read that must see the latest write. */
  refresh(host: string, { consistent = false } = {}): Promise<Route> {
    const pending = this.loading.get(host);
    if (pending && !consistent) return pending;
    const previous = this.routes.get(host) ?? this.misses.get(host);
    const loaded = this.load(host, previous, consistent)
      .then((fresh) => {
        const now = this.clock();
        const route: Route = { host, ...fresh, fetchedAt: now, usedAt: now, activityWrittenAt: previous?.activityWrittenAt ?? 0, turn: previous?.turn ?? 0 };
        this.remember(route);
        return route;
      })
      .finally(() => this.loading.delete(host));
    this.loading.set(host, loaded);
    return loaded;
  }

  /** The next load re-discovers endpoints even if they were fresh (they did not answer). */
  forgetEndpoints(host: string): void {
    const route = this.routes.get(host);
    if (route) route.endpointsAt = 0;
  }

  /** Whether the loader may reuse `previous`'s endpoints instead of discovering them again. */
  endpointsFresh(previous: Route | undefined): previous is Route {
    return previous !== undefined && previous.endpoints.length > 0 && this.clock() - previous.endpointsAt <= this.timings.endpointsTtlMs;
  }

  /** Forgets routes nobody asked for in `idleEvictMs` (called on a timer). */
  evictIdle(): void {
    const cutoff = this.clock() - this.timings.idleEvictMs;
    for (const map of [this.routes, this.misses]) for (const [host, route] of map) if (route.usedAt < cutoff) map.delete(host);
  }

  /** Hosts with an instance that the router knows. */
  get size(): number {
    return this.routes.size;
  }

  private remember(route: Route): void {
    const [into, other] = route.record ? [this.routes, this.misses] : [this.misses, this.routes];
    other.delete(route.host);
    // Re-inserted so the map's order is least recently loaded first, which is what is dropped when full.
    into.delete(route.host);
    into.set(route.host, route);
    while (into.size > this.timings.maxRoutes) {
      const oldest = into.keys().next().value;
      if (oldest === undefined) break;
      into.delete(oldest);
    }
  }
}
