import type { Email } from './emails';
import { escapeHtml as escape } from './html';

/**
 * A mail of Launchpad's own, in spaceOS's plain look rather than a tenant's: for mails that go to
 * whatever address a form named, where only fixed text may appear (no tenant branding, no typed
 * names). A few paragraphs, one button, a small print line.
 */
export function fixedTextEmail({ subject, paragraphs, action, footnote }: { subject: string; paragraphs: string[]; action: { href: string; label: string }; footnote: string }): Email {
  const text = `${paragraphs.join('\n\n')}\n\n${action.href}\n\n${footnote}\n\n--\nspaceOS\n`;
  const html = `<!doctype html><html><body style="margin:0;background:#f5f6fa;font-family:Arial,Helvetica,sans-serif;color:#111827">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px"><tr><td style="padding:24px;font-size:15px;line-height:1.5">
${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('')}
<p><a href="${escape(action.href)}" style="display:inline-block;background:#0f766e;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold">${escape(action.label)}</a></p>
<p style="font-size:13px;color:#6b7280">${escape(footnote)}</p>
</td></tr></table></td></tr></table></body></html>`;
  return { subject, html, text };
}
