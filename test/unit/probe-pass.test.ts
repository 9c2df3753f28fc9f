import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../functions/lambda/probe';
import { PROBE_KEY_SECRET, PROBE_PASS_HEADER, ProbePass } from '../../functions/providers/probe-pass';
import type { Secrets } from '../../functions/providers/secrets';

/** The probing steps' Lambdas (the AWS path): each probe carries a pass signed with the key in Secrets Manager. */

const KEY = 'k'.repeat(48);
const secretsManager = mockClient(SecretsManagerClient);
const holding = (value: string): Secrets => ({ get: async (name) => (name === PROBE_KEY_SECRET ? value : undefined), put: async () => undefined, delete: async () => undefined });
let instance: Server;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  secretsManager.on(GetSecretValueCommand, { SecretId: PROBE_KEY_SECRET }).resolves({ SecretString: KEY });
  instance = createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((r) => instance.listen(0, '127.0.0.1', () => r()));
});
afterAll(() => {
  instance.close();
  secretsManager.restore();
});

describe('the probe pass', () => {
  it("is sent by the steps' probe, signed with the key in Secrets Manager for that host: the router's key accepts it, for that host only", async () => {
    const host = `acme.localhost:${(instance.address() as AddressInfo).port}`;
    expect(await probe()(`http://${host}/health`)).toEqual({ status: 200, body: 'ok' });
    const pass = seen.at(-1)![PROBE_PASS_HEADER];
    const router = new ProbePass(holding(KEY));
    expect(await router.verify(pass, host, new Date())).toBe(true);
    expect(await router.verify(pass, `other.localhost:${(instance.address() as AddressInfo).port}`, new Date())).toBe(false);
    expect(await new ProbePass(holding('another key')).verify(pass, host, new Date())).toBe(false);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([PROBE_KEY_SECRET]);
  });

  it('refuses what a visitor may send instead of a pass, without throwing', async () => {
    const router = new ProbePass(holding(KEY));
    for (const sent of [undefined, ['a', 'b'], '', '.', '1.', 'x'.repeat(500), '99999999999999.abc', `${Math.floor(Date.now() / 1000)}.`]) {
      expect(await router.verify(sent, 'acme.spaceos.io', new Date()), String(sent)).toBe(false);
    }
  });
});
