import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FAILED_STEP_MESSAGE } from '../../shared/public-status';
import { StatusPage } from '../../web/src/StatusPage';

describe('status page of a failed signup', () => {
  it('says at the failed step, in our words, that the team will finish it; a cause sent along is not shown', async () => {
    const view = {
      tenantId: 't-1', subdomain: 'acme', companyName: 'Acme Spaces', status: 'FAILED', plan: 'trial', urls: {},
      steps: [
        { name: 'MarkProvisioning', status: 'SUCCEEDED' },
        { name: 'CreateDatabases', status: 'FAILED', error: 'invalid byte sequence for encoding "UTF8": 0x00' },
      ],
    };
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(view), { status: 200 }));
    render(<StatusPage tenantId="t-1" />);
    const step = (await screen.findByText(FAILED_STEP_MESSAGE)).closest('[data-step]');
    expect(step).toHaveAttribute('data-step', 'CreateDatabases');
    expect(document.body).not.toHaveTextContent(/UTF8|byte sequence/);
  });
});
