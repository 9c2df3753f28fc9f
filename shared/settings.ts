import * as z from 'zod/mini';
import { plainText, truncateText, withoutForbiddenCharacters } from './plain-text';
import { emailSchema, hexColorSchema } from './signup';

const text = (max: number, label: string) => z.string().check(z.trim(), plainText(label), z.maxLength(max, `${label} must be at most ${max} characters`));
const required = (max: number, label: string) => z.string().check(z.trim(), plainText(label), z.minLength(1, `${label} is required`), z.maxLength(max, `${label} must be at most ${max} characters`));
const httpsUrl = z.string().check(
  z.trim(),
  plainText('A link'),
  z.maxLength(500, 'Links must be at most 500 characters'),
  z.refine((value) => /^https:\/\/[^\s/$.?#][^\s]*$/i.test(value), 'Use a full https:// link'),
);
/** An empty input in the form means "none": stored as absent, not as ''. */
const optionalLink = z.optional(z.union([z.literal(''), httpsUrl]));

export const SOCIAL_NETWORKS = ['linkedin', 'instagram', 'facebook', 'x'] as const;
export type SocialNetwork = (typeof SOCIAL_NETWORKS)[number];

/** Logo uploads: raster formats only (an SVG can carry script), and small enough for a mail header. */
export const LOGO_TYPES = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' } as const;
export type LogoType = keyof typeof LOGO_TYPES;
export const LOGO_MAX_BYTES = 512 * 1024;
/** Where uploaded logos live, relative to the tenant prefix. */
export const LOGO_UPLOAD_DIR = 'uploads/';

/** Languages and time zones the spaceOS app ships translations and calendars for. */
export const LOCALES = ['en-GB', 'en-US', 'de-DE', 'fr-FR', 'nl-NL', 'es-ES', 'it-IT', 'pl-PL'] as const;
const timezoneSchema = z.string().check(
  z.refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
      return false;
    }
  }, 'Choose a time zone such as Europe/Berlin'),
);

export const smtpSenderSchema = z.object({
  kind: z.literal('smtp'),
  host: z.string().check(z.trim(), z.regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i, 'Enter the SMTP server host name, e.g. smtp.example.com')),
  port: z.int('Port must be a number').check(z.minimum(1, 'Port must be between 1 and 65535'), z.maximum(65535, 'Port must be between 1 and 65535')),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean(),
  user: required(200, 'SMTP user'),
  fromAddress: emailSchema,
});
export type SmtpSender = z.infer<typeof smtpSenderSchema>;
export const senderSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('default') }), smtpSenderSchema]);

/**
 * A tenant's runtime settings: what spaceOS reads from its rendered config, changeable at any
 * time from the settings page. Grouped as the page shows them. Secrets (the SMTP password) are
 * never part of it: they go to the secrets port and only their existence shows here.
 */
export const tenantSettingsSchema = z.object({
  branding: z.object({
    appName: required(40, 'App name'),
    primaryColor: hexColorSchema,
    accentColor: hexColorSchema,
    /** Storage key of the logo, relative to the tenant prefix. */
    logo: z.optional(z.string().check(plainText('Logo'))),
  }),
  mail: z.object({
    fromName: required(60, 'Sender name'),
    replyTo: emailSchema,
    footer: z.object({
      text: text(500, 'Footer text'),
      postalAddress: text(300, 'Postal address'),
      socialLinks: z.object({ linkedin: optionalLink, instagram: optionalLink, facebook: optionalLink, x: optionalLink }),
      /** An image shown above every mail (a banner), by https link. */
      headerImage: optionalLink,
    }),
    sender: senderSchema,
  }),
  analytics: z.object({
    googleAnalyticsId: z.optional(z.union([z.literal(''), z.string().check(z.trim(), z.regex(/^G-[A-Z0-9]{4,12}$/, 'A GA4 measurement id looks like G-XXXXXXXXXX'))])),
  }),
  locale: z.object({
    language: z.enum(LOCALES, 'Choose one of the offered languages'),
    timezone: timezoneSchema,
  }),
  integrations: z.object({ googleCalendar: z.boolean(), outlook: z.boolean() }),
});
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;

