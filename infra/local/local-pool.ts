import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { INSTANCE_ID_ENV } from '../../shared/pool';
import type { Endpoint } from '../../functions/providers/discovery';
import type { InstancePool } from '../../functions/providers/instance-pool';
import { freePort } from './free-port';
import { spawnStandIn } from './local-compute';
import { INSTANCE_GRACE_MS, stopChild } from './shutdown';

export interface LocalPoolOptions {
  /** The key assignments must carry (the same secret Launchpad's steps read). */
  poolKey: () => Promise<string>;
  s3Endpoint: string;
  bucket: string;
  appVersion: string;
  log?: (line: string) => void;
}

interface PoolProcess {
  child: ChildProcess;
  port: number;
}

/**
 * The warm pool on the embedded default: each pool instance is a stand-in process started
 * unassigned (no tenant, no database, no config in its environment), as a pool task is on ECS.
 * Processes die with Launchpad; their records are then found 'gone' and cleaned by the pool keeper.
 */
export class LocalPool implements InstancePool {
  private readonly processes = new Map<string, PoolProcess>();

  constructor(private readonly options: LocalPoolOptions) {
    process.once('exit', () => [...this.processes.values()].forEach((p) => p.child.kill('SIGKILL')));
  }

  private stopped = false;

  async launch(): Promise<string> {
    const id = `pool-${randomUUID()}`;
    const port = await freePort();
    const poolKey = await this.options.poolKey();
    // A keep-pool run still going when Launchpad stops must not start processes nobody stops.
    if (this.stopped) throw new Error('The local pool is stopped');
    const child = spawnStandIn(id, {
      PORT: String(port),
      [INSTANCE_ID_ENV]: id,
      SPACEOS_POOL_KEY: poolKey,
      CONFIG_BUCKET: this.options.bucket,
      S3_ENDPOINT: this.options.s3Endpoint,
      APP_VERSION: this.options.appVersion,
    }, this.options.log);
    child.once('exit', () => this.processes.delete(id));
    this.processes.set(id, { child, port });
    return id;
  }

  async endpoint(id: string): Promise<Endpoint | 'gone' | undefined> {
    const running = this.processes.get(id);
    return running && running.child.exitCode === null ? { host: '127.0.0.1', port: running.port } : 'gone';
  }

  async discard(id: string): Promise<void> {
    const running = this.processes.get(id);
    if (!running) return;
    this.processes.delete(id);
    await stopChild(running.child, { graceMs: INSTANCE_GRACE_MS });
  }

  /** Nothing to ready locally (no IAM). */
  async prepare(): Promise<void> {}

  /** s3rver has one key and no IAM: a local instance reads with it, as every local instance does (README: isolation). */
  async credentialsFor(): Promise<undefined> {
    return undefined;
  }

  async running(): Promise<string[]> {
    return [...this.processes.keys()];
  }

  /** The process of a pool instance (tests kill it to rehearse a crash). */
  pid(id: string): number | undefined {
    return this.processes.get(id)?.child.pid;
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.processes.keys()].map((id) => this.discard(id)));
  }
}
