import { usePath } from './router';
import { SignupPage } from './SignupPage';
import { StatusPage } from './StatusPage';

export function App() {
  const path = usePath();
  const status = /^\/status\/([^/]+)\/?$/.exec(path);
  return (
    <div className="shell">
      <header className="topbar">
        <a href="/" className="logo">spaceOS</a>
        <span className="tagline">Your workplace app, live in minutes</span>
      </header>
      <main>{status?.[1] ? <StatusPage tenantId={decodeURIComponent(status[1])} /> : <SignupPage />}</main>
    </div>
  );
}
