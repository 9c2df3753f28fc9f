import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Compute } from '../../functions/providers/compute';
import { createSleepIdle, idleLimit } from '../../functions/scheduled/sleep-idle';
import { sdkDeps, TABLE_NAME, testPlatform } from '../support/deps';

const dynamo = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-11-26T10:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const instance = (host: string, env: 'prod' | 'stg', plan: 'trial' | 'paid', idleMinutes: number, tenantId = `t-${host.replace(/-stg$/, '')}`) => ({
  pk: `INSTANCE#${host}`, sk: 'ROUTE', host, tenantId, subdomain: host.replace(/-stg$/, ''), env, plan, desiredCount: 1, state: 'running', since: minutesAgo(600), lastRequestAt: minutesAgo(idleMinutes),
});
const tenant = (tenantId: string, status: string) => ({ pk: `TENANT#${tenantId}`, sk: 'META', tenantId, subdomain: tenantId.slice(2), companyName: 'X', adminName: 'A', adminEmail: 'a@x.example', primaryColor: '#336699', plan: 'trial', status, createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), steps: {}, urls: {}, version: 1 });

const scaled: string[] = [];
const compute = { scale: async (service, count) => void scaled.push(`${service.subdomain}-${service.env}=${count}`) } as Pick<Compute, 'scale'> as Compute;

beforeEach(() => {
  dynamo.reset();
  scaled.length = 0;
});

