import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialSettings } from '../../shared/settings';
import { SettingsPage } from '../../web/src/SettingsPage';

const session = { tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', email: 'anna@acme.com', expiresAt: '2026-11-27T10:00:00Z' };
const view = { version: 4, settings: initialSettings({ companyName: 'Acme Spaces', adminEmail: 'anna@acme.com', primaryColor: '#1e3a8a' }), defaultFromAddress: 'acme@clients.spaceos.io', smtpPasswordSet: false };

function serve(settings: object) {
  vi.stubGlobal('fetch', async (path: string) => {
    const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    if (path === '/api/auth/session') return reply(200, session);
    if (path.endsWith('/settings/history')) return reply(200, { changes: [] });
    if (path.endsWith('/settings')) return reply(200, settings);
    return reply(404, { errors: { body: 'unexpected' } });
  });
}
afterEach(() => vi.unstubAllGlobals());

describe('settings page of an admin whose address bounces', () => {
  it('says that mail to the address bounced and that no more is sent to it', async () => {
    serve({ ...view, adminEmailBouncedAt: '2026-11-26T10:00:00.000Z' });
    render(<SettingsPage />);
    const alert = await screen.findByText(/Mail to your address anna@acme\.com bounced/);
    expect(alert).toHaveAttribute('data-admin-bounce');
    expect(alert).toHaveTextContent('we have stopped sending to it');
  });

  it('says nothing of the kind when it does not', async () => {
    serve(view);
    render(<SettingsPage />);
    await screen.findByRole('textbox', { name: 'App name' });
    expect(document.querySelector('[data-admin-bounce]')).toBeNull();
  });
});
