import { useEffect, useState } from 'react';
import type { EmailVerified } from '../../shared/verification';
import { rememberAdminToken } from './admin-token';
import { errorsOf, NETWORK_ERROR } from './api';
import { navigate } from './router';

type State = { kind: 'asking' } | { kind: 'verifying' } | { kind: 'failed'; message: string };

/**
 * /verify?tenant=...&token=...: the link of the verification mail. Confirms only on a click (mail
 * scanners open links and some run their scripts: a page that confirmed by itself would be confirmed
 * by them), posts the token, keeps the admin token it gets back and goes on to the status page,
 * where the instance is now the admin's.
 */
export function VerifyPage() {
  const [state, setState] = useState<State>({ kind: 'asking' });
  useEffect(() => {
    if (state.kind !== 'verifying') return;
    const query = new URLSearchParams(window.location.search);
    const tenantId = query.get('tenant') ?? '';
    const token = query.get('token') ?? '';
    let cancelled = false;
    (async () => {
      let response: Response;
      try {
        response = await fetch('/api/signups/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId, token }) });
      } catch {
        if (!cancelled) setState({ kind: 'failed', message: NETWORK_ERROR });
        return;
      }
      if (cancelled) return;
      if (response.ok) {
        const verified = (await response.json()) as EmailVerified;
        rememberAdminToken(verified.tenantId, verified.adminToken);
        navigate(`/status/${encodeURIComponent(verified.tenantId)}`);
        return;
      }
      const errors = await errorsOf(response);
      setState({ kind: 'failed', message: Object.values(errors)[0] ?? 'This link could not be confirmed.' });
    })();
    return () => {
      cancelled = true;
    };
  }, [state.kind]);

  return (
    <section className="status">
      <h1>Confirm your email</h1>
      {state.kind === 'asking' ? (
        <>
          <p>You signed up for a spaceOS trial with this address. Confirm it to open your instance and start the trial.</p>
          <p>
            <button type="button" className="primary" onClick={() => setState({ kind: 'verifying' })}>
              Confirm my email
            </button>
          </p>
          <p className="hint">Not you? Close this page: nothing is set up in your name, and the signup is removed within a day.</p>
        </>
      ) : state.kind === 'verifying' ? (
        <p role="status">One moment…</p>
      ) : (
        <>
          <p className="alert" role="alert">
            {state.message}
          </p>
          <p>
            <a href="/">Back to the signup</a>
          </p>
        </>
      )}
    </section>
  );
}
