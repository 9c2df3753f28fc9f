import { Component, Suspense, type ReactNode } from 'react';

type State = { failed: boolean };

/** A page chunk that fails to load (offline, or removed by a deploy since this tab opened) gets a reload link, not a blank screen. */
class LoadFailure extends Component<{ children: ReactNode }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <p className="alert" role="alert">
        This page could not be loaded. <a href={window.location.href}>Reload</a>
      </p>
    );
  }
}

export function PageBoundary({ children }: { children: ReactNode }) {
  return (
    <LoadFailure>
      <Suspense
        fallback={
          <p className="page-loading" role="status">
            Loading…
          </p>
        }
      >
        {children}
      </Suspense>
    </LoadFailure>
  );
}
