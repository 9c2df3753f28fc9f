/**
 * The tenant stand-in app: plays spaceOS's side of the contract on the embedded default.
 * Like the real image it gets only pointers in its environment, reads its config and theme from
 * storage at runtime (so settings changes apply without a redeploy), and uses its own database.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { parse } from 'yaml';
import { escapeHtml as escape } from '../../../shared/html';
import type { InstanceConfig } from '../../../shared/instance-config';
import { ASSIGN_PATH, assignmentSchema, INSTANCE_ID_ENV, type Assignment } from '../../../shared/pool';
import { SOCIAL_LABELS, type SocialNetwork } from '../../../shared/settings';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/** The spaceOS version this instance runs (the image tag in ECS; a pool instance is told at assignment). */
let version = process.env.APP_VERSION ?? '1';
// Local rehearsal of a bad release: such a version never comes up (see LocalCompute.deploy).
if (version.includes('broken')) {
  console.error(`version ${version} fails to start`);
  process.exit(1);
}

/**
 * Who this instance serves: from its environment (a tenant's own task), or told once by Launchpad
 * (a warm-pool instance, started unassigned with SPACEOS_POOL_KEY; shared/pool.ts).
 */
interface Identity {
  tenantId: string;
  env: string;
  configKey: string;
  themeKey: string;
  /** Where the tenant's database is; the pool is opened at first use, sized as the rendered config says. */
  connection: pg.PoolConfig;
  pool?: pg.Pool;
  s3: S3Client;
}

function s3Client(credentials?: Assignment['credentials']): S3Client {
  return new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(process.env.S3_ENDPOINT ? { endpoint: process.env.S3_ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } : {}),
    // On AWS a pool instance reads with the short-lived credentials of its tenant, never with a role of its own.
    ...(credentials && !process.env.S3_ENDPOINT ? { credentials: { ...credentials, expiration: new Date(credentials.expiration) } } : {}),
  });
}

const POOL_KEY = process.env.SPACEOS_POOL_KEY;

/** This pool instance's id (shared/pool.ts): set by Launchpad, else the ECS task id from the task metadata endpoint. */
async function ownInstanceId(): Promise<string | undefined> {
  if (process.env[INSTANCE_ID_ENV]) return process.env[INSTANCE_ID_ENV];
  const metadata = process.env.ECS_CONTAINER_METADATA_URI_V4;
  if (!metadata) return undefined;
  const { TaskARN } = (await (await fetch(`${metadata}/task`)).json()) as { TaskARN?: string };
  return TaskARN?.slice(TaskARN.lastIndexOf('/') + 1);
}
const instanceId = POOL_KEY ? ownInstanceId() : Promise.resolve(undefined);
// Without an id the instance never reads as ready, and Launchpad discards it after its start timeout.
instanceId.catch((error: unknown) => console.error(`no instance id: ${String(error)}`));
let identity: Identity | undefined = POOL_KEY
  ? undefined
  : {
      tenantId: env('TENANT_ID'),
      env: env('SPACEOS_ENV'),
      configKey: env('CONFIG_KEY'),
      themeKey: env('THEME_KEY'),
      s3: s3Client(),
      connection: {
        host: env('DATABASE_HOST'),
        port: Number(env('DATABASE_PORT')),
        database: env('DATABASE_NAME'),
        user: env('DATABASE_USER'),
        password: env('DATABASE_PASSWORD'),
      },
    };
const own = (): Identity => {
  if (!identity) throw new Error('This instance has no tenant yet');
  return identity;
};

const CACHE_MS = 2000;
const cache = new Map<string, { at: number; text: string }>();
async function readObject(key: string): Promise<string> {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.text;
  const { Body } = await own().s3.send(new GetObjectCommand({ Bucket: env('CONFIG_BUCKET'), Key: key }));
  const text = (await Body?.transformToString('utf8')) ?? '';
  cache.set(key, { at: Date.now(), text });
  return text;
}
const config = async () => parse(await readObject(own().configKey)) as InstanceConfig;

/** The tenant's pool at the size its config states (database.pool_size): its role's connection limit is sized for that. */
async function db(): Promise<pg.Pool> {
  const me = own();
  if (!me.pool) {
    // A config rendered before it stated the size: the 2 instances always used.
    const max = (await config()).database.pool_size as number | undefined ?? 2;
    me.pool ??= new pg.Pool({ ...me.connection, max });
  }
  return me.pool;
}