describe('sleep-idle', () => {
  it('knows each instance its limit: staging of every plan, trial production, paid production only when configured', () => {
    const sleep = { trialProductionMs: 30 * 60_000, stagingMs: 20 * 60_000 };
    expect(idleLimit(sleep, { env: 'stg', plan: 'paid' })).toBe(20 * 60_000);
    expect(idleLimit(sleep, { env: 'prod', plan: 'trial' })).toBe(30 * 60_000);
    expect(idleLimit(sleep, { env: 'prod', plan: 'paid' })).toBeUndefined();
    expect(idleLimit({ ...sleep, paidProductionMs: 4 * 3_600_000 }, { env: 'prod', plan: 'paid' })).toBe(4 * 3_600_000);
  });

  it('puts to sleep what is idle past its limit and still idle at the write, and nothing of a tenant still provisioning', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [
        instance('idle', 'prod', 'trial', 45),
        instance('paying', 'prod', 'paid', 600),
        instance('paying-stg', 'stg', 'paid', 45),
        instance('recent', 'prod', 'trial', 10),
        instance('visited', 'prod', 'trial', 45),
        instance('setup', 'prod', 'trial', 45),
        // Wakes: one under way (claimed 5 minutes ago, longer than the idle time here), one whose router died 45 minutes ago (older than the idle time and the stale-wake time).
        { ...instance('starting', 'prod', 'trial', 600), state: 'waking', since: minutesAgo(5) },
        { ...instance('abandoned', 'prod', 'trial', 600), state: 'waking', since: minutesAgo(45) },
      ],
    });
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [tenant('t-idle', 'ACTIVE'), tenant('t-paying', 'ACTIVE'), tenant('t-recent', 'ACTIVE'), tenant('t-visited', 'PAST_DUE'), tenant('t-setup', 'PROVISIONING'), tenant('t-starting', 'ACTIVE'), tenant('t-abandoned', 'ACTIVE')] } });
    dynamo.on(UpdateCommand).resolves({});
    // A visit landed between the query and the write: the condition on the last request refuses.
    dynamo.on(UpdateCommand, { Key: { pk: 'INSTANCE#visited', sk: 'ROUTE' } }).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(QueryCommand, { IndexName: 'byStatus', ExpressionAttributeValues: { ':status': 'STATUS#FAILED', ':before': NOW.toISOString() } }).resolves({ Items: [] });

    const run = createSleepIdle({ ...sdkDeps(), compute, now: () => NOW, platform: { ...testPlatform, sleep: { trialProductionMs: 30 * 60_000, stagingMs: 30 * 60_000 } } });
    expect(await run()).toEqual({ slept: ['idle', 'paying-stg', 'abandoned'], stopped: [] });
    expect(scaled).toEqual(['idle-prod=0', 'paying-stg=0', 'abandoned-prod=0']);

    const awake = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    // The whole awake list (an unconfirmed signup's instance sleeps however recently it was used).
    expect(awake).toMatchObject({ IndexName: 'byStatus', ExpressionAttributeValues: { ':status': 'INSTANCE#AWAKE', ':before': NOW.toISOString() } });
    const sleepWrite = dynamo.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key!.pk === 'INSTANCE#idle')!.args[0].input;
    expect(sleepWrite.ConditionExpression).toContain('#lastRequestAt < :idleBefore');
    expect(sleepWrite.ExpressionAttributeValues).toMatchObject({ ':to': 'sleeping', ':idleBefore': minutesAgo(30), ':staleBefore': minutesAgo(30) });
    expect(sleepWrite.UpdateExpression).toContain('REMOVE #gpk, #gsk');
  });

  it("puts an unconfirmed signup's instances to sleep at the first run after provisioning, however recently used; reads no tenant of a busy instance started long ago", async () => {
    const unconfirmed = { verifyBy: new Date(NOW.getTime() + 20 * 3_600_000).toISOString() };
    dynamo.on(QueryCommand).resolves({
      Items: [
        { ...instance('fresh', 'prod', 'trial', 1), since: minutesAgo(20) },
        { ...instance('fresh-stg', 'stg', 'trial', 1), since: minutesAgo(20) },
        { ...instance('confirmed', 'prod', 'trial', 1), since: minutesAgo(20) },
        { ...instance('settingup', 'prod', 'trial', 1), since: minutesAgo(20) },
        instance('busy', 'prod', 'trial', 2),
      ],
    });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE_NAME]: [
          { ...tenant('t-fresh', 'ACTIVE'), ...unconfirmed },
          { ...tenant('t-confirmed', 'ACTIVE'), ...unconfirmed, emailVerifiedAt: minutesAgo(5) },
          // Still being health-checked and smoke-tested through its pass: not yet.
          { ...tenant('t-settingup', 'PROVISIONING'), ...unconfirmed },
        ],
      },
    });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(QueryCommand, { IndexName: 'byStatus', ExpressionAttributeValues: { ':status': 'STATUS#FAILED', ':before': NOW.toISOString() } }).resolves({ Items: [] });

    const run = createSleepIdle({ ...sdkDeps(), compute, now: () => NOW, platform: { ...testPlatform, sleep: { trialProductionMs: 30 * 60_000, stagingMs: 30 * 60_000 } } });
    expect(await run()).toEqual({ slept: ['fresh', 'fresh-stg'], stopped: [] });
    expect(scaled).toEqual(['fresh-prod=0', 'fresh-stg=0']);
    const sleepWrite = dynamo.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key!.pk === 'INSTANCE#fresh')!.args[0].input;
    expect(sleepWrite.ExpressionAttributeValues).toMatchObject({ ':to': 'sleeping', ':idleBefore': NOW.toISOString() });
    const read = dynamo.commandCalls(BatchGetCommand).flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flatMap((r) => (r.Keys ?? []).map((k) => String(k.pk))));
    expect(read.sort()).toEqual(['TENANT#t-confirmed', 'TENANT#t-fresh', 'TENANT#t-settingup']);
  });

  it('gives an unconfirmed signup an idle limit of 0, a confirmed one or one with nothing to confirm its plan\'s', () => {
    const sleep = { trialProductionMs: 30 * 60_000, stagingMs: 20 * 60_000 };
    expect(idleLimit(sleep, { env: 'prod', plan: 'trial' }, { verifyBy: NOW.toISOString() })).toBe(0);
    expect(idleLimit(sleep, { env: 'stg', plan: 'trial' }, { verifyBy: NOW.toISOString() })).toBe(0);
    expect(idleLimit(sleep, { env: 'prod', plan: 'trial' }, { verifyBy: NOW.toISOString(), emailVerifiedAt: NOW.toISOString() })).toBe(30 * 60_000);
    expect(idleLimit(sleep, { env: 'stg', plan: 'trial' }, {})).toBe(20 * 60_000);
  });
});
