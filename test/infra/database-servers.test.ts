import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import exampleContext from '../../infra/aws/example-context.json';
import { databaseServerCapacities, deployConfig } from '../../infra/aws/config';
import { databaseServersSchema, rdsMaxConnections, serverCapacity } from '../../shared/database-servers';
import { synthStacks } from './synth';

const SECRET_2 = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:launchpad/tenant-db-2-admin-AbCdEf';
const SECRET_3 = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:launchpad/tenant-db-3-admin-GhIjKl';
const servers = [
  { id: 'db-2', endpoint: 'tenants-2.internal:5432', adminSecretArn: SECRET_2, instanceClass: 'db.t4g.large' },
  { id: 'db-3', endpoint: 'tenants-3.internal', adminSecretArn: SECRET_3, maxConnections: 200 },
];
const configWith = (extra: Record<string, unknown>) => deployConfig((key) => ({ ...(exampleContext as Record<string, unknown>), ...extra })[key]);

describe('database servers in the deployment settings', () => {
  it('takes the list as JSON (-c databaseServers=...) or as a list (cdk.json), sized by class or max_connections, the stack\'s own RDS first', () => {
    for (const given of [JSON.stringify(servers), servers]) {
      expect(databaseServerCapacities(configWith({ databaseServers: given }))).toEqual([
        { id: 'db-1', capacity: serverCapacity(rdsMaxConnections('db.t4g.medium')) },
        { id: 'db-2', capacity: serverCapacity(rdsMaxConnections('db.t4g.large')) },
        { id: 'db-3', capacity: 180 },
      ]);
    }
    expect(databaseServerCapacities(configWith({}))).toHaveLength(1);
  });

  it('refuses a repeated id, a server without a size, and a malformed list, saying which', () => {
    expect(() => configWith({ databaseServers: [{ ...servers[0], id: 'db-1' }] })).toThrow(/db-1 is listed twice/);
    expect(() => configWith({ databaseServers: [{ id: 'db-2', endpoint: 'x.internal', adminSecretArn: SECRET_2 }] })).toThrow(/db-2 needs instanceClass/);
    expect(() => configWith({ databaseServers: '[{"id": "db-2"' })).toThrow(/databaseServers/);
  });

  it('hands every server to the database steps: TENANT_DB_SERVERS in their environment, each admin secret readable', () => {
    const { stacks } = synthStacks({ databaseServers: servers });
    const template = Template.fromStack(stacks.workflows);
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{ Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
    const withServers = functions.map((fn) => fn.Properties.Environment?.Variables?.TENANT_DB_SERVERS).filter(Boolean);
    expect(withServers.length).toBeGreaterThan(0);
    const rendered = JSON.stringify(withServers[0]);
    for (const part of ['db-1', 'db-2', 'tenants-2.internal', SECRET_2, 'db-3', 'tenants-3.internal', String(serverCapacity(rdsMaxConnections('db.t4g.large')))]) expect(rendered).toContain(part);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(SECRET_2);
    expect(policies).toContain(SECRET_3);
  });

  it('is the schema the functions read (TENANT_DB_SERVERS)', () => {
    expect(databaseServersSchema.safeParse([{ id: 'db-1', host: 'h', port: '5432', adminSecretName: 's', capacity: 364 }]).success).toBe(true);
    expect(databaseServersSchema.safeParse([]).success).toBe(false);
  });
});
