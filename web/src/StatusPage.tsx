import { useEffect, useState } from 'react';
import { HAS_INSTANCE, SETTLED_STATUSES } from '../../shared/lifecycle';
import { progressPercent, secondsLeft, stepLabel, stepsDone, type StepProgress, type TenantStatusView } from '../../shared/provisioning';
import { daysLeft, PAID_PLAN } from '../../shared/billing';
import { FAILED_STEP_MESSAGE } from '../../shared/public-status';
import { adminToken } from './admin-token';
import { pollDelayMs } from './poll-delay';
import { fetchTenantStatus, openBillingPortal } from './tenant-api';


const HEADLINES: Record<TenantStatusView['status'], string> = {
  PENDING: 'Your signup is queued',
  PROVISIONING: 'Setting up your instance',
  ACTIVE: 'Your instance is ready',
  FAILED: 'Setup hit a problem',
  PAST_DUE: 'Your instance is ready',
  SUSPENDED: 'This instance is suspended',
  DELETING: 'This instance is being removed',
  DELETED: 'This instance was removed',
};

/** Nothing left to watch: a settled status, and (unless it failed) every step through, the welcome mail included. */
const finished = (view: TenantStatusView) =>
  SETTLED_STATUSES.has(view.status) && !view.awaitingEmailVerification && (view.status === 'FAILED' || view.steps.every((s) => s.status === 'SUCCEEDED' || s.status === 'FAILED'));
/** Live, and only the email confirmation missing (the page turns when it is opened, in this tab or another). */
const awaitingVerification = (view: TenantStatusView) => Boolean(view.awaitingEmailVerification) && view.status === 'ACTIVE';
/** Live, with the welcome mail still being retried: watched slowly, so the notice goes once it is sent. */
const awaitingWelcomeMail = (view: TenantStatusView) => view.welcomeMail === 'retrying' && view.status === 'ACTIVE';

type Load = { kind: 'loading' } | { kind: 'found'; view: TenantStatusView; stale?: string } | { kind: 'not-found' };

/**
 * Polls the status endpoint until the tenant settles (and, back from checkout, until the plan
 * shows as paid), keeping the last good view on hiccups.
 */
function useTenantStatus(tenantId: string, awaitingPaid: boolean): Load {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    let failuresInARow = 0;
    const poll = async () => {
      timer = undefined;
      const result = await fetchTenantStatus(tenantId, controller.signal).catch(() => undefined);
      if (!result || controller.signal.aborted) return;
      if (result.kind === 'not-found') return setLoad({ kind: 'not-found' });
      if (result.kind === 'error') setLoad((prev) => (prev.kind === 'found' ? { ...prev, stale: result.message } : prev));
      else setLoad({ kind: 'found', view: result.view });
      const waiting = result.kind === 'error' || !finished(result.view) || (awaitingPaid && result.view.plan !== 'paid') || awaitingWelcomeMail(result.view);
      // Waiting on the admin (the confirmation mail: minutes to hours) or on a retried welcome mail: a slower watch.
      const slow = result.kind === 'found' && (awaitingVerification(result.view) || (finished(result.view) && awaitingWelcomeMail(result.view)));
      failuresInARow = result.kind === 'error' ? failuresInARow + 1 : 0;
      if (waiting) timer = setTimeout(poll, pollDelayMs({ watchingForMs: Date.now() - started, slow, failuresInARow, hidden: document.visibilityState === 'hidden' }));
    };
    // Back in view: look now instead of finishing a hidden tab's long wait.
    const onVisible = () => {
      if (document.visibilityState !== 'visible' || timer === undefined) return;
      clearTimeout(timer);
      void poll();
    };
    document.addEventListener('visibilitychange', onVisible);
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [tenantId, awaitingPaid]);
  return load;
}