/** PUT /api/tenants/{id}/settings: the whole settings object, the version it was based on, and a new SMTP password if one was typed. */
export const settingsUpdateSchema = z.object({
  version: z.int('version is required'),
  settings: tenantSettingsSchema,
  smtpPassword: z.optional(z.string().check(z.maxLength(500, 'Password too long'))),
});
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

/** Health of a custom SMTP sender, kept by Launchpad (not editable). */
export const smtpHealthSchema = z.object({
  state: z.enum(['ok', 'failing']),
  checkedAt: z.string(),
  error: z.optional(z.string()),
});
export type SmtpHealth = z.infer<typeof smtpHealthSchema>;

/** GET /api/tenants/{id}/settings, and the 200 of PUT */
export const settingsViewSchema = z.object({
  version: z.int(),
  settings: tenantSettingsSchema,
  /** The address mail is sent from with the default sender. */
  defaultFromAddress: z.string(),
  smtpPasswordSet: z.boolean(),
  smtpHealth: z.optional(smtpHealthSchema),
  /** Where the logo can be seen (undefined: the default logo). */
  logoUrl: z.optional(z.string()),
  /** Only in the answer to a save: stored, but the instance files are rendered a little later. */
  instanceUpdatePending: z.optional(z.boolean()),
  /** The admin's address bounced (SES hard bounce): no mail from us reaches it. When it was reported. */
  adminEmailBouncedAt: z.optional(z.string()),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

export const settingsChangeSchema = z.object({ version: z.int(), at: z.string(), by: z.string(), fields: z.array(z.string()) });
export type SettingsChange = z.infer<typeof settingsChangeSchema>;

/** GET /api/tenants/{id}/settings/history: newest first. */
export const settingsHistorySchema = z.object({ changes: z.array(settingsChangeSchema) });

/** 409 of PUT /api/tenants/{id}/settings: saved meanwhile by someone else; the version to reload. */
export const staleSettingsSchema = z.object({ errors: z.record(z.string(), z.string()), currentVersion: z.int() });

/** POST /api/tenants/{id}/settings/test-smtp: a sign-in to the server, nothing saved. */
export const testSmtpRequestSchema = z.object({ sender: smtpSenderSchema, password: z.optional(z.string()) });
export const testSmtpResultSchema = z.object({ ok: z.literal(true), message: z.string() });
export type TestSmtpResult = z.infer<typeof testSmtpResultSchema>;

/** POST /api/tenants/{id}/settings/test-mail: to whom, and which way it went. */
export const testMailResultSchema = z.object({ sentTo: z.string(), via: z.enum(['smtp', 'ses']) });
export type TestMailResult = z.infer<typeof testMailResultSchema>;

// An enum of the allowed types, not a key lookup in LOGO_TYPES: `toString` or `__proto__` are keys of every object.
const logoTypes = Object.keys(LOGO_TYPES) as [LogoType, ...LogoType[]];

/** POST /api/tenants/{id}/logo-upload */
export const logoUploadRequestSchema = z.object({
  contentType: z.enum(logoTypes, `Upload a ${Object.values(LOGO_TYPES).map((e) => e.toUpperCase()).join(', ')} image`),
  size: z.int().check(z.minimum(1, 'The file is empty'), z.maximum(LOGO_MAX_BYTES, `The logo may be at most ${LOGO_MAX_BYTES / 1024} KB`)),
});
/** Its 200: a presigned POST (url and form fields) and the key to put into the settings once uploaded. */
export const logoUploadSchema = z.object({ url: z.string(), fields: z.record(z.string(), z.string()), key: z.string() });
export type LogoUpload = z.infer<typeof logoUploadSchema>;

/** GET /api/tenants/{id}/branding.json: what a mobile build needs, public. */
export const brandingViewSchema = z.object({
  tenantId: z.string(),
  subdomain: z.string(),
  version: z.int(),
  appName: z.string(),
  // The accent pair is left out of a palette without an accent colour (settings from before it had one).
  colors: z.object({ primary: z.string(), onPrimary: z.string(), primaryDark: z.string(), primarySoft: z.string(), accent: z.optional(z.string()), onAccent: z.optional(z.string()) }),
  logo: z.nullable(z.object({ url: z.string(), path: z.string() })),
  appUrl: z.nullable(z.string()),
});
export type BrandingView = z.infer<typeof brandingViewSchema>;

export const DEFAULT_LOGO = 'assets/logo.svg';
export const DEFAULT_ACCENT = '#f59e0b';

/** Settings a new tenant starts with, derived from the signup. */
export function initialSettings(tenant: { companyName: string; adminEmail: string; primaryColor: string }): TenantSettings {
  // Signups from before the plain-text rule may carry control characters: the rule holds for what is derived.
  const companyName = withoutForbiddenCharacters(tenant.companyName);
  return {
    branding: { appName: truncateText(companyName, 40), primaryColor: tenant.primaryColor, accentColor: DEFAULT_ACCENT, logo: DEFAULT_LOGO },
    mail: {
      fromName: truncateText(companyName, 60),
      replyTo: tenant.adminEmail,
      footer: { text: `${companyName} · powered by spaceOS`, postalAddress: '', socialLinks: {} },
      sender: { kind: 'default' },
    },
    analytics: {},
    locale: { language: 'en-GB', timezone: 'Europe/London' },
    integrations: { googleCalendar: false, outlook: false },
  };
}

/**
 * Migrates settings stored before the settings were grouped (a plain footer string, no app name)
 * to the current shape as they are read, so old tenants keep working without rewriting their items.
 * Text stored before the plain-text rule loses its control characters here, so that reading such a
 * tenant never fails the schema and nothing rendered from it carries them.
 */
export function migrateStoredSettings(stored: unknown): unknown {
  return withoutForbiddenText(groupedSettings(stored));
}

function withoutForbiddenText(value: unknown): unknown {
  if (typeof value === 'string') return withoutForbiddenCharacters(value);
  if (Array.isArray(value)) return value.map(withoutForbiddenText);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, withoutForbiddenText(v)]));
  return value;
}

