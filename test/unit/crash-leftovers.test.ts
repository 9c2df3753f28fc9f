import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../infra/local/data-dir-lock';
import { LocalCompute } from '../../infra/local/local-compute';
import type { Secrets } from '../../functions/providers/secrets';
import { tempDir } from '../support/temp-dir';

/** What a crash of the embedded default leaves in its data dir must not keep it from starting again. */

const TENANT_APP = fileURLToPath(new URL('../../infra/local/tenant-app/server.ts', import.meta.url));
const children: ChildProcess[] = [];
let dataDir: string;
beforeEach(() => {
  dataDir = tempDir('crash-leftovers-');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** A long-running process; `args` show up in its command line. */
function running(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}
const ended = (child: ChildProcess) =>
  new Promise<string>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode ?? 'exited') : child.once('exit', (_code, signal) => resolve(signal ?? 'exited'))));
const noSecrets: Secrets = { get: async () => undefined, put: async () => undefined } as unknown as Secrets;

describe('the data-dir lock after a crash', () => {
  it('is taken over when its pid now belongs to another program (a reboot, a restarted container)', () => {
    const other = running('sleep', ['60']);
    writeFileSync(join(dataDir, 'launchpad.pid'), String(other.pid));
    const unlock = lockDataDir(dataDir);
    unlock();
  });

  it('taken over from a crashed Launchpad, stops the DynamoDB Local it left on this data dir, and no other', async () => {
    const dead = running('true', []);
    await ended(dead);
    writeFileSync(join(dataDir, 'launchpad.pid'), String(dead.pid));
    // Stand-ins whose command lines are DynamoDB Local's: on this data dir, and on another one.
    const keep = 'setInterval(() => {}, 1000)';
    const leftover = running(process.execPath, ['-e', keep, '--', '-jar', 'DynamoDBLocal.jar', '-sharedDb', '-dbPath', join(dataDir, 'dynamodb')]);
    const another = running(process.execPath, ['-e', keep, '--', '-jar', 'DynamoDBLocal.jar', '-sharedDb', '-dbPath', join(dataDir, 'dynamodb-other')]);
    await new Promise((r) => setTimeout(r, 200));

    lockDataDir(dataDir)();

    expect(await ended(leftover)).toBe('SIGKILL');
    expect(another.exitCode).toBeNull();
    expect(another.signalCode).toBeNull();
  });

  it('is still refused while a Launchpad (this same program) holds it', () => {
    const launchpad = running(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(join(dataDir, 'launchpad.pid'), String(launchpad.pid));
    expect(() => lockDataDir(dataDir)).toThrow(`Another Launchpad (pid ${launchpad.pid})`);
  });
});

describe('restoring local instances after a crash', () => {
  it('skips a service record the crash cut short instead of failing the start', async () => {
    mkdirSync(join(dataDir, 'services'), { recursive: true });
    writeFileSync(join(dataDir, 'services', 'spaceos-acme-prod.json'), '{"tenantId": "t1", "subdom');
    writeFileSync(join(dataDir, 'services', 'spaceos-acme-stg.json.partial'), '{"tenantId"');
    const compute = new LocalCompute({ dataDir, secrets: noSecrets, s3Endpoint: 'http://127.0.0.1:1', bucket: 'b' });
    await compute.restore();
    expect(compute.list()).toEqual([]);
    expect(readdirSync(join(dataDir, 'services'))).toEqual(['spaceos-acme-prod.json']);
  });

  it('stops the instance processes a Launchpad killed on its own left running, and nothing else', async () => {
    // Stand-ins for an orphaned instance (its command line names the tenant app) and for an unrelated
    // program that got the pid of an instance that has since ended.
    const orphan = running(process.execPath, ['-e', 'setInterval(() => {}, 1000)', TENANT_APP]);
    const unrelated = running('sleep', ['60']);
    mkdirSync(join(dataDir, 'instance-pids'), { recursive: true });
    for (const child of [orphan, unrelated]) writeFileSync(join(dataDir, 'instance-pids', String(child.pid)), 'spaceos-acme-prod');

    await new LocalCompute({ dataDir, secrets: noSecrets, s3Endpoint: 'http://127.0.0.1:1', bucket: 'b' }).restore();

    expect(await ended(orphan)).toBe('SIGKILL');
    expect(unrelated.exitCode).toBeNull();
    expect(unrelated.signalCode).toBeNull();
    expect(readdirSync(join(dataDir, 'instance-pids'))).toEqual([]);
  });
});