async function readBytes(key: string): Promise<{ bytes: Uint8Array; type: string }> {
  const { Body, ContentType } = await own().s3.send(new GetObjectCommand({ Bucket: env('CONFIG_BUCKET'), Key: key }));
  return { bytes: (await Body?.transformToByteArray()) ?? new Uint8Array(), type: ContentType ?? 'application/octet-stream' };
}

/** GA4's tag, only when the tenant set a measurement id (validated as G-XXXX by Launchpad). */
const analyticsTag = (id: string | null) =>
  id ? `<script async src="https://www.googletagmanager.com/gtag/js?id=${escape(id)}"></script><script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','${escape(id)}');</script>` : '';

async function homePage(): Promise<string> {
  const cfg = await config();
  const { rows } = await (await db()).query<{ name: string; capacity: number; location: string }>(
    'SELECT r.name, r.capacity, l.name AS location FROM rooms r JOIN locations l ON l.id = r.location_id ORDER BY r.capacity',
  );
  const staging = cfg.tenant.environment === 'staging';
  const footer = [...cfg.mail.footer.lines.map(escape), ...Object.entries(cfg.mail.footer.social).map(([network, href]) => `<a href="${escape(href)}">${escape(SOCIAL_LABELS[network as SocialNetwork] ?? network)}</a>`)];
  const today = new Intl.DateTimeFormat(cfg.locale.language, { dateStyle: 'full', timeZone: cfg.locale.timezone }).format(new Date());
  return `<!doctype html><html lang="${escape(cfg.locale.language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(cfg.branding.app_name)} · ${escape(cfg.tenant.name)}</title><link rel="stylesheet" href="/theme.css?v=${cfg.settings_version}">${analyticsTag(cfg.analytics.google_analytics_id)}
<style>body{margin:0;font-family:system-ui,sans-serif;background:var(--brand-primary-soft)}header{background:var(--brand-primary);color:var(--brand-on-primary);padding:1.25rem 2rem;display:flex;gap:1rem;align-items:center}header h1{flex:1;margin:0}
header img{height:40px;border-radius:6px;background:#fff}main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem}li{padding:.5rem 0;border-bottom:1px solid #eee;display:flex;justify-content:space-between}
.book{background:var(--brand-accent,var(--brand-primary));color:var(--brand-on-accent,var(--brand-on-primary));border:0;border-radius:6px;padding:.35rem .75rem}.badge{background:#fde68a;color:#92400e;border-radius:999px;padding:.2rem .6rem;font-size:.8rem}footer{color:#555;font-size:.85rem}</style></head>
<body><header>${cfg.branding.logo ? `<img id="logo" src="/logo?v=${cfg.settings_version}" alt="">` : ''}<h1 id="company">${escape(cfg.branding.app_name)}</h1>${staging ? '<span class="badge">Staging</span>' : ''}</header>
<main><p id="today">${escape(today)}</p><h2>Rooms</h2><ul id="rooms">${rows
    .map((r) => `<li><span>${escape(r.name)} · ${r.capacity} ${r.capacity === 1 ? 'person' : 'people'} · ${escape(r.location)}</span><button class="book">Book</button></li>`)
    .join('')}</ul><footer id="footer">${footer.join('<br>')}</footer></main></body></html>`;
}

/** Where Launchpad's shared OAuth redirect forwards a calendar consent: the real app exchanges the code here. */
function oauthDone(url: URL): string {
  const ok = url.searchParams.has('code');
  return `<!doctype html><title>Calendar</title><h1>${ok ? 'Calendar connected' : 'Calendar not connected'}</h1><p>${ok ? 'The authorisation code arrived; spaceOS exchanges it using' : 'The provider answered'} ${escape(url.searchParams.get('error') ?? url.searchParams.get('redirect_uri') ?? '')}</p>`;
}

/** Who this instance is, as the tenant router names it in X-SpaceOS-Route (the instance contract); none while unassigned. */
const ownRoute = () => (identity ? `${identity.tenantId}/${identity.env}` : undefined);

/** Taken by the first assignment that arrives: a second one, even while the first connects, is refused. */
let assigning: Promise<Identity> | undefined;
let assignedAs: Assignment | undefined;

/**
 * POST /_spaceos/assign: Launchpad names the tenant once (bearer token: the pool key). The same
 * assignment again answers as before (a retried step); another tenant's is refused with 409.
 * Answers 200 only once the tenant's database and config are reachable: it serves at once.
 */
