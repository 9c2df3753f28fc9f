import { Suspense } from 'react';
import { usePath } from './router';
import { SignupPage } from './SignupPage';
import { SettingsPage, SignInPage, StatusPage, UpgradePage, VerifyPage } from './pages';

export function App() {
  const path = usePath();
  const status = /^\/status\/([^/]+)\/?$/.exec(path);
  const upgrade = /^\/upgrade\/([^/]+)\/?$/.exec(path);
  return (
    <div className="shell">
      <header className="topbar">
        <a href="/" className="logo">spaceOS</a>
        <span className="tagline">Your workplace app, live in minutes</span>
        <a href="/settings" className="topbar-link">Admin sign-in</a>
      </header>
      <main>
        <Suspense fallback={<p className="page-loading" role="status">Loading…</p>}>
          {status?.[1] ? (
            <StatusPage tenantId={decodeURIComponent(status[1])} />
          ) : upgrade?.[1] ? (
            <UpgradePage tenantId={decodeURIComponent(upgrade[1])} />
          ) : /^\/verify\/?$/.test(path) ? (
            <VerifyPage />
          ) : /^\/signin\/?$/.test(path) ? (
            <SignInPage />
          ) : /^\/settings\/?$/.test(path) ? (
            <SettingsPage />
          ) : (
            <SignupPage />
          )}
        </Suspense>
      </main>
    </div>
  );
}