export function StatusPage({ tenantId }: { tenantId: string }) {
  const upgraded = new URLSearchParams(window.location.search).has('upgraded');
  const load = useTenantStatus(tenantId, upgraded);
  if (load.kind === 'loading') return <p className="status-loading">Loading your signup…</p>;
  if (load.kind === 'not-found')
    return (
      <section className="status">
        <h1>We can't find this signup</h1>
        <p>
          Check the link, or <a href="/">start a new trial</a>.
        </p>
      </section>
    );

  const { view, stale } = load;
  const done = stepsDone(view.steps);
  const percent = progressPercent(view.steps);
  const left = view.status === 'PROVISIONING' ? secondsLeft(view.steps, Date.now()) : undefined;
  return (
    <section className="status" aria-live="polite">
      <h1>{awaitingVerification(view) ? 'Confirm your email to open your instance' : HEADLINES[view.status]}</h1>
      <p className="lead">
        {view.companyName} · <code>{view.subdomain}</code>
      </p>
      <div className="progress" role="progressbar" aria-label="Setup progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className={`progress-fill ${view.status === 'FAILED' ? 'failed' : ''}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="progress-text">
        {done} of {view.steps.length} steps done
        {left !== undefined && ` · about ${left < 90 ? `${left} s` : `${Math.round(left / 60)} min`} left`}
      </p>
      <ol className="steps">
        {view.steps.map((step) => (
          <StepRow key={step.name} step={step} late={step.name === 'SendWelcomeEmail' ? view.welcomeMail : undefined} />
        ))}
      </ol>
      {view.status === 'FAILED' && (
        <p className="alert" role="alert">
          Something went wrong while setting up your instance. Our team has been alerted and will finish it for you; we
          will email you as soon as it is ready.
        </p>
      )}
      {view.welcomeMail && !view.awaitingEmailVerification && (
        <p className="notice" role="status" data-welcome-mail={view.welcomeMail}>
          {view.welcomeMail === 'retrying'
            ? 'We could not deliver your welcome email yet. We will keep trying on our own, and our team has been told. Meanwhile you can open your instance from here, or get a sign-in link from the sign-in page.'
            : 'We could not deliver your welcome email to the address you gave. Our team has been alerted and will get in touch; meanwhile you can open your instance from here.'}
        </p>
      )}
      {view.awaitingEmailVerification && view.status !== 'FAILED' && (
        <p className="notice" role="status">
          {view.status === 'ACTIVE' ? 'Your instance is ready. ' : ''}We sent a confirmation link to the email address you gave: open it
          to get your instance's address and sign-in link, and to start your trial. Nothing there? Check the spam folder, or
          sign up again with the same email to get a new link.
        </p>
      )}
      {view.urls.app && (
        <p className="ready">
          <a className="primary" href={view.urls.app}>Open {view.companyName}</a>
          {view.urls.staging && <a href={view.urls.staging}>Staging copy</a>}
          <a href="/settings">Colours, logo and settings</a>
        </p>
      )}
      {view.instances && <InstanceStates instances={view.instances} />}
      {HAS_INSTANCE.has(view.status) && !view.awaitingEmailVerification && <PlanPanel view={view} upgraded={upgraded} />}
      {stale && <p className="hint">Connection trouble ({stale}); retrying…</p>}
    </section>
  );
}

const INSTANCE_NAMES = { prod: 'Your instance', stg: 'Staging copy' } as const;
const STATE_TEXT = {
  running: 'running',
  sleeping: 'resting while unused: opening it wakes it in a few seconds',
  waking: 'waking up',
  stopped: 'stopped',
} as const;

/** Whether each instance runs: idle ones sleep, and the client should know why the first visit takes a moment. */
function InstanceStates({ instances }: { instances: NonNullable<TenantStatusView['instances']> }) {
  return (
    <ul className="instances" aria-label="Instances">
      {(['prod', 'stg'] as const).flatMap((env) => {
        const state = instances[env];
        return state ? [<li key={env} data-instance={env} data-state={state}>{INSTANCE_NAMES[env]}: {STATE_TEXT[state]}</li>] : [];
      })}
    </ul>
  );
}

function PlanPanel({ view, upgraded }: { view: TenantStatusView; upgraded: boolean }) {
  const token = adminToken(view.tenantId);
  const [error, setError] = useState<string>();
  if (view.plan === 'paid') {
    const manage = async () => {
      const result = await openBillingPortal(view.tenantId, token!);
      if (result.ok) window.location.assign(result.url);
      else setError(result.message);
    };
    return (
      <div className="plan paid" data-plan="paid">
        <p>
          <strong>Plan: {PAID_PLAN.name}</strong> {upgraded && '· Thank you, your payment went through.'}
        </p>
        {view.billing === 'invoiced' ? (
          <p data-billing="invoiced">Billed by invoice: your spaceOS contact handles billing.</p>
        ) : (
          token && (
            <button type="button" className="link" onClick={() => void manage()}>
              Manage billing
            </button>
          )
        )}
        {error && <p className="alert">{error}</p>}
      </div>
    );
  }
  return (
    <div className="plan trial" data-plan="trial">
      <p>
        <strong>Plan: free trial</strong>
        {view.trialEndsAt && ` · ${daysLeft(view.trialEndsAt, Date.now())} days left`}
        {view.status === 'SUSPENDED' && ' · ended'}
      </p>
      {upgraded ? (
        <p role="status">Confirming your payment…</p>
      ) : (
        <a className="primary" href={`/upgrade/${view.tenantId}`}>
          Upgrade
        </a>
      )}
    </div>
  );
}

/** `late`: the welcome mail's step ran, but the mail did not go out (retried on its own, or given up). */
function StepRow({ step, late }: { step: StepProgress; late?: TenantStatusView['welcomeMail'] }) {
  const seconds = step.startedAt && step.endedAt ? (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000 : undefined;
  return (
    <li className={`step ${step.status.toLowerCase()}`} data-step={step.name} data-status={step.status}>
      <span className="step-icon" aria-hidden="true">
        {{ PENDING: '○', RUNNING: '◌', SUCCEEDED: '✓', FAILED: '✕' }[step.status]}
      </span>
      <span className="step-label">{stepLabel(step.name)}</span>
      <span className="step-state">
        {late && step.status === 'SUCCEEDED'
          ? late === 'retrying'
            ? 'not delivered yet, retrying'
            : 'not delivered'
          : step.status === 'SUCCEEDED'
            ? `done${seconds !== undefined ? ` in ${seconds.toFixed(1)} s` : ''}`
            : step.status.toLowerCase()}
      </span>
      {/* Our own words, never step.error: the page must not show a cause even if an API ever sends one. */}
      {step.status === 'FAILED' && (
        <span className="step-error" style={{ gridColumn: '2 / -1', color: '#b91c1c', fontSize: '0.875rem' }}>
          {FAILED_STEP_MESSAGE}
        </span>
      )}
    </li>
  );
}
