import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { logger, type Deps } from '../../functions/deps';
import { SfnWorkflows } from '../../functions/providers/sfn-workflows';
import { TenantStore } from '../../functions/providers/tenant-store';
import type { Workflows } from '../../functions/providers/workflows';

export const TABLE_NAME = 'launchpad-test';
export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:provision-tenant';

/** The production wiring (TenantStore + SfnWorkflows on real SDK clients) for aws-sdk-client-mock. */
export function sdkDeps(overrides: Partial<Deps> = {}): Deps {
  let n = 0;
  return {
    store: new TenantStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE_NAME),
    workflows: new SfnWorkflows(new SFNClient({ region: 'us-east-1' }), STATE_MACHINE_ARN),
    logger,
    now: () => new Date('2026-11-26T10:00:00.000Z'),
    newId: () => `tenant-${++n}`,
    ...overrides,
  };
}

/** Workflows that record what was started, for tests that are not about the engine. */
export class RecordingWorkflows implements Workflows {
  started: string[] = [];
  failuresLeft = 0;
  async startProvisioning({ tenantId }: { tenantId: string }) {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('Step Functions unavailable');
    }
    if (this.started.includes(tenantId)) return 'already-started' as const;
    this.started.push(tenantId);
    return 'started' as const;
  }
}
