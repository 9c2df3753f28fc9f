import { TRIAL_DAYS } from './brand';
import { moreThanListed, summaryCount, type RolloutSummary } from './fleet';
import { MAGIC_LINK_MINUTES, SIGN_IN_LINK_LABEL } from './auth';
import { escapeHtml as escape } from './html';
import { footerLines, SOCIAL_LABELS, socialLinksOf, type TenantSettings } from './settings';
import { paletteOf } from './theme';

/** What a tenant-branded mail is dressed in: the tenant's current settings and its logo's public URL. */
export interface MailBrand {
  settings: TenantSettings;
  logoUrl?: string;
}

export interface Email {
  subject: string;
  html: string;
  text: string;
}


function layout({ settings, logoUrl }: MailBrand, body: string): string {
  const palette = paletteOf(settings.branding.primaryColor);
  const { headerImage } = settings.mail.footer;
  const social = socialLinksOf(settings)
    .map(({ network, href }) => `<a href="${escape(href)}" style="color:${escape(settings.branding.accentColor)}">${SOCIAL_LABELS[network]}</a>`)
    .join(' · ');
  return `<!doctype html><html><body style="margin:0;background:#f5f6fa;font-family:Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">${
    headerImage ? `\n<tr><td><img src="${escape(headerImage)}" alt="" width="560" style="display:block;width:100%;height:auto"></td></tr>` : ''
  }
<tr><td style="background:${palette['--brand-primary']};color:${palette['--brand-on-primary']};padding:20px 24px;font-size:20px;font-weight:bold">${
    logoUrl ? `<img src="${escape(logoUrl)}" alt="" height="32" style="height:32px;vertical-align:middle;margin-right:12px;border-radius:4px;background:#fff">` : ''
  }${escape(settings.branding.appName)}</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5">${body}</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${footerLines(settings).map(escape).join('<br>')}${social ? `<br>${social}` : ''}</td></tr>
</table></td></tr></table></body></html>`;
}

/**
 * Where the instance puts each mail's body in the rendered layout template: its only template tag,
 * since every text in the layout goes through escapeHtml, which makes typed braces entities.
 */
export const MAIL_CONTENT_PLACEHOLDER = '{{{content}}}';

/** The layout the instance wraps its own mails (booking confirmations...) in: same look as ours. */
export const mailLayoutTemplate = (brand: MailBrand) => layout(brand, MAIL_CONTENT_PLACEHOLDER);

/** The plain-text footer: lines, then social links. */
function textFooter(settings: TenantSettings): string {
  return [...footerLines(settings), ...socialLinksOf(settings).map(({ network, href }) => `${SOCIAL_LABELS[network]}: ${href}`)].join('\n');
}

function button({ settings }: MailBrand, href: string, label: string): string {
  const palette = paletteOf(settings.branding.primaryColor);
  return `<a href="${escape(href)}" style="display:inline-block;background:${palette['--brand-primary']};color:${palette['--brand-on-primary']};padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold">${escape(label)}</a>`;
}

/** Sent once a trial instance answers: where it lives, and what happens next. */
/** Without `trialEndsAt` (an invoiced tenant, on the paid plan from the start) the mail says nothing of a trial. */
export function welcomeEmail(input: { adminName: string; companyName: string; brand: MailBrand; appUrl: string; stagingUrl: string; trialEndsAt?: string; upgradeUrl?: string; signInUrl: string }): Email {
  const ends = input.trialEndsAt ? new Date(input.trialEndsAt).toDateString() : undefined;
  const subject = `Your spaceOS instance for ${input.companyName} is ready`;
  const html = layout(
    input.brand,
    `<p>Hi ${escape(input.adminName)},</p>
<p>Your spaceOS instance for <strong>${escape(input.companyName)}</strong> is live. You are its administrator.</p>
<p>${button(input.brand, input.appUrl, `Open ${input.companyName}`)}</p>
<p>Your instance: <a href="${escape(input.appUrl)}">${escape(input.appUrl)}</a><br>
Staging copy, to try changes safely: <a href="${escape(input.stagingUrl)}">${escape(input.stagingUrl)}</a></p>
<p>${ends ? `Your ${TRIAL_DAYS}-day trial runs until ${escape(ends)}. ` : ''}Colours, logo, mail footer and more can be changed at any time from your settings:</p>
<p>${button(input.brand, input.signInUrl, 'Sign in to your settings')}<br><small>This sign-in link works once, for ${SIGN_IN_LINK_LABEL}; you can always ask for a new one.</small></p>${
      input.upgradeUrl ? `<p>Ready to keep it? <a href="${escape(input.upgradeUrl)}">Upgrade to the paid plan</a> (this link is yours: keep it private).</p>` : ''
    }`,
  );
  const text = `Hi ${input.adminName},

Your spaceOS instance for ${input.companyName} is live. You are its administrator.

Your instance: ${input.appUrl}
Staging copy, to try changes safely: ${input.stagingUrl}

${ends ? `Your ${TRIAL_DAYS}-day trial runs until ${ends}. ` : ''}Colours, logo, mail footer and more can be changed at any time from your settings.
Sign in (works once, for ${SIGN_IN_LINK_LABEL}): ${input.signInUrl}
${input.upgradeUrl ? `\nReady to keep it? Upgrade to the paid plan (this link is yours: keep it private):\n${input.upgradeUrl}\n` : ''}
--
${textFooter(input.brand.settings)}
`;
  return { subject, html, text };
}

