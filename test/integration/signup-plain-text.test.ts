import { describe, expect, it } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { createSubdomainAvailabilityHandler } from '../../functions/api/subdomain-availability';
import { apiEvent, parseBody, validSignup } from '../support/api-event';
import { RecordingWorkflows } from '../support/deps';
import { localDeps } from '../support/local-table';

const post = (body: unknown) => apiEvent({ method: 'POST', path: '/api/signups', body });

describe('a signup with a control character against DynamoDB Local', () => {
  it('answers 400 on the company name, claims neither the address nor the email, and starts nothing', async () => {
    const workflows = new RecordingWorkflows();
    const deps = await localDeps(workflows);
    const signup = createSignupHandler(deps);

    const refused = await signup(post(validSignup({ companyName: 'Acme\u0000Spaces', subdomain: 'nul-acme', adminEmail: 'anna@nul-acme.com' })));

    expect(refused.statusCode).toBe(400);
    expect(parseBody(refused).errors).toEqual({ companyName: "Company name can't contain invisible or control characters (U+0000); retype it rather than pasting" });
    expect(workflows.started).toEqual([]);
    const available = createSubdomainAvailabilityHandler(deps);
    expect(parseBody(await available(apiEvent({ path: '/api/subdomains/nul-acme', pathParameters: { name: 'nul-acme' } })))).toEqual({ available: true });
    // Corrected, the same address and email go through: nothing was left claimed.
    expect((await signup(post(validSignup({ companyName: 'Acme Spaces', subdomain: 'nul-acme', adminEmail: 'anna@nul-acme.com' })))).statusCode).toBe(202);
  });
});
