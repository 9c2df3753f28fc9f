import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/providers/dynamodb';
import { RateLimits } from '../../functions/providers/rate-limits';
import { keys } from '../../functions/providers/table';
import { ensureTable } from '../../infra/local/dynamodb-local';

const MINUTE = 60_000;
const documents = createDocumentClient(inject('dynamoDbEndpoint'));
const tableName = `launchpad-rate-${randomUUID()}`;
const limits = new RateLimits(documents, tableName);
/** 15 s into a one-minute window. */
const windowStart = new Date('2026-12-02T13:00:00.000Z');
const at = (ms: number) => new Date(windowStart.getTime() + ms);
const key = () => `test:${randomUUID()}`;

beforeAll(async () => {
  await ensureTable(inject('dynamoDbEndpoint'), tableName);
});

describe('RateLimits on DynamoDB Local', () => {
  it('lets `limit` hits through, then refuses until the window ends, saying how long that is', async () => {
    const k = key();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limits.hit(k, 3, MINUTE, at(15_000)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]!.retryAfterSeconds).toBe(45);
    // Later in the same window: still refused, and the wait shrinks with it.
    expect(await limits.hit(k, 3, MINUTE, at(59_500))).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('allows again in the next window, and counts keys apart', async () => {
    const k = key();
    for (let i = 0; i < 3; i++) await limits.hit(k, 3, MINUTE, at(1_000));
    expect((await limits.hit(k, 3, MINUTE, at(2_000))).allowed).toBe(false);
    expect((await limits.hit(key(), 3, MINUTE, at(2_000))).allowed).toBe(true);
    expect(await limits.hit(k, 3, MINUTE, at(MINUTE))).toEqual({ allowed: true, retryAfterSeconds: 0 });
  });

  it('never lets more than the limit through when 50 hits arrive at once', async () => {
    const k = key();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limits.hit(k, 10, MINUTE, at(30_000))));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds === 30)).toBe(true);
  });

  it('keeps the counter at the limit and lets DynamoDB expire it after its window', async () => {
    const k = key();
    for (let i = 0; i < 5; i++) await limits.hit(k, 2, MINUTE, at(10_000));
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.rateLimitWindow(k, windowStart.getTime()) }));
    expect(Item?.hits).toBe(2);
    const windowEndSeconds = (windowStart.getTime() + MINUTE) / 1000;
    expect(Item?.expiresAt).toBeGreaterThanOrEqual(windowEndSeconds);
    expect(Item?.expiresAt).toBeLessThanOrEqual(windowEndSeconds + 300);
  });
});