function groupedSettings(stored: unknown): unknown {
  if (!stored || typeof stored !== 'object') return stored;
  const old = stored as { branding?: Record<string, unknown>; mail?: Record<string, unknown>; analytics?: Record<string, unknown>; locale?: unknown; integrations?: unknown };
  if (typeof old.mail?.footer !== 'string') return stored;
  const fromName = String(old.mail.fromName ?? 'spaceOS');
  return {
    branding: { appName: truncateText(fromName, 40), accentColor: DEFAULT_ACCENT, ...old.branding },
    mail: { fromName, replyTo: old.mail.replyTo, footer: { text: old.mail.footer, postalAddress: '', socialLinks: {} }, sender: { kind: 'default' } },
    analytics: old.analytics ?? {},
    locale: old.locale ?? { language: 'en-GB', timezone: 'Europe/London' },
    integrations: old.integrations ?? { googleCalendar: false, outlook: false },
  };
}

/**
 * The optional fields an empty form input leaves as '' stored as absent instead, so "none" has
 * one representation (required text fields keep their '').
 */
export function withoutBlankOptionals(settings: TenantSettings): TenantSettings {
  const present = <T extends Record<string, unknown>>(object: T): T => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== '' && v !== undefined)) as T;
  const { headerImage, ...footer } = settings.mail.footer;
  return {
    ...settings,
    mail: { ...settings.mail, footer: { ...footer, socialLinks: present(footer.socialLinks), ...(headerImage ? { headerImage } : {}) } },
    analytics: present(settings.analytics),
  };
}

/** The dotted paths whose values differ between two settings objects (what the history shows). */
export function changedFields(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  const empty = (v: unknown) => v === undefined || v === '';
  if (empty(before) && empty(after)) return [];
  return before === after ? [] : [path];
}

/** The tenant's address on the mail domain (`<subdomain>@<mailDomain>`): what mail is sent from with the default sender; custom SMTP sends as its own `from` instead. */
export const defaultFromAddress = (subdomain: string, mailDomain: string) => `${subdomain}@${mailDomain}`;

/** The lines of the mail footer, in order (text, postal address). */
export const footerLines = (settings: TenantSettings) => [settings.mail.footer.text, settings.mail.footer.postalAddress].filter((line) => line.trim() !== '');

export const socialLinksOf = (settings: TenantSettings) =>
  SOCIAL_NETWORKS.flatMap((network) => {
    const href = settings.mail.footer.socialLinks[network];
    return href ? [{ network, href }] : [];
  });

export const SOCIAL_LABELS: Record<SocialNetwork, string> = { linkedin: 'LinkedIn', instagram: 'Instagram', facebook: 'Facebook', x: 'X' };
