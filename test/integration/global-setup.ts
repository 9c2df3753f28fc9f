import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { startPostgres, startS3, startSes } from '../../infra/local/emulators';

export const TEST_BUCKET = 'integration-tenants';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    postgres: pg.ClientConfig;
    s3Endpoint: string;
    sesEndpoint: string;
  }
}

/**
 * The emulators the integration project shares: DynamoDB Local (in memory), PostgreSQL, s3rver
 * and aws-ses-v2-local. Each test makes its own table / names so files do not interfere.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'launchpad-it-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynamoDbLocal(); // fails with "install Java" when java is missing
    stops.push(dynamo.stop);
    const [postgres, s3, ses] = await Promise.all([
      startPostgres({ directory: join(dir, 'postgres') }),
      startS3({ directory: join(dir, 's3'), bucket: TEST_BUCKET }),
      startSes(0),
    ]);
    stops.push(postgres.stop, s3.stop, ses.stop);
    project.provide('dynamoDbEndpoint', dynamo.endpoint);
    project.provide('postgres', postgres.value);
    project.provide('s3Endpoint', s3.value.endpoint);
    project.provide('sesEndpoint', ses.value.endpoint);
  } catch (error) {
    for (const stop of stops) await stop();
    throw error;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
}