/** To customer success when provisioning fails: who, where, why, and how to resume. */
export function opsAlertEmail(input: { tenantId: string; subdomain: string; companyName: string; step: string; error: string; cause: string; resumeHow: string; executionUrl?: string }): Email {
  const subject = `[Launchpad] Provisioning failed for ${input.subdomain} at ${input.step}`;
  const rows: Array<[string, string]> = [
    ['Tenant', `${input.companyName} (${input.subdomain}, ${input.tenantId})`],
    ['Failed step', input.step],
    ['Error', input.error],
    ['Cause', input.cause],
    ['How to resume', input.resumeHow],
    ...(input.executionUrl ? ([['Execution', input.executionUrl]] as Array<[string, string]>) : []),
  ];
  const text = `Provisioning failed; the client was told the team has been alerted.\n\n${rows.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\nEvery step is idempotent: once the cause is fixed, resuming completes the tenant without duplicating anything.\n`;
  const html = `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2><table cellpadding="6">${rows
    .map(([k, v]) => `<tr><th align="left" valign="top">${escape(k)}</th><td><pre style="margin:0;white-space:pre-wrap">${escape(v)}</pre></td></tr>`)
    .join('')}</table><p>Every step is idempotent: once the cause is fixed, resuming completes the tenant without duplicating anything.</p></body></html>`;
  return { subject, html, text };
}

/** A short mail to the tenant's admin in the tenant's colours: a few paragraphs and one action. */
export function noticeEmail(input: { brand: MailBrand; adminName: string; subject: string; paragraphs: string[]; action?: { href: string; label: string } }): Email {
  const html = layout(
    input.brand,
    `<p>Hi ${escape(input.adminName)},</p>${input.paragraphs.map((p) => `<p>${escape(p)}</p>`).join('')}${input.action ? `<p>${button(input.brand, input.action.href, input.action.label)}</p>` : ''}`,
  );
  const text = `Hi ${input.adminName},\n\n${input.paragraphs.join('\n\n')}${input.action ? `\n\n${input.action.label}: ${input.action.href}` : ''}\n\n--\n${textFooter(input.brand.settings)}\n`;
  return { subject: input.subject, html, text };
}

export const thankYouEmail = (i: { brand: MailBrand; adminName: string; companyName: string; appUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Thank you: ${i.companyName} is on spaceOS Business`,
    paragraphs: [`Your payment went through and ${i.companyName} is now on the paid plan. Your instance keeps everything you set up during the trial, with more capacity.`],
    action: { href: i.appUrl, label: `Open ${i.companyName}` },
  });

export const paymentFailedEmail = (i: { brand: MailBrand; adminName: string; companyName: string; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Payment failed for ${i.companyName}`,
    paragraphs: [`We could not collect the latest payment for ${i.companyName}. Your instance keeps running while Stripe retries; please check your payment details.`],
    action: { href: i.upgradeUrl, label: 'Update payment details' },
  });

export const trialReminderEmail = (i: { brand: MailBrand; adminName: string; companyName: string; daysLeft: number; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `${i.daysLeft} days left in your ${i.companyName} trial`,
    paragraphs: [`Your spaceOS trial for ${i.companyName} ends in ${i.daysLeft} days. Upgrade now to keep your instance, its data and your settings without interruption.`],
    action: { href: i.upgradeUrl, label: 'Upgrade now' },
  });

export const trialEndedEmail = (i: { brand: MailBrand; adminName: string; companyName: string; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Your ${i.companyName} trial has ended`,
    paragraphs: [`Your trial has ended and the instance is paused. Nothing is lost: upgrade and ${i.companyName} is back within a minute, exactly as you left it.`],
    action: { href: i.upgradeUrl, label: 'Upgrade and continue' },
  });

/** The sign-in link asked for on the sign-in page. */
export const signInEmail = (i: { brand: MailBrand; adminName: string; companyName: string; signInUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Sign in to ${i.companyName} settings`,
    paragraphs: [`Follow the link to sign in to the settings of ${i.companyName}. It works once and expires in ${MAGIC_LINK_MINUTES} minutes.`, 'If you did not ask for it, ignore this mail: nobody can sign in without it.'],
    action: { href: i.signInUrl, label: 'Sign in' },
  });

