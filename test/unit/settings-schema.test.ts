import { describe, expect, it } from 'vitest';
import { contrastWarnings } from '../../shared/palette';
import { changedFields, initialSettings, tenantSettingsSchema, withoutBlankOptionals } from '../../shared/settings';
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
