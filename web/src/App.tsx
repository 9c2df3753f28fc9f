import { usePath } from './router';
import { SignupPage } from './SignupPage';
import { SettingsPage, SignInPage, StatusPage, UpgradePage } from './pages';
import { PageBoundary } from './page-boundary';

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
        {/* Keyed by path: a failed page load does not stick to the next page. */}
        <PageBoundary key={path}>
          {status?.[1] ? (
            <StatusPage tenantId={decodeURIComponent(status[1])} />
          ) : upgrade?.[1] ? (
            <UpgradePage tenantId={decodeURIComponent(upgrade[1])} />
          ) : /^\/signin\/?$/.test(path) ? (
            <SignInPage />
          ) : /^\/settings\/?$/.test(path) ? (
            <SettingsPage />
          ) : (
            <SignupPage />
          )}
        </PageBoundary>
      </main>
    </div>
  );
}
