import { describe, expect, it } from 'vitest';
import { contrastWarnings } from '../../shared/palette';
import { changedFields, initialSettings, settingsUpdateSchema, tenantSettingsSchema, withoutBlankOptionals } from '../../shared/settings';
import { fieldErrors } from '../../shared/signup';
import { tenantSchema } from '../../shared/tenant';

const signup = { companyName: 'Acme', adminEmail: 'anna@acme.com', primaryColor: '#ff5500' };

describe('tenant settings schema', () => {
  it('accepts what signup starts a tenant with', () => {
    expect(tenantSettingsSchema.safeParse(initialSettings(signup)).success).toBe(true);
  });

  it('reads settings stored before they were grouped, keeping what the tenant had', () => {
    const stored = { branding: { primaryColor: '#ff5500', logo: 'assets/logo.svg' }, mail: { fromAddress: 'acme@clients.spaceos.io', fromName: 'Acme', replyTo: 'anna@acme.com', footer: 'Acme · powered by spaceOS' }, analytics: {} };
    const tenant = tenantSchema.parse({ tenantId: 't', subdomain: 'acme', companyName: 'Acme', adminName: 'A', adminEmail: 'anna@acme.com', primaryColor: '#ff5500', plan: 'trial', status: 'ACTIVE', createdAt: '', updatedAt: '', steps: {}, urls: {}, version: 1, settings: stored });
    expect(tenant.settings).toMatchObject({ branding: { appName: 'Acme', primaryColor: '#ff5500' }, mail: { footer: { text: 'Acme · powered by spaceOS', postalAddress: '' }, sender: { kind: 'default' } } });
  });

  it('requires a password-free SMTP sender with a real host and port', () => {
    const smtp = (sender: Record<string, unknown>) => tenantSettingsSchema.safeParse({ ...initialSettings(signup), mail: { ...initialSettings(signup).mail, sender: { kind: 'smtp', host: 'smtp.acme.com', port: 587, secure: false, user: 'u', fromAddress: 'hi@acme.com', ...sender } } });
    expect(smtp({}).success).toBe(true);
    expect(smtp({ port: 70000 }).success).toBe(false);
    expect(smtp({ host: 'smtp acme' }).success).toBe(false);
    // A password in the settings object is dropped: it only ever travels as smtpPassword.
    expect(smtp({ password: 'x' }).data?.mail.sender).not.toHaveProperty('password');
  });

  it.each([
    ['branding.appName', 'Acme\u0000', /App name can't contain invisible or control characters \(U\+0000\)/],
    ['mail.fromName', 'Acme\r\nBcc: victim@example.com', /Sender name must be on one line/],
    ['mail.footer.text', 'Acme\u202Emoc.evil', /Footer text can't contain characters that change the text direction/],
    ['mail.footer.postalAddress', 'Main St 1\u2028Berlin', /Postal address must be on one line/],
    ['mail.footer.socialLinks.linkedin', 'https://linkedin.com/acme\u0000', /U\+0000/],
    ['mail.footer.headerImage', 'https://acme.com/banner\u200B.png', /U\+200B/],
    ['mail.sender.user', 'mailer\u0000admin', /SMTP user can't contain/],
  ])('refuses %s = %j with an error on that field', (path, value, message) => {
    const settings = structuredClone(initialSettings(signup)) as Record<string, unknown>;
    if (path === 'mail.sender.user') (settings.mail as Record<string, unknown>).sender = { kind: 'smtp', host: 'smtp.acme.com', port: 587, secure: false, user: 'u', fromAddress: 'hi@acme.com' };
    const keys = path.split('.');
    let at = settings;
    for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[keys.at(-1)!] = value;
    const result = settingsUpdateSchema.safeParse({ version: 1, settings });
    expect(result.success).toBe(false);
    const errors = fieldErrors(result.error!);
    expect(Object.keys(errors)).toEqual([`settings.${path}`]);
    expect(errors[`settings.${path}`]).toMatch(message);
  });

  it('accepts accents, other scripts and emoji in every text', () => {
    const base = initialSettings(signup);
    const typed = { ...base, branding: { ...base.branding, appName: 'Café Zürich 🚀' }, mail: { ...base.mail, fromName: 'Łódź · 東京 · مساحة', footer: { ...base.mail.footer, text: 'Made with ❤️ by 👩\u200D💻', postalAddress: 'Straße 1, 10115 Berlin' } } };
    expect(tenantSettingsSchema.parse(typed)).toEqual(typed);
  });

  it('reads a tenant whose stored settings predate the rule, without the control characters', () => {
    const stored = { ...initialSettings(signup), mail: { ...initialSettings(signup).mail, fromName: 'Acme\u0000 Spaces', footer: { text: 'Acme\r\nSpaces', postalAddress: '', socialLinks: {} } } };
    const tenant = tenantSchema.parse({ tenantId: 't', subdomain: 'acme', companyName: 'Acme\u0000', adminName: 'A', adminEmail: 'anna@acme.com', primaryColor: '#ff5500', plan: 'trial', status: 'FAILED', createdAt: '', updatedAt: '', steps: {}, urls: {}, version: 1, settings: stored });
    expect(tenant.settings?.mail.fromName).toBe('Acme Spaces');
    expect(tenant.settings?.mail.footer.text).toBe('Acme  Spaces');
    // And settings derived from such a signup obey the rule too.
    expect(tenantSettingsSchema.safeParse(initialSettings({ ...signup, companyName: 'Acme\u0000 Spaces' })).success).toBe(true);
  });

  it('names only the fields that changed, treating an empty input as none', () => {
    const before = initialSettings(signup);
    const after = withoutBlankOptionals({ ...before, branding: { ...before.branding, accentColor: '#000000' }, analytics: { googleAnalyticsId: '' }, mail: { ...before.mail, footer: { ...before.mail.footer, socialLinks: { x: '' } } } });
    expect(changedFields(before, after)).toEqual(['branding.accentColor']);
    expect(after.analytics).toEqual({});
  });
});

describe('contrast warnings', () => {
  it('warns below WCAG AA and stays quiet for a readable palette', () => {
    expect(contrastWarnings({ primaryColor: '#1e3a8a', accentColor: '#f59e0b' })).toEqual([]);
    expect(contrastWarnings({ primaryColor: '#f5f5f5', accentColor: '#f59e0b' }).join(' ')).toMatch(/primary colour on white reaches only 1\.1:1/);
    expect(contrastWarnings({ primaryColor: '#1e3a8a', accentColor: '#808080' }).join(' ')).toMatch(/accent colour reaches only/);
  });
});
