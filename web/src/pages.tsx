import { lazy, useState, type ComponentType } from 'react';

/** A page whose code could not be fetched (offline, or removed by a deploy since this tab opened). */
function LoadFailed() {
  return (
    <p className="alert" role="alert">
      This page could not be loaded. <a href={window.location.href}>Reload</a>
    </p>
  );
}

/**
 * A page loaded on demand, so a visitor who only signs up does not download it. Once fetched
 * (preload() or an earlier visit) it renders at once: React.lazy alone would show the loading
 * fallback again, and React holds a fallback on screen for up to 300 ms.
 */
function onDemand<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | undefined;
  const preload = () => load().then((page) => (loaded = page));
  const Lazy = lazy<ComponentType<P>>(() => preload().then((page) => ({ default: page }), () => ({ default: LoadFailed })));
  function Page(props: P) {
    // Chosen once per mount, so the page is not remounted when its code arrives.
    const [Component] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Component {...props} />;
  }
  return Object.assign(Page, { preload });
}

export const StatusPage = onDemand(() => import('./StatusPage').then((m) => m.StatusPage));
export const UpgradePage = onDemand(() => import('./UpgradePage').then((m) => m.UpgradePage));
export const SignInPage = onDemand(() => import('./SignInPage').then((m) => m.SignInPage));
export const SettingsPage = onDemand(() => import('./SettingsPage').then((m) => m.SettingsPage));
export const VerifyPage = onDemand(() => import('./VerifyPage').then((m) => m.VerifyPage));
