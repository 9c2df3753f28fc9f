import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceName, type Compute, type ScaledService, type ServiceSpec } from '../../functions/providers/compute';
import type { Discovery, Endpoint } from '../../functions/providers/discovery';
import type { Secrets } from '../../functions/providers/secrets';
import { alive, processInfo } from './data-dir-lock';
import { freePort } from './free-port';
import { INSTANCE_GRACE_MS, stopChild } from './shutdown';

const TENANT_APP = fileURLToPath(new URL('./tenant-app/server.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A process of the tenant stand-in app with `env` (plus PATH), its stderr logged under `name`: what a
 * task of a tenant's service and a warm-pool instance both are on the embedded default.
 */
export function spawnStandIn(name: string, env: Record<string, string>, log?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', TENANT_APP], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => log?.(`[${name}] ${chunk.toString().trimEnd()}`));
  return child;
}

/** A service as recorded under the data dir: its spec and how many copies should run. */
type StoredSpec = ServiceSpec & { desiredCount?: number };

/** Whole or not at all: a crash mid-write must not leave a record that stops the next start. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
}

interface RunningService {
  spec: ServiceSpec;
  port: number;
  child: ChildProcess;
  stopping: boolean;
}

export interface LocalComputeOptions {
  dataDir: string;
  secrets: Secrets;
  /** Environment the instances need to reach local S3 (ECS tasks reach real S3 by their role). */
  s3Endpoint: string;
  bucket: string;
  log?: (line: string) => void;
}

/**
 * Compute on the embedded default: each service is a process running the tenant stand-in app,
 * with the same environment an ECS task gets. Services are recorded under the data dir and
 * started again when Launchpad restarts, as ECS keeps a service's desired count.
 */
export class LocalCompute implements Compute, Discovery {
  private readonly services = new Map<string, RunningService>();
  /** Processes of deploys in flight, not taking traffic yet (stopped with the rest all the same). */
  private readonly rolling = new Set<RunningService>();
  private readonly dir: string;
  /** The pid of each instance process while it runs: a Launchpad killed on its own leaves them running. */
  private readonly pids: string;

  constructor(private readonly options: LocalComputeOptions) {
    this.dir = join(options.dataDir, 'services');
    this.pids = join(options.dataDir, 'instance-pids');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.pids, { recursive: true });
    // Instances never outlive Launchpad, even when it dies without stopAll() (crash, exit()).
    process.once('exit', () => [...this.services.values(), ...this.rolling].forEach((s) => s.child.kill('SIGKILL')));
  }

  /**
   * Starts every recorded service (after a restart), once the instances a crash of Launchpad alone
   * left running are stopped: the restored ones replace them, one process per service as before.
   */
  async restore(): Promise<void> {
    await this.stopOrphans();
    const specs: StoredSpec[] = [];
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.json')) {
        // A write the crash cut short: the record it was to replace is whole beside it.
        if (file.endsWith('.partial')) rmSync(join(this.dir, file), { force: true });
        continue;
      }
      const spec = this.stored(file.slice(0, -'.json'.length));
      if (spec && typeof spec.tenantId === 'string' && typeof spec.database === 'object') specs.push(spec);
      // One unreadable record must not keep every other instance (and Launchpad) from starting.
      else this.options.log?.(`[compute] skipping ${join(this.dir, file)}: not a service record`);
    }
    const started = await Promise.allSettled(specs.filter((spec) => spec.desiredCount !== 0).map((spec) => this.start(spec)));
    // Nor one that cannot start: the others run, and this one is logged.
    for (const result of started) if (result.status === 'rejected') this.options.log?.(`[compute] an instance could not be restored: ${String(result.reason)}`);
  }

  /** Instance processes recorded by an earlier run that are still alive and still the stand-in app (pids are reused). */
  private async stopOrphans(): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const file of readdirSync(this.pids)) {
      const pid = Number(file);
      rmSync(join(this.pids, file), { force: true });
      if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !processInfo(pid)?.command.includes(TENANT_APP)) continue;
      process.kill(pid, 'SIGKILL');
      waits.push(
        (async () => {
          for (let waited = 0; alive(pid) && waited < 2000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        })(),
      );
    }
    await Promise.all(waits);
  }

  async ensureService(spec: ServiceSpec, { desiredCount }: { desiredCount?: number } = {}): Promise<{ name: string; created: boolean }> {
    const name = serviceName(spec);
    if (this.services.has(name)) return { name, created: false };
    const stored = this.stored(name);
    // Recorded already (created asleep, or stopped): it exists, as a service scaled to zero does on ECS.
    if (stored && stored.desiredCount === 0) return { name, created: false };
    writeAtomically(join(this.dir, `${name}.json`), JSON.stringify({ ...spec, ...(desiredCount === undefined ? {} : { desiredCount }) }, null, 2));
    if (desiredCount !== 0) await this.start(spec);
    return { name, created: true };
  }

  /** Scale to 0 stops the process (and keeps it stopped across restarts); more starts it. */
  async scale(service: ScaledService, desiredCount: number): Promise<void> {
    const name = serviceName(service);
    const file = join(this.dir, `${name}.json`);
    const spec = JSON.parse(readFileSync(file, 'utf8')) as StoredSpec;
    writeAtomically(file, JSON.stringify({ ...spec, desiredCount }, null, 2));
    const running = this.services.get(name);
    if (desiredCount === 0) await this.stop(name);
    // One process stands for any number of tasks locally.
    if (desiredCount > 0 && !running) await this.start(spec);
  }

  /**
   * Rolls the instance onto `version` as an ECS rolling deployment does: the new process starts
   * beside the old one, takes the traffic once it answers /health, then the old one stops; no
   * request meets a gap. A version that never comes up leaves the old one serving (the workflow's
   * version check notices and rolls back). Locally every version runs the same stand-in; it
   * reports the version it was given on /health, and a version whose name contains "broken"
   * crashes at start, to rehearse a bad release.
   */
  async deploy(service: ScaledService, version: string): Promise<void> {
    const name = serviceName(service);
    const stored = this.stored(name);
    if (!stored) throw new Error(`Service ${name} does not exist`);
    const spec = { ...stored, version };
    writeAtomically(join(this.dir, `${name}.json`), JSON.stringify(spec, null, 2));
    if (spec.desiredCount === 0) return;
    const old = this.services.get(name);
    if (!old) return this.start(spec);
    const next = await this.spawn(spec);
    if (this.stopped) return void (await this.kill(next));
    this.rolling.add(next);
    try {
      if (!(await this.answersHealth(next)) || this.stored(name)?.version !== version || this.services.get(name) !== old) {
        // Never came up, or another deploy or a scale-down overtook this one: the old process stays.
        await this.kill(next);
        return;
      }
      this.services.set(name, next);
    } finally {
      this.rolling.delete(next);
    }
    await this.kill(old);
  }

  async existingServices(services: readonly ScaledService[]): Promise<Set<string>> {
    return new Set(services.map(serviceName).filter((name) => this.stored(name) !== undefined));
  }

  async removeService(service: ScaledService): Promise<'removed' | 'absent'> {
    const name = serviceName(service);
    const recorded = this.stored(name) !== undefined;
    await this.stop(name);
    rmSync(join(this.dir, `${name}.json`), { force: true });
    return recorded ? 'removed' : 'absent';
  }

  private async stop(name: string): Promise<void> {
    const running = this.services.get(name);
    if (!running) return;
    this.services.delete(name);
    await this.kill(running);
  }

  private async kill(service: RunningService): Promise<void> {
    service.stopping = true;
    // An instance stuck in a request or ignoring SIGTERM must not hold up a deploy or the shutdown.
    await stopChild(service.child, { graceMs: INSTANCE_GRACE_MS });
  }

  /** Polls the process's /health (as a load balancer's health check would) until 200, or it exits. */
  private async answersHealth(service: RunningService, timeoutMs = 30_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && service.child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${service.port}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Discovery on the embedded default: the running process of the service, as Cloud Map lists an ECS service's tasks. */
  async endpoints(service: Pick<ScaledService, 'subdomain' | 'env'>): Promise<Endpoint[]> {
    const running = this.services.get(serviceName(service));
    return running ? [{ host: '127.0.0.1', port: running.port }] : [];
  }

  list(): Array<{ name: string; hostname: string; port: number; pid?: number }> {
    return [...this.services.entries()].map(([name, s]) => ({ name, hostname: s.spec.hostname, port: s.port, pid: s.child.pid }));
  }

  private stored(name: string): StoredSpec | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${name}.json`), 'utf8')) as StoredSpec;
    } catch {
      return undefined;
    }
  }

  private async start(spec: ServiceSpec): Promise<void> {
    const service = await this.spawn(spec);
    // A start that was under way when stopAll() ran (a restart, a wake) must not outlive it.
    if (this.stopped) return void (await this.kill(service));
    this.services.set(serviceName(spec), service);
  }

  /** A process for `spec`, not yet routed to (start() and deploy() decide when it takes traffic). */
  private async spawn(spec: ServiceSpec): Promise<RunningService> {
    const name = serviceName(spec);
    const password = await this.options.secrets.get(spec.database.secretName);
    if (password === undefined) throw new Error(`Secret ${spec.database.secretName} is missing; the database step must run first`);
    const port = await freePort();
    const env = {
      PORT: String(port),
      TENANT_ID: spec.tenantId,
      SPACEOS_ENV: spec.env,
      CONFIG_BUCKET: this.options.bucket,
      CONFIG_KEY: spec.configKey,
      THEME_KEY: spec.themeKey,
      S3_ENDPOINT: this.options.s3Endpoint,
      DATABASE_HOST: spec.database.host,
      DATABASE_PORT: String(spec.database.port),
      DATABASE_NAME: spec.database.database,
      DATABASE_USER: spec.database.user,
      DATABASE_PASSWORD: password,
      // Services recorded before versions existed run the version they launched with.
      APP_VERSION: spec.version ?? '1',
    };
    const child = spawnStandIn(name, env, this.options.log);
    const service: RunningService = { spec, port, child, stopping: false };
    const pidFile = child.pid === undefined ? undefined : join(this.pids, String(child.pid));
    if (pidFile) writeFileSync(pidFile, name);
    child.once('exit', (code) => {
      if (pidFile) rmSync(pidFile, { force: true });
      if (service.stopping || this.services.get(name) !== service) return;
      // Like an ECS service replacing a stopped task.
      this.options.log?.(`[${name}] exited with ${code}; starting it again`);
      this.services.delete(name);
      setTimeout(() => {
        // Meanwhile a deploy or scale may have replaced or stopped it: restart what is recorded now.
        if (this.services.has(name)) return;
        const current = this.stored(name);
        if (!current || current.desiredCount === 0) return;
        void this.start(current).catch((e: unknown) => this.options.log?.(`[${name}] restart failed: ${String(e)}`));
      }, 1000).unref();
    });
    return service;
  }

  private stopped = false;

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.services.values(), ...this.rolling].map((service) => this.kill(service)));
    this.services.clear();
  }
}
