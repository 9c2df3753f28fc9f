import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Deps } from '../../functions/deps';
import { LocalWorkflows, type LocalExecution } from '../../infra/local/local-workflows';
import { tempDir } from '../support/temp-dir';

/** The steps the engine ran, in order; a step listed in `held` waits until released. */
const ran: string[] = [];
const held = new Map<string, { reached: () => void; release: Promise<void> }>();

// The runner's own logic is under test here, not the steps: each Task just records that it ran.
vi.mock('../../infra/local/step-handlers', () => ({
  localTaskHandlers: (tasks: readonly string[]) =>
    Object.fromEntries(
      tasks.map((task) => [
        task,
        async (input: unknown) => {
          ran.push(task);
          const hold = held.get(task);
          if (hold) {
            hold.reached();
            await hold.release;
          }
          return input;
        },
      ]),
    ),
  stepFactory: async () => () => async (input: unknown) => input,
}));

const deps = () => ({ logger: { error: () => undefined, warn: () => undefined, info: () => undefined } }) as unknown as Deps;

let dataDir: string;
let executionsDir: string;
beforeEach(() => {
  dataDir = tempDir('local-workflows-');
  executionsDir = join(dataDir, 'executions');
  mkdirSync(executionsDir);
  ran.length = 0;
  held.clear();
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const saved = (name: string) => JSON.parse(readFileSync(join(executionsDir, `${name}.json`), 'utf8')) as LocalExecution;

/** A record as a crashed process leaves it: RUNNING, optionally with the state it had entered. */
function crashedOffboarding(tenantId: string, current?: LocalExecution['current']): LocalExecution {
  const execution: LocalExecution = {
    name: `offboard-${tenantId}`,
    stateMachine: 'offboard-tenant',
    input: { tenantId },
    status: 'RUNNING',
    startDate: '2026-01-01T00:00:00.000Z',
    events: [{ type: 'ExecutionStarted', timestamp: '2026-01-01T00:00:00.000Z' }],
    ...(current ? { current } : {}),
  };
  writeFileSync(join(executionsDir, `${execution.name}.json`), JSON.stringify(execution));
  return execution;
}

describe('local executions cut short by a crash', () => {
  it('carry on once, under their own name, from the state they were in', async () => {
    crashedOffboarding('t1', { state: 'ArchiveStorage', input: { tenantId: 't1' } });
    const workflows = new LocalWorkflows(deps, { dataDir });
    // Until resumed it is still running, as Step Functions would report it (not failed, not free to start again).
    expect(workflows.get('offboard-t1')?.status).toBe('RUNNING');
    expect(await workflows.startOffboarding('t1')).toBe('already-started');

    expect(workflows.resumeInterrupted()).toEqual(['offboard-t1']);
    const finished = await workflows.settled('offboard-t1');

    expect(finished?.status).toBe('SUCCEEDED');
    expect(ran).toEqual(['ArchiveStorage', 'RemoveSecrets', 'MarkDeleted']);
    expect(finished?.events.filter((e) => e.type === 'ExecutionResumed')).toEqual([{ type: 'ExecutionResumed', timestamp: expect.any(String), state: 'ArchiveStorage' }]);
    expect(saved('offboard-t1')).toMatchObject({ status: 'SUCCEEDED', startDate: '2026-01-01T00:00:00.000Z' });
    expect(saved('offboard-t1').current).toBeUndefined();

    // The next start finds it finished: nothing runs again.
    ran.length = 0;
    expect(new LocalWorkflows(deps, { dataDir }).resumeInterrupted()).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('start from the beginning when the crash came before the first state was recorded', async () => {
    crashedOffboarding('t2');
    const workflows = new LocalWorkflows(deps, { dataDir });
    workflows.resumeInterrupted();
    expect((await workflows.settled('offboard-t2'))?.status).toBe('SUCCEEDED');
    expect(ran[0]).toBe('MarkOffboarding');
  });

  it('stopped in the middle by a shutdown are left running where they were, and the next start carries them on', async () => {
    let reached!: () => void;
    let release!: () => void;
    const atArchive = new Promise<void>((resolve) => (reached = resolve));
    held.set('ArchiveDatabases', { reached, release: new Promise<void>((resolve) => (release = resolve)) });
    const first = new LocalWorkflows(deps, { dataDir });
    await first.startOffboarding('t3');
    await atArchive;
    await vi.waitFor(() => expect(first.get('offboard-t3')?.current?.state).toBe('ArchiveDatabases'));

    first.interrupt();
    release();
    await first.drain();
    expect(saved('offboard-t3')).toMatchObject({ status: 'RUNNING', current: { state: 'ArchiveDatabases' } });

    held.clear();
    ran.length = 0;
    const second = new LocalWorkflows(deps, { dataDir });
    expect(second.resumeInterrupted()).toEqual(['offboard-t3']);
    expect((await second.settled('offboard-t3'))?.status).toBe('SUCCEEDED');
    expect(ran).toEqual(['ArchiveDatabases', 'DropDatabases', 'ArchiveStorage', 'RemoveSecrets', 'MarkDeleted']);
  });

  it('a record that cannot be read is skipped and kept aside; the others load and run', async () => {
    writeFileSync(join(executionsDir, 'cut-short.json'), '{"name": "cut-short", "stateMachine": "provis');
    writeFileSync(join(executionsDir, 'not-ours.json'), '[1, 2, 3]');
    // A write a crash interrupted before its rename: the record it was to replace is the valid one.
    writeFileSync(join(executionsDir, 'offboard-t4.json.partial'), '{"name": "offb');
    crashedOffboarding('t4', { state: 'MarkDeleted', input: { tenantId: 't4' } });

    const workflows = new LocalWorkflows(deps, { dataDir });
    expect(workflows.list().map((e) => e.name)).toEqual(['offboard-t4']);
    expect(readdirSync(executionsDir).sort()).toEqual(['cut-short.json.unreadable', 'not-ours.json.unreadable', 'offboard-t4.json']);

    workflows.resumeInterrupted();
    expect((await workflows.settled('offboard-t4'))?.status).toBe('SUCCEEDED');
    expect(existsSync(join(executionsDir, 'cut-short.json.unreadable'))).toBe(true);
  });
});
