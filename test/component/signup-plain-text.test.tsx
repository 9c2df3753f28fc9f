import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../web/src/App';

describe('signup form and invisible characters', () => {
  it('shows why a pasted company name with a direction override is refused, and sends nothing', async () => {
    const requests: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      requests.push(url);
      return new Response(JSON.stringify({ available: true }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(screen.getByLabelText('Company name'));
    await user.paste('Acme\u202Emoc.evil');
    await user.tab();
    expect(await screen.findByText("Company name can't contain characters that change the text direction (U+202E)")).toBeInTheDocument();
    expect(screen.getByLabelText('Company name')).toHaveAttribute('aria-invalid', 'true');
    await user.click(screen.getByRole('button', { name: 'Start my free trial' }));
    expect(requests.filter((url) => url === '/api/signups')).toHaveLength(0);
  });
});
