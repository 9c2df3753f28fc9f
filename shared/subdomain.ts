import * as z from 'zod/mini';

/**
 * Names a tenant may never hold. Every instance host is answered by the one wildcard `*.<domain>`,
 * so any name without a record of its own in the zone (those are refused by the zone check,
 * `functions/tenant/zone.ts`) would reach a tenant's instance, certificate included: these lists
 * keep the names clients look up on their own, the company's services and phishing bait off it.
 * Kept in shared/ so the page rejects them before the API does.
 *
 * Hand-kept, with sources: the npm list looked at (`reserved-subdomains`, MIT) mixes in hundreds of
 * brand names, misses mta-sts, wpad and isatap, and matches its numbered patterns anywhere in a name
 * (`room101` refused for `m1`). Labels starting with `_` (`_dmarc`, `_domainkey`, `_mta-sts`,
 * `_acme-challenge`, SRV names) need no entry: the character rule refuses them.
 */
const RESERVED_GROUPS = {
  /**
   * Looked up by mail clients and servers under the company's own domain: Microsoft Autodiscover and
   * Microsoft 365's DNS records (lyncdiscover, sip, enterpriseregistration/-enrollment, msoid),
   * Thunderbird autoconfig, the MTA-STS policy host (RFC 8461), the OpenPGP Web Key Directory
   * (openpgpkey), the usual mail hosts and a bounce (custom MAIL FROM) domain.
   */
  mail: [
    'autodiscover', 'autoconfig', 'mta-sts', 'openpgpkey', 'lyncdiscover', 'sip', 'enterpriseregistration',
    'enterpriseenrollment', 'msoid', 'mail', 'email', 'e-mail', 'webmail', 'smtp', 'smtps', 'submission', 'imap', 'imaps',
    'pop', 'pop3', 'pop3s', 'mx', 'mailhost', 'mailserver', 'mailer', 'relay', 'owa', 'exchange', 'outlook', 'bounce',
    'bounces', 'lists', 'mailman', 'xmpp', 'jabber',
  ],
  /** RFC 2142 role mailboxes (postmaster@, abuse@, ...): a host of that name reads as the company's own. */
  mailboxes: ['postmaster', 'hostmaster', 'webmaster', 'abuse', 'security', 'noc', 'usenet', 'news', 'uucp', 'noreply', 'no-reply'],
  /**
   * Discovered by clients or meaning the machine itself: WPAD (proxy auto-configuration: a host named
   * wpad is asked for the proxy of everything), ISATAP (RFC 5214), localhost and friends (RFC 6761
   * 6.3: `localhost.<domain>` is expected to be loopback; cookies and same-site rules trust it).
   */
  network: [
    'wpad', 'isatap', 'proxy', 'socks', 'localhost', 'localdomain', 'loopback', 'broadcasthost', 'gateway', 'gw', 'router',
    'firewall', 'vpn', 'remote', 'rdp', 'citrix', 'ntp', 'ldap', 'ldaps', 'kerberos', 'radius', 'dhcp', 'tftp',
    'ns', 'dns', 'nameserver', 'whois', 'ocsp', 'crl', 'pki', 'sts', 'adfs', 'sso', 'idp', 'saml',
  ],
  /** Web and file hosts a company zone usually has, and the names cPanel proxies to its own services. */
  web: [
    'cpanel', 'whm', 'webdisk', 'cpcalendars', 'cpcontacts', 'www', 'web', 'ftp', 'ftps', 'sftp', 'ssh', 'git', 'svn', 'cdn',
    'static', 'assets', 'media', 'img', 'images', 'files', 'cache', 'download', 'downloads', 'upload', 'uploads',
  ],
  /** spaceOS's and Launchpad's own names, today's and likely ones. */
  ours: [
    'api', 'app', 'apps', 'admin', 'administrator', 'root', 'status', 'auth', 'login', 'signin', 'signup', 'oauth',
    'account', 'accounts', 'billing', 'pay', 'payment', 'payments', 'checkout', 'invoice', 'invoices', 'staging', 'stg',
    'stage', 'dev', 'test', 'qa', 'demo', 'sandbox', 'prod', 'production', 'preview', 'ops', 'internal', 'intranet',
    'extranet', 'help', 'support', 'docs', 'documentation', 'blog', 'status-page', 'launchpad', 'spaceos', 'console',
    'dashboard', 'portal', 'clients', 'client', 'customer', 'customers', 'partners', 'legal', 'terms', 'privacy',
    'about', 'careers', 'jobs', 'shop', 'store', 'community', 'forum', 'events', 'webhooks', 'hooks', 'mobile',
  ],
} as const;

export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set(Object.values(RESERVED_GROUPS).flat());

/**
 * Numbered hosts (ns1, mx2, www3, smtp1, em1234 and url1234 of mail link branding): the whole name
 * is the word and digits, so `team42` and `room101` stay free.
 */
const RESERVED_NUMBERED = /^(?:ns|dns|mx|mail|smtp|imap|pop|www|ww|web|ftp|vpn|cdn|static|api|proxy|gw|lb|db|dc|srv|server|host|em|url)\d+$/;

/** May no tenant hold this (lower-case) name? */
export function isReservedSubdomain(name: string): boolean {
  return RESERVED_SUBDOMAINS.has(name) || RESERVED_NUMBERED.test(name);
}

/** Staging instances live at `<sub>-stg`, so no prod name may end with it. */
export const STAGING_SUFFIX = '-stg';
export const SUBDOMAIN_MIN = 3;
export const SUBDOMAIN_MAX = 30;

export const subdomainSchema = z.string('Choose a subdomain').check(
  z.trim(),
  z.toLowerCase(),
  z.minLength(SUBDOMAIN_MIN, `Use at least ${SUBDOMAIN_MIN} characters`),
  z.maxLength(SUBDOMAIN_MAX, `Use at most ${SUBDOMAIN_MAX} characters`),
  z.regex(/^[a-z0-9-]*$/, 'Use only lowercase letters, digits and hyphens'),
  z.refine((s) => !s.startsWith('-') && !s.endsWith('-'), 'Cannot start or end with a hyphen'),
  z.refine((s) => !s.includes('--'), 'Cannot contain two hyphens in a row'),
  z.refine((s) => !s.endsWith(STAGING_SUFFIX), `Cannot end with "${STAGING_SUFFIX}" (used for staging)`),
  z.refine((s) => !isReservedSubdomain(s), 'This name is reserved'),
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
  if (base.length < SUBDOMAIN_MIN || isReservedSubdomain(base)) base = fit(base || 'space', '-hq');
  if (subdomainProblem(base) !== undefined) base = 'workspace';
  const names = [base];
  for (let n = 2; names.length < count; n++) names.push(fit(base, `-${n}`));
  return names.filter((name) => subdomainProblem(name) === undefined);
}
