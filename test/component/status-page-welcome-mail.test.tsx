import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusPage } from '../../web/src/StatusPage';

const view = (welcomeMail?: 'retrying' | 'failed') => ({
  tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', status: 'ACTIVE', plan: 'trial', trialEndsAt: '2099-01-01T00:00:00.000Z',
  urls: { app: 'https://acme.spaceos.io', staging: 'https://acme-stg.spaceos.io' },
  steps: [
    { name: 'MarkActive', status: 'SUCCEEDED' },
    { name: 'SendWelcomeEmail', status: 'SUCCEEDED' },
  ],
  ...(welcomeMail ? { welcomeMail } : {}),
});

afterEach(() => vi.unstubAllGlobals());

describe('status page when the welcome mail could not be delivered', () => {
  it('says the mail is late and retried, at the step and in a notice, without saying why', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(view('retrying')), { status: 200 }));
    render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByText(/could not deliver your welcome email yet/)).toHaveAttribute('data-welcome-mail', 'retrying');
    expect(document.querySelector('[data-step="SendWelcomeEmail"]')).toHaveTextContent('not delivered yet, retrying');
    // The instance is usable meanwhile.
    expect(screen.getByRole('link', { name: 'Open Acme Spaces' })).toHaveAttribute('href', 'https://acme.spaceos.io');
  });

  it('says so plainly once it was given up, and says nothing when it went out', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(view('failed')), { status: 200 }));
    const { unmount } = render(<StatusPage tenantId="t-1" />);
    expect(await screen.findByText(/could not deliver your welcome email to the address you gave/)).toBeInTheDocument();
    unmount();
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(view()), { status: 200 }));
    render(<StatusPage tenantId="t-1" />);
    await screen.findByText('Your instance is ready');
    expect(document.querySelector('[data-welcome-mail]')).toBeNull();
    expect(document.body).not.toHaveTextContent(/could not deliver/);
    expect(document.querySelector('[data-step="SendWelcomeEmail"]')).toHaveTextContent('done');
  });
});
