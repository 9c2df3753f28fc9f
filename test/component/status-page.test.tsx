import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { StatusPage } from '../../web/src/StatusPage';

const view = (overrides: object) => ({
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', status: 'PROVISIONING', plan: 'trial', urls: {},
  steps: [{ name: 'MarkProvisioning', status: 'SUCCEEDED', startedAt: '2026-11-26T10:00:00.000Z', endedAt: '2026-11-26T10:00:00.400Z' }],
  ...overrides,
});
const serve = (status: number, body: unknown) => vi.stubGlobal('fetch', async () => new Response(JSON.stringify(body), { status }));

describe('status page', () => {
  it('shows each step and the progress bar', async () => {
    serve(200, view({}));
    render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByText('Reserving your workspace')).toBeInTheDocument();
    expect(screen.getByText('done in 0.4 s')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Setup progress' })).toHaveAttribute('aria-valuenow', '100');
  });

  it('tells the client plainly that the team was alerted when setup failed', async () => {
    serve(200, view({ status: 'FAILED', steps: [{ name: 'MarkProvisioning', status: 'FAILED', error: 'boom' }] }));
    render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/Our team has been alerted/);
    expect(screen.queryByText('boom')).not.toBeInTheDocument();
  });

  it('links to the instance once it is active', async () => {
    serve(200, view({ status: 'ACTIVE', urls: { app: 'http://acme.localhost:3000', staging: 'http://acme-stg.localhost:3000' } }));
    render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByRole('link', { name: 'Open Acme Spaces' })).toHaveAttribute('href', 'http://acme.localhost:3000');
  });

  it('says which instance is running and which sleeps until it is opened', async () => {
    serve(200, view({ status: 'ACTIVE', urls: { app: 'http://acme.localhost:3000' }, instances: { prod: 'running', stg: 'sleeping' } }));
    render(<StatusPage tenantId="t-1" />);
    const list = await screen.findByRole('list', { name: 'Instances' });
    expect(list).toHaveTextContent('Your instance: running');
    expect(list).toHaveTextContent('Staging copy: resting while unused: opening it wakes it in a few seconds');
  });

  it('says when a signup id is unknown', async () => {
    serve(404, { errors: { body: 'No signup with this id' } });
    render(<StatusPage tenantId="nope" />);
    expect(await screen.findByRole('heading', { name: "We can't find this signup" })).toBeInTheDocument();
  });
});

describe('plan on the status page', () => {
  it('shows the trial countdown and the way to upgrade', async () => {
    serve(200, view({ status: 'ACTIVE', trialEndsAt: new Date(Date.now() + 5.5 * 86_400_000).toISOString(), urls: { app: 'http://a.localhost' } }));
    render(<StatusPage tenantId="t-1" />);
    expect((await screen.findByText('Plan: free trial')).closest('[data-plan]')).toHaveTextContent('Plan: free trial · 6 days left');
    expect(screen.getByRole('link', { name: 'Upgrade' })).toHaveAttribute('href', '/upgrade/t-1');
  });

  it('shows the paid plan', async () => {
    serve(200, view({ status: 'ACTIVE', plan: 'paid', urls: { app: 'http://a.localhost' } }));
    render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByText('Plan: spaceOS Business')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Upgrade' })).not.toBeInTheDocument();
  });
});

describe('polling', () => {
  it('keeps watching after ACTIVE until the last step (the welcome mail) is through', async () => {
    const steps = (last: string) => [
      { name: 'MarkActive', status: 'SUCCEEDED' },
      { name: 'SendWelcomeEmail', status: last },
    ];
    let calls = 0;
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(view({ status: 'ACTIVE', steps: steps(++calls < 2 ? 'RUNNING' : 'SUCCEEDED') })), { status: 200 }));
    render(<StatusPage tenantId="t-1" />);
    await waitFor(() => expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100'), { timeout: 3000 });
    expect(calls).toBe(2);
  });
});
