import { useState } from 'react';
import { PAID_PLAN } from '../../shared/billing';
import { adminToken, rememberAdminToken } from './admin-token';
import { requestUpgradeLink, startCheckout } from './tenant-api';

export function UpgradePage({ tenantId }: { tenantId: string }) {
  const fromLink = new URLSearchParams(window.location.search).get('token') ?? undefined;
  if (fromLink) rememberAdminToken(tenantId, fromLink);
  const token = fromLink ?? adminToken(tenantId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [linkSent, setLinkSent] = useState(false);

  const upgrade = async () => {
    if (!token) return;
    setBusy(true);
    setError(undefined);
    const result = await startCheckout(tenantId, token);
    if (result.ok) window.location.assign(result.url);
    else {
      setError(result.message);
      setBusy(false);
    }
  };

  return (
    <section className="status upgrade">
      <h1>Upgrade to {PAID_PLAN.name}</h1>
      <p className="price">{PAID_PLAN.price}</p>
      <ul className="changes">
        {PAID_PLAN.changes.map((change) => (
          <li key={change}>✓ {change}</li>
        ))}
      </ul>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {token ? (
        <button type="button" className="primary" onClick={() => void upgrade()} disabled={busy} aria-busy={busy}>
          {busy ? 'Opening secure checkout…' : 'Upgrade now'}
        </button>
      ) : linkSent ? (
        <p role="status">We have emailed your admin a secure upgrade link. Open it from that email.</p>
      ) : (
        <>
          <p>For your security, upgrading needs the link from your admin email.</p>
          <button type="button" className="primary" onClick={() => void requestUpgradeLink(tenantId).then(setLinkSent)}>
            Email me an upgrade link
          </button>
        </>
      )}
      <p className="hint">Payments are handled by Stripe. You can cancel at any time.</p>
    </section>
  );
}