async function assign(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const token = Buffer.from(String(req.headers.authorization ?? ''));
  const expected = Buffer.from(`Bearer ${POOL_KEY ?? ''}`);
  if (!POOL_KEY || token.length !== expected.length || !timingSafeEqual(token, expected)) return reply(401, { error: 'Not authorised to assign this instance' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) return reply(413, { error: 'Assignment too large' });
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return reply(400, { error: 'Assignment is not JSON' });
  }
  const parsed = assignmentSchema.safeParse(body);
  if (!parsed.success) return reply(400, { error: 'Invalid assignment', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  const wanted = parsed.data;
  // Meant for the task that had this address before: refused, whoever holds the key.
  if (wanted.instanceId !== (await instanceId)) return reply(409, { error: 'This assignment is for another instance' });
  if (assignedAs && (assignedAs.tenantId !== wanted.tenantId || assignedAs.env !== wanted.env)) return reply(409, { error: 'This instance serves another tenant' });
  if (!assigning) {
    assignedAs = wanted;
    assigning = (async () => {
      const next: Identity = {
        tenantId: wanted.tenantId,
        env: wanted.env,
        configKey: wanted.configKey,
        themeKey: wanted.themeKey,
        s3: s3Client(wanted.credentials),
        connection: wanted.database,
      };
      // Reached before serving (the pool itself opens on first use, sized by the config).
      const probe = new pg.Client(wanted.database);
      try {
        await probe.connect();
        await probe.query('SELECT 1');
      } finally {
        await probe.end().catch(() => undefined);
      }
      identity = next;
      version = wanted.version;
      await config();
      return next;
    })();
  }
  try {
    const ready = await assigning;
    reply(200, { tenant: ready.tenantId, environment: ready.env, version });
  } catch (error) {
    // Not serving: Launchpad discards an instance whose assignment failed (never back to the pool).
    console.error(`assignment failed: ${error instanceof Error ? error.message : String(error)}`);
    reply(503, { error: 'Could not reach the tenant\'s database or config' });
  }
}

const server = createServer((req, res) => {
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(body);
  };
  if (req.method === 'POST' && req.url === ASSIGN_PATH) return void assign(req, res).catch(() => send(500, 'text/plain', 'Assignment failed'));
  // A request the router meant for another instance (this task has an address that was another's,
  // or it serves nobody yet): 421, and nothing else.
  const route = req.headers['x-spaceos-route'];
  const self = ownRoute();
  if (route !== undefined && route !== self) {
    res.writeHead(421, { 'content-type': 'text/plain', ...(self ? { 'x-spaceos-route': self } : {}) });
    return void res.end('Misdirected request');
  }
  // Unassigned: answers only its own health check (the pool's readiness), nothing of any tenant.
  if (!identity) {
    if (req.url !== '/health') return send(404, 'application/json', JSON.stringify({ status: 'unassigned' }));
    return void instanceId.then(
      (instance) => send(200, 'application/json', JSON.stringify({ status: 'unassigned', instance, version })),
      () => send(503, 'application/json', JSON.stringify({ status: 'unavailable' })),
    );
  }
  const url = new URL(req.url ?? '/', 'http://instance');
  const path = url.pathname;
  const work =
    path === '/health'
      ? Promise.all([db().then((pool) => pool.query('SELECT 1')), config()]).then(([, cfg]) => send(200, 'application/json', JSON.stringify({ status: 'ok', tenant: cfg.tenant.id, environment: cfg.tenant.environment, version })))
      : path === '/theme.css'
        ? readObject(own().themeKey).then((css) => send(200, 'text/css; charset=utf-8', css))
        : path === '/'
          ? homePage().then((html) => send(200, 'text/html; charset=utf-8', html))
          : path === '/logo'
            ? config().then(async (cfg) => {
                if (!cfg.branding.logo) return send(404, 'text/plain', 'No logo');
                const { bytes, type } = await readBytes(cfg.branding.logo);
                res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
                res.end(bytes);
              })
            : /^\/oauth\/(google|microsoft)\/callback$/.test(path)
              ? Promise.resolve(send(200, 'text/html; charset=utf-8', oauthDone(url)))
              : Promise.resolve(send(404, 'text/plain', 'Not found'));
  work.catch((error: unknown) => {
    console.error(`${req.method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    send(503, 'application/json', JSON.stringify({ status: 'unavailable' }));
  });
});

server.listen(Number(env('PORT')), '127.0.0.1');
const stop = () => server.close(() => void (identity?.pool?.end() ?? Promise.resolve()).then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
