import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { createLogoUploadHandler } from '../../functions/api/logo-upload';
import type { Deps } from '../../functions/deps';
import { Storage } from '../../functions/providers/storage';
import type { Tenant } from '../../shared/tenant';
import { apiEvent, parseBody } from '../support/api-event';

/**
 * s3rver (the embedded default's S3) accepts any presigned POST whatever its policy (or signature) says, so no
 * local upload can show that S3 refuses a wrong key, type or size. What S3 enforces is the policy
 * document signed into the POST: these tests read that document itself. Signing is done locally by
 * @aws-sdk/s3-presigned-post; no request is sent.
 */

const BUCKET = 'launchpad-tenants';
const NOW = new Date('2026-03-01T12:00:00Z');
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

type Condition = Record<string, string> | [string, string | number, string | number];
interface Policy {
  expiration: string;
  conditions: Condition[];
}

function handlerFor(signedIn: string) {
  const storage = new Storage(new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }), BUCKET);
  const presign = vi.spyOn(storage, 'presignedUpload');
  // Test doubles of the session and tenant ports: who is signed in is not what these tests are about.
  const sessions = { siteOrigin: 'https://spaceos.io', read: async () => ({ sessionId: 's', tenantId: signedIn, email: 'admin@acme.example', expiresAt: NOW.getTime() + 3_600_000 }) };
  const tenants = { getTenant: async (tenantId: string) => ({ tenantId, adminEmail: 'admin@acme.example', status: 'ACTIVE' }) as unknown as Tenant };
  const deps = { newId: () => 'c0ffee00-1111-4222-8333-444455556666', now: () => NOW, storage, sessions, tenants } as unknown as Pick<Deps, 'newId' | 'now' | 'sessions' | 'storage' | 'tenants'>;
  const handler = createLogoUploadHandler(deps);
  const ask = (tenantId: string, body: unknown) => handler(apiEvent({ method: 'POST', path: `/api/tenants/${tenantId}/logo-upload`, pathParameters: { id: tenantId }, body }));
  return { ask, presign };
}

async function upload(contentType: string, size = 1000) {
  const { ask } = handlerFor(A);
  const answer = await ask(A, { contentType, size });
  expect(answer.statusCode).toBe(200);
  const body = parseBody(answer) as unknown as { url: string; fields: Record<string, string>; key: string };
  const policy = JSON.parse(Buffer.from(body.fields.Policy ?? '', 'base64').toString('utf8')) as Policy;
  return { ...body, policy };
}

/** The value a condition pins `name` to, whichever of S3's two forms ({name: v} or ["eq", "$name", v]) it uses. */
function pinned(policy: Policy, name: string): unknown[] {
  const values = policy.conditions.flatMap((c) => {
    if (Array.isArray(c)) return c[0] === 'eq' && String(c[1]).toLowerCase() === `$${name}`.toLowerCase() ? [c[2]] : [];
    return Object.entries(c).flatMap(([k, v]) => (k.toLowerCase() === name.toLowerCase() ? [v] : []));
  });
  // The same pin may be written both ways; two different values would show as two.
  return [...new Set(values)];
}

describe('the presigned POST for a logo: the policy S3 enforces', () => {
  it.each(['image/png', 'image/jpeg', 'image/webp'])('pins bucket, the exact key in the tenant upload folder, type %s and at most 512 KB', async (type) => {
    const { policy, fields, key, url } = await upload(type);
    expect(pinned(policy, 'bucket')).toEqual([BUCKET]);
    // An exact key, not a prefix: the browser cannot choose another name, let alone another folder.
    expect(pinned(policy, 'key')).toEqual([`tenants/${A}/${key}`]);
    expect(key).toMatch(/^uploads\/logo-[0-9a-f-]+\.(png|jpg|webp)$/);
    expect(policy.conditions.filter((c) => Array.isArray(c) && c[0] === 'starts-with')).toEqual([]);
    expect(pinned(policy, 'Content-Type')).toEqual([type]);
    expect(policy.conditions.filter((c) => Array.isArray(c) && c[0] === 'content-length-range')).toEqual([['content-length-range', 1, 512 * 1024]]);
    // The form the browser sends carries the same key and type the policy pins.
    expect(fields).toMatchObject({ key: `tenants/${A}/${key}`, 'Content-Type': type, bucket: BUCKET });
    expect(url).toContain(BUCKET);
  });

  it('is signed (SigV4) and expires minutes from now', async () => {
    const { policy, fields } = await upload('image/png');
    expect(fields).toMatchObject({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    expect(fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(fields['X-Amz-Credential']).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(fields['X-Amz-Date']).toMatch(/^\d{8}T\d{6}Z$/);
    // The signed fields are themselves conditions: none can be swapped in the form.
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date']) expect(pinned(policy, name)).toEqual([fields[name]]);
    const minutesLeft = (Date.parse(policy.expiration) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(1);
    expect(minutesLeft).toBeLessThanOrEqual(15);
  });

  it("never signs a key under another tenant's prefix", async () => {
    const { ask, presign } = handlerFor(A);
    // Signed in as A, asking on B's path: refused before anything is signed.
    expect((await ask(B, { contentType: 'image/png', size: 1000 })).statusCode).toBe(403);
    // A key, bucket or prefix in the body is not ours to take: the request schema has no such field.
    const sneaky = await ask(A, { contentType: 'image/png', size: 1000, key: `tenants/${B}/uploads/logo.png`, prefix: `tenants/${B}/`, bucket: 'other' });
    expect(sneaky.statusCode).toBe(200);
    expect(presign).toHaveBeenCalledTimes(1);
    const policy = JSON.parse(Buffer.from(String((parseBody(sneaky).fields as Record<string, string>).Policy), 'base64').toString('utf8')) as Policy;
    expect(pinned(policy, 'key')).toEqual([expect.stringMatching(new RegExp(`^tenants/${A}/uploads/logo-[0-9a-f-]+\\.png$`))]);
    expect(pinned(policy, 'bucket')).toEqual([BUCKET]);
    expect(JSON.stringify(policy)).not.toContain(B);
  });

  it('signs nothing for a type or size outside the policy: 400 with the field named', async () => {
    const { ask, presign } = handlerFor(A);
    const svg = await ask(A, { contentType: 'image/svg+xml', size: 1000 });
    expect(svg.statusCode).toBe(400);
    expect(parseBody(svg).errors).toHaveProperty('contentType');
    const big = await ask(A, { contentType: 'image/png', size: 512 * 1024 + 1 });
    expect(big.statusCode).toBe(400);
    expect(parseBody(big).errors).toHaveProperty('size');
    expect(presign).not.toHaveBeenCalled();
  });
});
