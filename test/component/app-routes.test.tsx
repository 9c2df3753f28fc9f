import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../web/src/App';

// Stands in for a page chunk that is gone (a deploy since the tab opened) or unreachable.
vi.mock('../../web/src/UpgradePage', () => {
  throw new Error('Failed to fetch dynamically imported module');
});

const open = (path: string) => window.history.replaceState(null, '', path);

describe('pages loaded on demand', () => {
  it('says the page is loading, for screen readers too, then shows it', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ errors: { body: 'No signup with this id' } }), { status: 404 }));
    open('/status/nope');
    render(<App />);
    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    expect(await screen.findByRole('heading', { name: "We can't find this signup" })).toBeInTheDocument();
    expect(screen.queryByText('Loading…')).not.toBeInTheDocument();
  });

  it('offers a reload when a page cannot be fetched, instead of a blank screen', async () => {
    open('/upgrade/t-1');
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('This page could not be loaded.');
    expect(screen.getByRole('link', { name: 'Reload' })).toHaveAttribute('href', new URL('/upgrade/t-1', window.location.origin).href);
    expect(screen.getByRole('link', { name: 'spaceOS' })).toBeInTheDocument();
  });

  it('renders the signup page without waiting for anything', () => {
    render(<App />);
    expect(screen.getByRole('heading', { name: /Start your free 14-day spaceOS trial/ })).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });
});
