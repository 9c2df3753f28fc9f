/** The load balancer's health check of the router: its Host is the task's IP, never an instance host. */
export const ROUTER_HEALTH_PATH = '/_router/health';

/** The domain instance hosts live under, from the deployment's URL template: https://{host}.spaceos.io -> spaceos.io. */
export function instanceDomain(instanceUrlTemplate: string): string {
  const hostname = new URL(instanceUrlTemplate.replace('{host}', 'x')).hostname;
  return hostname.slice(hostname.indexOf('.') + 1);
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The instance label a Host header asks for (`acme`, `acme-stg`), or undefined when it is not one
 * label directly under the instance domain. The port is ignored; case is not significant in DNS.
 */
export function hostLabel(hostHeader: string | undefined, domain: string): string | undefined {
  if (!hostHeader) return undefined;
  const hostname = hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${domain}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const label = hostname.slice(0, -suffix.length);
  return LABEL.test(label) ? label : undefined;
}
