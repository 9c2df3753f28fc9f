import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeleteSessionHandler } from '../../functions/api/delete-session';
import { createTestMailHandler } from '../../functions/api/test-mail';
import { currentSession, sendTestMail, signOut } from '../../web/src/tenant-api';
import { apiEvent } from '../support/api-event';
import { sdkDeps, testPlatform } from '../support/deps';

/**
 * The pages' calls as the API receives them: the fetch the page makes (method, headers, body),
 * plus the Origin the browser adds to a same-origin POST, PUT or DELETE, turned into the event.
 */
function recordFetches() {
  const sent: Array<{ method: string; headers: Record<string, string> }> = [];
  vi.stubGlobal('fetch', async (_path: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    sent.push({ method, headers: Object.fromEntries(new Headers(init?.headers).entries()) });
    return new Response(null, { status: 204 });
  });
  return sent;
}

afterEach(() => vi.unstubAllGlobals());

describe('the settings pages call the API as it accepts cookie changes', () => {
  it('sends sign-out and the test mail, which have no body, as JSON, so the API does not refuse them (415)', async () => {
    const sent = recordFetches();
    await signOut();
    await sendTestMail('tenant-1');
    await currentSession();
    expect(sent.map((s) => [s.method, s.headers['content-type']])).toEqual([['DELETE', 'application/json'], ['POST', 'application/json'], ['GET', undefined]]);

    // What the API makes of them, from the site's own origin (as the browser sends it).
    const deps = sdkDeps();
    const asReceived = (i: number, path: string) => apiEvent({ method: sent[i]!.method, path, headers: { 'content-type': undefined, 'sec-fetch-site': undefined, origin: testPlatform.siteUrl, ...sent[i]!.headers }, pathParameters: { id: 'tenant-1' } });
    expect((await createDeleteSessionHandler(deps)(asReceived(0, '/api/auth/session'))).statusCode).toBe(204);
    // No session: 401 (past the origin and type checks, which would answer 403/415).
    expect((await createTestMailHandler(deps)(asReceived(1, '/api/tenants/tenant-1/settings/test-mail'))).statusCode).toBe(401);
  });
});
