import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isTransient, forStateMachine, TransientError } from '../../functions/steps/errors';
import { MAIL_CONTENT_PLACEHOLDER, mailLayoutTemplate, opsAlertEmail, welcomeEmail } from '../../shared/emails';
import { decodeEntities } from '../../shared/html';
import { databaseName, instanceHost, instanceUrl } from '../../shared/instance';
import { instanceConfig, renderConfigYaml } from '../../shared/instance-config';
import { progressOf, progressPercent, PROVISIONING_STEPS, secondsLeft } from '../../shared/provisioning';
import { initialSettings, tenantSettingsSchema } from '../../shared/settings';
import { renderThemeCss } from '../../shared/theme';
import { STEP_CATALOGUE } from '../../shared/step-catalogue';

const tenant = { tenantId: 't-1', subdomain: 'acme-hq', companyName: 'Acme & Co', adminEmail: 'anna@acme.com', primaryColor: '#ff5500', plan: 'trial' };
const settings = initialSettings(tenant);
const brand = { settings };

describe('instance configuration', () => {
  it('names hosts, URLs and databases per environment', () => {
    expect(instanceHost('acme-hq', 'stg')).toBe('acme-hq-stg');
    expect(instanceUrl('https://{host}.spaceos.io', 'acme-hq', 'prod')).toBe('https://acme-hq.spaceos.io');
    expect(databaseName('acme-hq', 'stg')).toBe('t_acme_hq_stg');
  });

  it('renders config.yml with pointers to secrets, never the secrets themselves', () => {
    const config = instanceConfig({ tenant, settings, settingsVersion: 3, env: 'stg', urlTemplate: 'https://{host}.spaceos.io', bucket: 'b', database: { host: 'db', port: 5432, secretName: 'launchpad/tenants/t-1/stg/database' }, mail: { transport: 'ses', from: 'acme-hq@clients.spaceos.io' }, oauthStartUrl: (p) => `https://spaceos.io/api/oauth/${p}/start` });
    const yaml = renderConfigYaml(config);
    expect(parse(yaml)).toEqual(config);
    expect(config).toMatchObject({
      tenant: { name: 'Acme & Co', environment: 'staging' },
      app: { url: 'https://acme-hq-stg.spaceos.io' },
      database: { name: 't_acme_hq_stg', user: 't_acme_hq_stg', password_secret: 'launchpad/tenants/t-1/stg/database' },
      mail: { from: 'acme-hq@clients.spaceos.io', reply_to: 'anna@acme.com' },
      settings_version: 3,
      branding: { app_name: 'Acme & Co', primary_color: '#ff5500', accent_color: '#f59e0b', theme_css: 'tenants/t-1/theme.css' },
      integrations: { google_calendar: { enabled: false, connect_url: null } },
    });
    expect(yaml).not.toMatch(/password:/);
  });

  it('turns the brand colours into CSS custom properties with readable text on them', () => {
    const css = renderThemeCss('#ff5500', '#1e3a8a');
    expect(css).toContain('--brand-accent: #1e3a8a;');
    expect(css).toContain('--brand-on-accent: #ffffff;');
    expect(css).toContain('--brand-primary: #ff5500;');
    expect(css).toContain('--brand-on-primary: #111827;');
    expect(renderThemeCss('#1e3a8a', '#ffffff')).toContain('--brand-on-primary: #ffffff;');
  });
});

describe('emails', () => {
  it('welcomes the admin in the tenant colours with both links, escaping what they typed', () => {
    const mail = welcomeEmail({ adminName: 'Anna <b>', companyName: 'Acme & Co', brand, signInUrl: 'https://spaceos.io/signin?token=abc', appUrl: 'https://acme-hq.spaceos.io', stagingUrl: 'https://acme-hq-stg.spaceos.io', trialEndsAt: '2026-12-10T10:00:00Z' });
    expect(mail.subject).toBe('Your spaceOS instance for Acme & Co is ready');
    expect(mail.html).toContain('background:#ff5500');
    expect(mail.html).toContain('Acme &#38; Co · powered by spaceOS');
    expect(mail.html).not.toContain('<b>');
    for (const body of [mail.html, mail.text]) expect(body).toContain('https://acme-hq-stg.spaceos.io');
    for (const body of [mail.html, mail.text]) expect(body).toContain('https://spaceos.io/signin?token=abc');
  });

  it('tells ops the tenant, step, error and how to resume', () => {
    const mail = opsAlertEmail({ tenantId: 't-1', subdomain: 'acme', companyName: 'Acme', step: 'CreateDatabases', error: 'Error', cause: 'role exists', resumeHow: 'press Resume' });
    expect(mail.subject).toBe('[Launchpad] Provisioning failed for acme at CreateDatabases');
    for (const part of ['t-1', 'CreateDatabases', 'role exists', 'press Resume']) expect(mail.text).toContain(part);
  });
});

