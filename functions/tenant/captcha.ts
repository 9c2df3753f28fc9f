import * as z from 'zod/mini';
import type { Deps } from '../deps';

/** Cloudflare's server-side check of a Turnstile answer. */
export const TURNSTILE_VERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

const siteverifySchema = z.object({ success: z.boolean(), 'error-codes': z.optional(z.array(z.string())) });

/**
 * Whether the signup form's CAPTCHA answer is a person's, when Turnstile is configured (platform
 * `turnstile`; otherwise every signup passes and the limits alone apply). 'unavailable' when
 * Cloudflare cannot be asked: the signup is refused for now (fail closed), never let through unchecked.
 */
export async function checkCaptcha({ platform, secrets }: Pick<Deps, 'platform' | 'secrets'>, token: string | undefined, remoteIp: string, verifyUrl = TURNSTILE_VERIFY_URL): Promise<'human' | 'refused' | 'unavailable' | 'not-configured'> {
  if (!platform.turnstile) return 'not-configured';
  if (!token) return 'refused';
  const secret = await secrets.get(platform.turnstile.secretName);
  if (!secret) return 'unavailable';
  try {
    const response = await fetch(verifyUrl, {
      method: 'POST',
      body: new URLSearchParams({ secret, response: token, remoteip: remoteIp }),
      signal: AbortSignal.timeout(5000),
    });
    const answer = siteverifySchema.safeParse(await response.json());
    if (!answer.success) return 'unavailable';
    return answer.data.success ? 'human' : 'refused';
  } catch {
    return 'unavailable';
  }
}
