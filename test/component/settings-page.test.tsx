import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { initialSettings } from '../../shared/settings';
import { SettingsPage } from '../../web/src/SettingsPage';

const session = { tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', email: 'anna@acme.com', expiresAt: '2026-11-27T10:00:00Z' };
const view = { version: 4, settings: initialSettings({ companyName: 'Acme Spaces', adminEmail: 'anna@acme.com', primaryColor: '#1e3a8a' }), defaultFromAddress: 'acme@clients.spaceos.io', smtpPasswordSet: false };

/** The API as the page sees it: answers by method and path; records what was PUT. */
function serve(onPut: (body: unknown) => { status: number; body: unknown }) {
  const puts: unknown[] = [];
  vi.stubGlobal('fetch', async (path: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    if (path === '/api/auth/session') return reply(200, session);
    if (path.endsWith('/settings/history')) return reply(200, { changes: [] });
    if (path.endsWith('/settings') && method === 'GET') return reply(200, view);
    if (path.endsWith('/settings') && method === 'PUT') {
      const body = JSON.parse(String(init?.body)) as unknown;
      puts.push(body);
      const answer = onPut(body);
      return reply(answer.status, answer.body);
    }
    return reply(404, { errors: { body: 'unexpected' } });
  });
  return puts;
}

describe('settings page', () => {
  it('sends the change with the version it was based on, and offers a reload when someone saved meanwhile', async () => {
    const puts = serve(() => ({ status: 409, body: { errors: { version: 'These settings were changed meanwhile.' }, currentVersion: 5 } }));
    render(<SettingsPage />);
    const appName = await screen.findByRole('textbox', { name: 'App name' });
    await userEvent.clear(appName);
    await userEvent.type(appName, 'Acme Hub');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('These settings were changed meanwhile.');
    expect(screen.getByRole('button', { name: 'Reload the current settings' })).toBeInTheDocument();
    expect(puts).toEqual([expect.objectContaining({ version: 4, settings: expect.objectContaining({ branding: expect.objectContaining({ appName: 'Acme Hub' }) }) })]);
    expect(appName).toHaveValue('Acme Hub'); // the typed change is kept
  });

  it('says when a saved change reaches the instance a little later (its files are rendered by the next pass)', async () => {
    serve((body) => ({ status: 200, body: { ...view, version: 5, settings: (body as { settings: unknown }).settings, instanceUpdatePending: true } }));
    render(<SettingsPage />);
    const appName = await screen.findByRole('textbox', { name: 'App name' });
    await userEvent.type(appName, ' Hub');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText(/^Saved\. Your instance is a little behind this time/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save changes' })).toBeDisabled(); // nothing left unsaved
  });

  it("shows the server's field errors on the fields, and checks colours before sending", async () => {
    const puts = serve(() => ({ status: 400, body: { errors: { 'settings.mail.footer.postalAddress': 'Postal address must be at most 300 characters' } } }));
    render(<SettingsPage />);
    const primary = await screen.findByRole('textbox', { name: 'Primary colour' });
    await userEvent.clear(primary);
    await userEvent.type(primary, 'teal');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText(/#rrggbb|colour/i, { selector: '.error' })).toBeInTheDocument();
    expect(puts).toHaveLength(0);

    await userEvent.clear(primary);
    await userEvent.type(primary, '#f5f5f5');
    expect(screen.getByTestId('contrast-warnings')).toHaveTextContent(/WCAG AA/);
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Postal address must be at most 300 characters')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Postal address' })).toHaveAttribute('aria-invalid', 'true');
  });
});
