import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secrets } from './secrets';

/**
 * An HMAC key kept in the secrets port, created on first use. Every Launchpad signature (admin
 * links, sessions, OAuth state) has its own key, so one leaking does not forge the others.
 */
export class SigningKey {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly secrets: Secrets,
    readonly secretName: string,
  ) {}

  private load(): Promise<Buffer> {
    this.key ??= (async () => {
      let value = await this.secrets.get(this.secretName);
      if (!value) {
        value = randomBytes(32).toString('base64url');
        await this.secrets.put(this.secretName, value);
      }
      return Buffer.from(value);
    })().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  async sign(message: string): Promise<string> {
    return createHmac('sha256', await this.load()).update(message).digest('base64url');
  }

  /** Constant-time check of a signature made by `sign`. */
  async verify(message: string, signature: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(message));
    const actual = Buffer.from(signature);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

/** `<base64url JSON>.<signature>`: a small signed payload for cookies and OAuth state. */
export async function sealPayload(key: SigningKey, payload: object): Promise<string> {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${await key.sign(body)}`;
}

export async function openPayload(key: SigningKey, sealed: string | undefined): Promise<unknown> {
  const [body, signature, extra] = (sealed ?? '').split('.');
  if (!body || !signature || extra !== undefined || !(await key.verify(body, signature))) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