describe('the instance mail layout', () => {
  const typed = ['{{{content}}}', '{{#each users}}{{password}}{{/each}}', '{{> partial}}', '{{=<% %>=}}', '{% raw %}'];
  const hostile = tenantSettingsSchema.parse({
    ...settings,
    branding: { ...settings.branding, appName: typed[0] },
    mail: {
      ...settings.mail,
      footer: {
        text: typed[1],
        postalAddress: `${typed[2]} ${typed[3]} ${typed[4]}`,
        socialLinks: { x: 'https://x.com/{{{content}}}', linkedin: 'https://linkedin.com/{{#each.x}}' },
        headerImage: 'https://acme.com/{{>banner}}.png',
      },
    },
  });
  const template = mailLayoutTemplate({ settings: hostile, logoUrl: 'https://spaceos.io/api/tenants/t-1/logo?v=2' });

  it('holds exactly one template tag, the content placeholder, whatever the tenant typed', () => {
    expect(template.split(MAIL_CONTENT_PLACEHOLDER)).toHaveLength(2);
    const rest = template.replace(MAIL_CONTENT_PLACEHOLDER, '');
    expect(rest).not.toMatch(/[{}]/);
  });

  it('shows what the tenant typed literally, braces as HTML entities', () => {
    expect(template).toContain('&#123;&#123;&#123;content&#125;&#125;&#125;');
    expect(template).toContain('&#123;&#123;#each users&#125;&#125;');
    const text = decodeEntities(template);
    for (const part of [...typed, 'https://x.com/{{{content}}}', 'https://acme.com/{{>banner}}.png']) expect(text).toContain(part);
  });
});

describe('retry classification', () => {
  it.each([
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
    Object.assign(new Error('boom'), { $metadata: { httpStatusCode: 503 } }),
    Object.assign(new Error('too many'), { code: '53300' }),
  ])('retries %s', (error) => {
    expect(isTransient(error)).toBe(true);
    expect(forStateMachine(error)).toBeInstanceOf(TransientError);
  });

  it('does not retry a permanent error, which keeps its own name', () => {
    const error = Object.assign(new Error('bad'), { name: 'SmokeTestFailedError' });
    expect(isTransient(error)).toBe(false);
    expect(forStateMachine(error).name).toBe('SmokeTestFailedError');
  });
});

describe('progress', () => {
  const step = (name: string, status: 'SUCCEEDED' | 'PENDING' | 'RUNNING', startedAt?: string) => ({ name, status, ...(startedAt ? { startedAt } : {}) });
  it('weights steps by typical duration, so waiting for the instance dominates', () => {
    const steps = [step('MarkProvisioning', 'SUCCEEDED'), step('DeployServices', 'SUCCEEDED'), step('WaitUntilHealthy', 'RUNNING')];
    const [mark, deploy, wait] = (['MarkProvisioning', 'DeployServices', 'WaitUntilHealthy'] as const).map((n) => STEP_CATALOGUE[n].aws.p50);
    expect(progressOf(steps)).toBeCloseTo((mark! + deploy!) / (mark! + deploy! + wait!));
    expect(progressOf(steps)).toBeLessThan(0.1);
  });

  it('shows 100 % only when every step has succeeded, however little the last one weighs', () => {
    const names = PROVISIONING_STEPS.map((s) => s.name);
    const allButLast = names.map((name, i) => step(name, i < names.length - 1 ? 'SUCCEEDED' : 'RUNNING'));
    expect(Math.round(progressOf(allButLast) * 100)).toBe(100); // why the cap is needed
    expect(progressPercent(allButLast)).toBe(99);
    expect(progressPercent(names.map((name) => step(name, 'SUCCEEDED')))).toBe(100);
    expect(progressPercent([])).toBe(0);
  });

  it('extrapolates the time left from how long the finished share took', () => {
    const steps = [step('MarkProvisioning', 'SUCCEEDED', '2026-11-26T10:00:00Z'), step('SmokeTest', 'PENDING')];
    // MarkProvisioning's weight done in 10 s -> SmokeTest's weight at the same pace is left
    const left = (10 * STEP_CATALOGUE.SmokeTest.aws.p50) / STEP_CATALOGUE.MarkProvisioning.aws.p50;
    expect(secondsLeft(steps, Date.parse('2026-11-26T10:00:10Z'))).toBe(Math.round(left));
    expect(secondsLeft([step('MarkProvisioning', 'PENDING')], Date.now())).toBeUndefined();
  });
});

describe('html text', () => {
  it('round-trips what people type through escaping, whichever entity style a page uses', async () => {
    const { escapeHtml, decodeEntities } = await import('../../shared/html');
    const name = `Smith & Sons <"Nord"> 'Café'`;
    expect(escapeHtml(name)).not.toMatch(/[<>"]/);
    expect(decodeEntities(escapeHtml(name))).toBe(name);
    expect(decodeEntities('Smith &amp; Sons &lt;&quot;Nord&quot;&gt; &#x27;Caf&#233;&#39;')).toBe(name);
  });
});
