import { DEFAULT_PRIMARY_COLOR } from '../../shared/brand';
import { escapeHtml as escape } from '../../shared/html';
import { PLANS } from '../../shared/lifecycle';
import type { OnBehalfInput } from '../../shared/on-behalf';
import { formTokenInput } from './local-only';

export const CREATE_FORM_PATH = '/ops/tenants/new';
export const CREATE_POST_PATH = '/ops/tenants';

const FIELDS = [
  { name: 'companyName', label: 'Company', type: 'text', placeholder: 'Acme Spaces' },
  { name: 'subdomain', label: 'Subdomain', type: 'text', placeholder: 'acme' },
  { name: 'adminName', label: 'Admin name', type: 'text', placeholder: 'Anna Admin' },
  { name: 'adminEmail', label: 'Admin email', type: 'email', placeholder: 'anna@acme.com' },
  { name: 'primaryColor', label: 'Colour', type: 'text', placeholder: DEFAULT_PRIMARY_COLOR },
] as const;

/** The posted form as the create's input: empty fields left out, so the schema's defaults (colour, plan) apply. */
export function onBehalfFromForm(form: URLSearchParams): Record<string, string> {
  const input: Record<string, string> = {};
  for (const name of [...FIELDS.map((f) => f.name), 'plan']) {
    const value = form.get(name);
    if (value) input[name] = value;
  }
  return input;
}

/**
 * "Create a tenant for a client" (customer service, for clients who will not sign up themselves).
 * Its own page, not a section of /ops: that page reloads itself every few seconds and would wipe what
 * is being typed. After a refusal it comes back with what was typed and each error next to its field
 * (`novalidate`: the server's messages, the same as the CLI's, rather than the browser's own).
 */
export function createTenantPage(values: Partial<Record<keyof OnBehalfInput, string>> = {}, errors: Record<string, string> = {}): string {
  const error = (name: string) => (errors[name] ? ` <span class="error" id="${name}-error" data-error-for="${name}">${escape(errors[name])}</span>` : '');
  const invalid = (name: string) => (errors[name] ? ` aria-invalid="true" aria-describedby="${name}-error"` : '');
  const fields = FIELDS.map(
    (f) => `<p><label for="${f.name}">${f.label}</label><br><input id="${f.name}" name="${f.name}" type="${f.type}" placeholder="${escape(f.placeholder)}" value="${escape(values[f.name] ?? '')}"${invalid(f.name)}>${error(f.name)}</p>`,
  ).join('\n');
  const plan = values.plan ?? 'trial';
  const options = PLANS.map((p) => `<option value="${p}"${p === plan ? ' selected' : ''}>${p === 'paid' ? 'paid (invoiced, billed outside Stripe)' : 'trial'}</option>`).join('');
  const others = Object.entries(errors).filter(([name]) => name !== 'plan' && !FIELDS.some((f) => f.name === name));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Create a tenant for a client · Launchpad ops</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111827}input,select{font:inherit;padding:.25rem;min-width:18rem}.error{color:#991b1b}</style></head>
<body><h1>Create a tenant for a client</h1>
<p><a href="/ops">Back to ops</a> · For clients who will not sign up themselves: the same checks and provisioning as a signup, the address is taken as confirmed (no confirmation mail), and the admin gets the welcome mail once the instance is live.</p>
${others.map(([name, message]) => `<p class="error" data-error-for="${escape(name)}">${escape(message)}</p>`).join('')}
<form method="post" action="${CREATE_POST_PATH}" novalidate>${formTokenInput()}
${fields}
<p><label for="plan">Plan</label><br><select id="plan" name="plan"${invalid('plan')}>${options}</select>${error('plan')}</p>
<p><button>Create the tenant</button></p>
</form></body></html>`;
}
