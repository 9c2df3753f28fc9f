import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../web/src/App';

type Reply = { status: number; body: unknown };
let requests: Array<{ url: string; init?: RequestInit }>;
let replies: Record<string, (init?: RequestInit) => Reply | Promise<Reply>>;

/** Stands in for the network (not for an AWS service): answers by URL prefix. */
beforeEach(() => {
  requests = [];
  replies = { '/api/subdomains/': () => ({ status: 200, body: { available: true } }) };
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    requests.push({ url, init });
    const key = Object.keys(replies).sort((a, b) => b.length - a.length).find((k) => url.startsWith(k));
    if (!key) throw new Error(`unexpected request ${url}`);
    const { status, body } = await replies[key]!(init);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
});

async function fillValidForm(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('Company name'), 'Acme Spaces');
  await user.type(screen.getByLabelText('Your name'), 'Anna Admin');
  await user.type(screen.getByLabelText('Work email'), 'anna@acme.com');
  await user.click(screen.getByLabelText(/I accept the spaceOS terms/));
}

describe('signup form', () => {
  it('explains every missing field on submit and sends nothing', async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));
    expect(await screen.findByText('Company name needs at least 2 characters')).toBeInTheDocument();
    expect(screen.getByText(/Enter a valid email address/)).toBeInTheDocument();
    expect(screen.getByText('Please accept the terms to start your trial')).toBeInTheDocument();
    expect(screen.getByLabelText('Company name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Company name')).toHaveFocus();
    expect(requests.filter((r) => r.url === '/api/signups')).toHaveLength(0);
  });

  it('checks a field once it is left, then again as it is corrected', async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('Your name'), 'A');
    expect(screen.queryByText('Your name needs at least 2 characters')).not.toBeInTheDocument();
    await user.tab();
    expect(await screen.findByText('Your name needs at least 2 characters')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Your name'), 'n');
    expect(screen.queryByText('Your name needs at least 2 characters')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Your name')).toHaveAttribute('aria-invalid', 'false');
  });

  it('suggests an address from the company name and says whether it is free', async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('Company name'), 'Café Nord');
    expect(screen.getByLabelText('Your spaceOS address')).toHaveValue('cafe-nord');
    expect(await screen.findByText('✓ cafe-nord.spaceos.io is available')).toBeInTheDocument();
    expect(requests.map((r) => r.url)).toContain('/api/subdomains/cafe-nord');
  });

  it('debounces the availability check while typing', async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('Your spaceOS address'), 'northwind');
    await screen.findByText(/northwind.spaceos.io is available/);
    expect(requests.filter((r) => r.url.startsWith('/api/subdomains/'))).toHaveLength(1);
  });

  it('offers the free suggestion for a taken address and uses it on click', async () => {
    replies['/api/subdomains/acme'] = () => ({ status: 200, body: { available: false, reason: 'This address is already taken', suggestion: 'acme-2' } });
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('Your spaceOS address'), 'acme');
    await user.click(await screen.findByRole('button', { name: 'Use acme-2' }));
    expect(screen.getByLabelText('Your spaceOS address')).toHaveValue('acme-2');
  });

  it('previews the brand colour live', async () => {
    const user = userEvent.setup();
    render(<App />);
    const hex = screen.getByLabelText('Brand colour');
    await user.clear(hex);
    await user.type(hex, '#ffdd00');
    expect(screen.getByTestId('preview-bar')).toHaveStyle({ background: '#ffdd00', color: '#111827' });
  });

  it('shows a 409 from the server on the subdomain field', async () => {
    replies['/api/signups'] = () => ({ status: 409, body: { errors: { subdomain: 'This address is already taken; try another one' } } });
    const user = userEvent.setup();
    render(<App />);
    await fillValidForm(user);
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));
    expect(await screen.findByText('This address is already taken; try another one')).toBeInTheDocument();
    expect(screen.getByLabelText('Your spaceOS address')).toHaveAttribute('aria-invalid', 'true');
  });

  it('disables the button while submitting, sends an idempotency key, then opens the status page', async () => {
    let release!: () => void;
    replies['/api/signups'] = () => new Promise<Reply>((resolve) => (release = () => resolve({ status: 202, body: { tenantId: 't-42', statusUrl: '/api/tenants/t-42/status' } })));
    replies['/api/tenants/'] = () => ({ status: 200, body: { tenantId: 't-42', subdomain: 'acme-spaces', companyName: 'Acme Spaces', status: 'PROVISIONING', plan: 'trial', urls: {}, steps: [{ name: 'MarkProvisioning', status: 'RUNNING' }] } });
    const user = userEvent.setup();
    render(<App />);
    await fillValidForm(user);
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));

    const busy = await screen.findByRole('button', { name: 'Creating your trial…' });
    expect(busy).toBeDisabled();
    const sent = requests.find((r) => r.url === '/api/signups')!;
    expect(JSON.parse(String(sent.init!.body))).toMatchObject({ companyName: 'Acme Spaces', subdomain: 'acme-spaces', adminEmail: 'anna@acme.com', acceptTerms: true });
    expect((sent.init!.headers as Record<string, string>)['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    release();
    expect(await screen.findByRole('heading', { name: 'Setting up your instance' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/status/t-42');
  });

  it('tells the visitor to check the inbox when the email signed up before, staying on the page', async () => {
    replies['/api/signups'] = () => ({ status: 202, body: { checkInbox: true } });
    const user = userEvent.setup();
    render(<App />);
    await fillValidForm(user);
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));
    expect(await screen.findByRole('status')).toHaveTextContent(/Check your inbox: anna@acme\.com has signed up before/);
    expect(window.location.pathname).toBe('/');
  });

  it('says so when the network is down and keeps the form filled', async () => {
    replies['/api/signups'] = () => Promise.reject(new TypeError('Failed to fetch'));
    const user = userEvent.setup();
    render(<App />);
    await fillValidForm(user);
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/could not reach spaceOS/);
    expect(screen.getByLabelText('Company name')).toHaveValue('Acme Spaces');
  });
});