/** To the admin when their own SMTP server stopped accepting our login: mail goes out through spaceOS meanwhile. */
export const smtpFailingEmail = (i: { brand: MailBrand; adminName: string; companyName: string; host: string; error: string; settingsUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Mail for ${i.companyName} is going out through spaceOS: your SMTP server refused us`,
    paragraphs: [
      `Your SMTP server ${i.host} refused the sign-in: "${i.error}".`,
      'Nothing is lost: until you fix it, mail from your instance is sent through the spaceOS mail service instead. Update the SMTP password (or switch back to the default sender) on your settings page.',
    ],
    action: { href: i.settingsUrl, label: 'Open settings' },
  });

/** "Send test mail" on the settings page: the next mail, as it will look. */
export const testEmail = (i: { brand: MailBrand; adminName: string; companyName: string; via: string }) =>
  noticeEmail({
    ...i,
    subject: `Test mail from ${i.companyName}`,
    paragraphs: [`This is how mail from ${i.companyName} looks with your current settings. It was sent ${i.via}.`],
  });

/** To ops when a fleet rollout ends: what was upgraded, rolled back, failed, skipped, and why it stopped. */
export function rolloutSummaryEmail(summary: RolloutSummary, executionUrl?: string): Email {
  const counts = `${summaryCount(summary, 'upgraded')} upgraded, ${summaryCount(summary, 'rolledBack')} rolled back, ${summaryCount(summary, 'failed')} failed, ${summaryCount(summary, 'skipped')} skipped`;
  const subject = `[Launchpad] Fleet rollout of ${summary.version}: ${summary.stopped ? 'stopped' : 'done'} (${counts})`;
  const lines = [
    summary.stopped ? `Stopped: ${summary.stopped}` : 'Completed.',
    `Upgraded: ${summary.upgraded.join(', ') || 'none'}${moreThanListed(summary, 'upgraded')}`,
    `Rolled back (back on their previous version): ${summary.rolledBack.map((r) => `${r.subdomain} (${r.error})`).join('; ') || 'none'}${moreThanListed(summary, 'rolledBack')}`,
    `Failed (rollback failed too; needs a person): ${summary.failed.map((r) => `${r.subdomain} (${r.error})`).join('; ') || 'none'}${moreThanListed(summary, 'failed')}`,
    `Skipped (already on ${summary.version}): ${summaryCount(summary, 'skipped')}`,
    ...(executionUrl ? [`Execution: ${executionUrl}`] : []),
    'A rerun with the same version rolls out only to the tenants still left.',
  ];
  return {
    subject,
    text: `${lines.join('\n')}\n`,
    html: `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2>${lines.map((l) => `<p>${escape(l)}</p>`).join('')}</body></html>`,
  };
}

/** To ops when an offboarding stopped half-way. */
export function offboardingFailedEmail(input: { tenant: string; error: string; executionUrl?: string }): Email {
  const subject = `[Launchpad] Offboarding stopped for ${input.tenant}`;
  const lines = [
    `Offboarding of ${input.tenant} stopped: ${input.error}`,
    'Every offboarding step is idempotent: fix the cause, then run it again (npm run ops -- offboard <subdomain>); finished parts are skipped.',
    ...(input.executionUrl ? [`Execution: ${input.executionUrl}`] : []),
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2>${lines.map((l) => `<p>${escape(l)}</p>`).join('')}</body></html>` };
}

/** To ops when running tenants lost part of their instance (newly found only). */
export function driftEmail(drifted: Array<{ subdomain: string; missing: string[] }>, opsUrl: string): Email {
  const subject = `[Launchpad] Drift: ${drifted.length} running tenant${drifted.length === 1 ? '' : 's'} missing resources`;
  const lines = drifted.map((d) => `${d.subdomain}: missing ${d.missing.join(', ')}`);
  const hint = 'Not repaired automatically. If it was not deliberate, re-run provisioning for the tenant (its steps are idempotent and create only what is missing), or offboard it.';
  return {
    subject,
    text: `${lines.join('\n')}\n\n${hint}\n${opsUrl}\n`,
    html: `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif"><h2>${escape(subject)}</h2><ul>${lines.map((l) => `<li>${escape(l)}</li>`).join('')}</ul><p>${escape(hint)}</p><p><a href="${escape(opsUrl)}">${escape(opsUrl)}</a></p></body></html>`,
  };
}
