import { SigningKey } from './signing-key';
import type { Secrets } from './secrets';

/** The request header Launchpad's own probes carry through the tenant router (README "Tenant router and sleep"). */
export const PROBE_PASS_HEADER = 'x-spaceos-probe-pass';
/** The key both ends hold: the probing steps and the router (on AWS a generated secret of the Tenancy stack). */
export const PROBE_KEY_SECRET = 'launchpad/router-probe-key';
/** Where the router on AWS finds the key: a container secret of its task (infra/aws/constructs/tenant-router.ts). */
export const ROUTER_PROBE_KEY_VARIABLE = 'ROUTER_PROBE_KEY';
/** How far a pass's time may be from the router's clock, either way: a captured pass is useless after this. */
export const PROBE_PASS_SECONDS = 120;

/** The host a pass is for: lower case, without port or a trailing dot (as the URL and the Host header name it). */
export const passHostname = (host: string) => host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');

/**
 * A pass for Launchpad's probes (WaitUntilHealthy, SmokeTest, the rollout's checks) to an instance
 * the router holds back from visitors (a signup whose admin has not confirmed the address yet):
 * `<unix seconds>.<HMAC of host and time>`. Bound to one host and a few minutes, so a pass that
 * leaked (a log of headers) opens nothing else and soon nothing at all; checked in constant time.
 */
export class ProbePass {
  private readonly key: SigningKey;

  constructor(secrets: Secrets) {
    this.key = new SigningKey(secrets, PROBE_KEY_SECRET);
  }

  async issue(host: string, now: Date): Promise<string> {
    const seconds = Math.floor(now.getTime() / 1000);
    return `${seconds}.${await this.key.sign(message(host, seconds))}`;
  }

  /** Whether `pass` is one this key issued for `host`, recently. Never throws on what a visitor sent. */
  async verify(pass: string | string[] | undefined, host: string, now: Date): Promise<boolean> {
    if (typeof pass !== 'string' || pass.length > 200) return false;
    const [secondsText, signature, extra] = pass.split('.');
    const seconds = Number(secondsText);
    if (!signature || extra !== undefined || !/^\d{1,12}$/.test(secondsText ?? '')) return false;
    if (Math.abs(now.getTime() / 1000 - seconds) > PROBE_PASS_SECONDS) return false;
    return this.key.verify(message(host, seconds), signature);
  }
}

const message = (host: string, seconds: number) => `probe:${passHostname(host)}:${seconds}`;
