import * as z from 'zod/mini';

/**
 * Names that would collide with our own hosts (spaceos.io, api.spaceos.io, ...) or that a
 * phisher would love to own. Kept in shared/ so the page rejects them before the API does.
 */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'www', 'api', 'app', 'apps', 'admin', 'administrator', 'root', 'mail', 'email', 'smtp', 'imap',
  'pop', 'pop3', 'mx', 'ns', 'ns1', 'ns2', 'dns', 'ftp', 'sftp', 'ssh', 'vpn', 'status', 'auth',
  'login', 'signin', 'signup', 'sso', 'oauth', 'account', 'accounts', 'billing', 'pay', 'payment',
  'payments', 'checkout', 'invoice', 'invoices', 'staging', 'stg', 'stage', 'dev', 'test', 'qa',
  'demo', 'sandbox', 'prod', 'production', 'ops', 'internal', 'intranet', 'static', 'assets',
  'cdn', 'media', 'img', 'images', 'files', 'download', 'downloads', 'help', 'support', 'docs',
  'documentation', 'blog', 'news', 'status-page', 'security', 'abuse', 'postmaster', 'hostmaster',
  'webmaster', 'noreply', 'no-reply', 'launchpad', 'spaceos', 'console', 'dashboard', 'portal',
  'clients', 'client', 'customer', 'customers', 'partners', 'legal', 'terms', 'privacy', 'about',
  'careers', 'jobs', 'shop', 'store', 'community', 'forum', 'events', 'webhooks', 'hooks',
]);

/** Staging instances live at `<sub>-stg`, so no prod name may end with it. */
export const STAGING_SUFFIX = '-stg';
export const SUBDOMAIN_MIN = 3;
export const SUBDOMAIN_MAX = 30;

export const subdomainSchema = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.minLength(SUBDOMAIN_MIN, `Use at least ${SUBDOMAIN_MIN} characters`),
  z.maxLength(SUBDOMAIN_MAX, `Use at most ${SUBDOMAIN_MAX} characters`),
  z.regex(/^[a-z0-9-]*$/, 'Use only lowercase letters, digits and hyphens'),
  z.refine((s) => !s.startsWith('-') && !s.endsWith('-'), 'Cannot start or end with a hyphen'),
  z.refine((s) => !s.includes('--'), 'Cannot contain two hyphens in a row'),
  z.refine((s) => !s.endsWith(STAGING_SUFFIX), `Cannot end with "${STAGING_SUFFIX}" (used for staging)`),
  z.refine((s) => !RESERVED_SUBDOMAINS.has(s), 'This name is reserved'),
);

/** The first rule a name breaks, in words a visitor understands; undefined when it is valid. */
export function subdomainProblem(name: string): string | undefined {
  const result = subdomainSchema.safeParse(name);
  return result.success ? undefined : result.error.issues[0]?.message;
}

/** Lowercase DNS-label form of free text: "Café Nord GmbH" -> "cafe-nord-gmbh". */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SUBDOMAIN_MAX)
    .replace(/-+$/g, '');
}

function fit(base: string, suffix: string): string {
  return `${base.slice(0, SUBDOMAIN_MAX - suffix.length).replace(/-+$/g, '')}${suffix}`;
}

/**
 * Valid names to offer for a company name (or a name someone wanted), best first:
 * the slug itself, then numbered variants. The API picks the first one nobody holds.
 */
export function subdomainCandidates(seed: string, count = 8): string[] {
  let base = slugify(seed);
  if (base.endsWith(STAGING_SUFFIX)) base = base.slice(0, -STAGING_SUFFIX.length);
  if (base.length < SUBDOMAIN_MIN || RESERVED_SUBDOMAINS.has(base)) base = fit(base || 'space', '-hq');
  if (subdomainProblem(base) !== undefined) base = 'workspace';
  const names = [base];
  for (let n = 2; names.length < count; n++) names.push(fit(base, `-${n}`));
  return names.filter((name) => subdomainProblem(name) === undefined);
}
