import { TRIAL_DAYS } from './brand';
import { escapeHtml as escape } from './html';
import type { TenantSettings } from './settings';
import { paletteOf } from './theme';

export interface Email {
  subject: string;
  html: string;
  text: string;
}


function layout(settings: TenantSettings, body: string): string {
  const palette = paletteOf(settings.branding.primaryColor);
  return `<!doctype html><html><body style="margin:0;background:#f5f6fa;font-family:Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${palette['--brand-primary']};color:${palette['--brand-on-primary']};padding:20px 24px;font-size:20px;font-weight:bold">${escape(settings.mail.fromName)}</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5">${body}</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">${escape(settings.mail.footer)}</td></tr>
</table></td></tr></table></body></html>`;
}

function button(settings: TenantSettings, href: string, label: string): string {
  const palette = paletteOf(settings.branding.primaryColor);
  return `<a href="${escape(href)}" style="display:inline-block;background:${palette['--brand-primary']};color:${palette['--brand-on-primary']};padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold">${escape(label)}</a>`;
}

/** Sent once a trial instance answers: where it lives, and what happens next. */
export function welcomeEmail(input: { adminName: string; companyName: string; settings: TenantSettings; appUrl: string; stagingUrl: string; trialEndsAt: string; upgradeUrl?: string }): Email {
  const ends = new Date(input.trialEndsAt).toDateString();
  const subject = `Your spaceOS instance for ${input.companyName} is ready`;
  const html = layout(
    input.settings,
    `<p>Hi ${escape(input.adminName)},</p>
<p>Your spaceOS instance for <strong>${escape(input.companyName)}</strong> is live. You are its administrator.</p>
<p>${button(input.settings, input.appUrl, `Open ${input.companyName}`)}</p>
<p>Your instance: <a href="${escape(input.appUrl)}">${escape(input.appUrl)}</a><br>
Staging copy, to try changes safely: <a href="${escape(input.stagingUrl)}">${escape(input.stagingUrl)}</a></p>
<p>Your ${TRIAL_DAYS}-day trial runs until ${escape(ends)}. Colours, logo, mail footer and more can be changed at any time from your instance.</p>${
      input.upgradeUrl ? `<p>Ready to keep it? <a href="${escape(input.upgradeUrl)}">Upgrade to the paid plan</a> (this link is yours: keep it private).</p>` : ''
    }`,
  );
  const text = `Hi ${input.adminName},

Your spaceOS instance for ${input.companyName} is live. You are its administrator.

Your instance: ${input.appUrl}
Staging copy, to try changes safely: ${input.stagingUrl}

Your ${TRIAL_DAYS}-day trial runs until ${ends}. Colours, logo, mail footer and more can be changed at any time from your instance.
${input.upgradeUrl ? `\nReady to keep it? Upgrade to the paid plan (this link is yours: keep it private):\n${input.upgradeUrl}\n` : ''}
--
${input.settings.mail.footer}
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
export function noticeEmail(input: { settings: TenantSettings; adminName: string; subject: string; paragraphs: string[]; action?: { href: string; label: string } }): Email {
  const html = layout(
    input.settings,
    `<p>Hi ${escape(input.adminName)},</p>${input.paragraphs.map((p) => `<p>${escape(p)}</p>`).join('')}${input.action ? `<p>${button(input.settings, input.action.href, input.action.label)}</p>` : ''}`,
  );
  const text = `Hi ${input.adminName},\n\n${input.paragraphs.join('\n\n')}${input.action ? `\n\n${input.action.label}: ${input.action.href}` : ''}\n\n--\n${input.settings.mail.footer}\n`;
  return { subject: input.subject, html, text };
}

export const thankYouEmail = (i: { settings: TenantSettings; adminName: string; companyName: string; appUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Thank you: ${i.companyName} is on spaceOS Business`,
    paragraphs: [`Your payment went through and ${i.companyName} is now on the paid plan. Your instance keeps everything you set up during the trial, with more capacity.`],
    action: { href: i.appUrl, label: `Open ${i.companyName}` },
  });

export const paymentFailedEmail = (i: { settings: TenantSettings; adminName: string; companyName: string; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Payment failed for ${i.companyName}`,
    paragraphs: [`We could not collect the latest payment for ${i.companyName}. Your instance keeps running while Stripe retries; please check your payment details.`],
    action: { href: i.upgradeUrl, label: 'Update payment details' },
  });

export const trialReminderEmail = (i: { settings: TenantSettings; adminName: string; companyName: string; daysLeft: number; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `${i.daysLeft} days left in your ${i.companyName} trial`,
    paragraphs: [`Your spaceOS trial for ${i.companyName} ends in ${i.daysLeft} days. Upgrade now to keep your instance, its data and your settings without interruption.`],
    action: { href: i.upgradeUrl, label: 'Upgrade now' },
  });

export const trialEndedEmail = (i: { settings: TenantSettings; adminName: string; companyName: string; upgradeUrl: string }) =>
  noticeEmail({
    ...i,
    subject: `Your ${i.companyName} trial has ended`,
    paragraphs: [`Your trial has ended and the instance is paused. Nothing is lost: upgrade and ${i.companyName} is back within a minute, exactly as you left it.`],
    action: { href: i.upgradeUrl, label: 'Upgrade and continue' },
  });
