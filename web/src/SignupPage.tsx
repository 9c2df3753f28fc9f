import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { APP_DOMAIN, DEFAULT_PRIMARY_COLOR, TRIAL_DAYS } from '../../shared/brand';
import { readableTextOn } from '../../shared/palette';
import { HONEYPOT_FIELD, signupSchema, type Signup } from '../../shared/signup';

/** Turnstile's public site key, set at build (VITE_TURNSTILE_SITE_KEY); unset (the default): no check, and its code is never loaded. */
const CAPTCHA_SITE_KEY: string | undefined = import.meta.env.VITE_TURNSTILE_SITE_KEY || undefined;
const Captcha = lazy(() => import('./Captcha').then((m) => ({ default: m.Captcha })));
import { subdomainCandidates, subdomainProblem } from '../../shared/subdomain';
import { checkSubdomain, submitSignup } from './api';
import { navigate } from './router';
import { StatusPage } from './pages';
import { FieldError, TextField } from './fields';
import { useSchemaForm } from './form';

type Availability =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'available' }
  | { state: 'unavailable'; reason: string; suggestion?: string }
  | { state: 'unknown' };

export const AVAILABILITY_DEBOUNCE_MS = 300;
const FIELDS = ['companyName', 'subdomain', 'adminName', 'adminEmail', 'primaryColor', 'acceptTerms', HONEYPOT_FIELD, 'captchaToken'] as const;
type Field = (typeof FIELDS)[number];
const isField = (name: string): name is Field => (FIELDS as readonly string[]).includes(name);

/** Live availability of the subdomain being typed, debounced and cancelled when it changes. */
function useAvailability(subdomain: string): Availability {
  const [availability, setAvailability] = useState<Availability>({ state: 'idle' });
  useEffect(() => {
    const name = subdomain.trim().toLowerCase();
    if (!name || subdomainProblem(name) !== undefined) {
      setAvailability({ state: 'idle' });
      return;
    }
    setAvailability({ state: 'checking' });
    const controller = new AbortController();
    const timer = setTimeout(() => {
      checkSubdomain(name, controller.signal).then(
        (result) =>
          setAvailability(
            result.available
              ? { state: 'available' }
              : { state: 'unavailable', reason: result.reason ?? 'Not available', ...(result.suggestion ? { suggestion: result.suggestion } : {}) },
          ),
        () => !controller.signal.aborted && setAvailability({ state: 'unknown' }),
      );
    }, AVAILABILITY_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [subdomain]);
  return availability;
}

export function SignupPage() {
  // In page order: a failed submit focuses the first field in error.
  const { values, register, handleSubmit, setValue, setError, errors, isSubmitting, dirty } = useSchemaForm(signupSchema, {
    companyName: '',
    subdomain: '',
    adminName: '',
    adminEmail: '',
    primaryColor: DEFAULT_PRIMARY_COLOR,
    [HONEYPOT_FIELD]: '',
    acceptTerms: false,
    captchaToken: '',
  });
  const [formError, setFormError] = useState<string>();
  // This email signed up before: the server mailed it the next step (confirmation, sign-in link, or why not yet), nothing new was set up.
  const [mailedTo, setMailedTo] = useState<string>();
  // One key per visit: a resubmit after a lost response gets the same tenant back, not a 409.
  const idempotencyKey = useRef(crypto.randomUUID());

  const { companyName, subdomain, primaryColor } = values;
  const availability = useAvailability(subdomain);

  // Offer an address derived from the company name until the visitor picks their own.
  useEffect(() => {
    if (dirty.subdomain) return;
    setValue('subdomain', companyName.trim() ? (subdomainCandidates(companyName, 1)[0] ?? '') : '');
  }, [companyName, dirty.subdomain, setValue]);

  const onSubmit = async (signup: Signup) => {
    setFormError(undefined);
    // Fetch the status page while the signup is posted, so the redirect shows no loading step.
    StatusPage.preload().catch(() => undefined);
    const outcome = await submitSignup(signup, idempotencyKey.current);
    if (outcome.ok) {
      if ('checkInbox' in outcome.accepted) setMailedTo(signup.adminEmail);
      else navigate(`/status/${outcome.accepted.tenantId}`);
      return;
    }
    let focused = false;
    for (const [field, message] of Object.entries(outcome.errors)) {
      if (isField(field)) {
        setError(field, message, !focused);
        focused = true;
      } else setFormError(message);
    }
  };

  const onCaptcha = useCallback((token: string) => setValue('captchaToken', token), [setValue]);
  const applySuggestion = (name: string) => setValue('subdomain', name, { dirty: true, validate: true });
  const validColor = /^#[0-9a-fA-F]{6}$/.test(primaryColor) ? primaryColor : DEFAULT_PRIMARY_COLOR;
  const preview = { background: validColor, color: readableTextOn(validColor.toLowerCase()) };
  const host = `${subdomain || 'your-company'}.${APP_DOMAIN}`;

  return (
    <section className="signup">
      <div className="intro">
        <h1>Start your free {TRIAL_DAYS}-day spaceOS trial</h1>
        <p>
          Tell us who you are and how your workplace app should look. We set up your own spaceOS instance, with a
          staging copy to try things out, in a few minutes. No credit card needed.
        </p>
      </div>

      <form onSubmit={handleSubmit(onSubmit)} noValidate aria-describedby={formError ? 'form-error' : undefined}>
        {formError && (
          <p id="form-error" className="alert" role="alert">
            {formError}
          </p>
        )}
        {mailedTo && (
          <p className="notice" role="status">
            Check your inbox: {mailedTo} has signed up before, so nothing new was set up. We sent that address a mail saying
            what to do next (look in the spam folder too).
          </p>
        )}

        <TextField label="Company name" autoComplete="organization" registration={register('companyName')} error={errors.companyName} />

        <div className="field">
          <label htmlFor="subdomain">Your spaceOS address</label>
          <div className="address">
            <input
              id="subdomain"
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="none"
              aria-invalid={!!errors.subdomain || availability.state === 'unavailable'}
              aria-describedby="subdomain-hint subdomain-error subdomain-availability"
              {...register('subdomain')}
            />
            <span className="suffix">.{APP_DOMAIN}</span>
          </div>
          <p id="subdomain-hint" className="hint">
            Lowercase letters, digits and hyphens. Your team will use https://{host}
          </p>
          <FieldError id="subdomain-error" message={errors.subdomain} />
          <p id="subdomain-availability" className={`availability ${availability.state}`} aria-live="polite">
            {availability.state === 'checking' && 'Checking availability…'}
            {availability.state === 'available' && `✓ ${host} is available`}
            {availability.state === 'unknown' && 'Could not check availability right now; we will check when you submit.'}
            {availability.state === 'unavailable' && (
              <>
                {availability.reason}.{' '}
                {availability.suggestion && (
                  <button type="button" className="link" onClick={() => applySuggestion(availability.suggestion!)}>
                    Use {availability.suggestion}
                  </button>
                )}
              </>
            )}
          </p>
        </div>

        <TextField label="Your name" autoComplete="name" registration={register('adminName')} error={errors.adminName} />
        <TextField
          label="Work email"
          type="email"
          autoComplete="email"
          hint="You become the administrator; we send your sign-in link here."
          registration={register('adminEmail')}
          error={errors.adminEmail}
        />

        <div className="field">
          <label htmlFor="primaryColor">Brand colour</label>
          <div className="colour">
            <input
              type="color"
              aria-label="Colour picker"
              value={validColor.toLowerCase()}
              onChange={(e) => setValue('primaryColor', e.target.value, { dirty: true, validate: true })}
            />
            <input id="primaryColor" className="hex" spellCheck={false} aria-invalid={!!errors.primaryColor} aria-describedby="primaryColor-error" {...register('primaryColor')} />
          </div>
          <FieldError id="primaryColor-error" message={errors.primaryColor} />
          <div className="preview" aria-label="Preview of your spaceOS home page">
            <div className="preview-bar" style={preview} data-testid="preview-bar">
              {companyName.trim() || 'Your company'}
            </div>
            <div className="preview-body">
              <span className="preview-button" style={preview}>
                Book a room
              </span>
              <span className="preview-url">{host}</span>
            </div>
          </div>
          <p className="hint">You can change colours, logo and more at any time after signup.</p>
        </div>

        {/* Honeypot for bots: hidden from people and from assistive technology. */}
        <div className="honeypot" aria-hidden="true">
          <label htmlFor={HONEYPOT_FIELD}>Leave this empty</label>
          <input id={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" {...register(HONEYPOT_FIELD)} />
        </div>

        <div className="field checkbox">
          <input id="acceptTerms" type="checkbox" aria-invalid={!!errors.acceptTerms} aria-describedby="acceptTerms-error" {...register('acceptTerms')} />
          <label htmlFor="acceptTerms">
            I accept the spaceOS terms of service and privacy policy
          </label>
          <FieldError id="acceptTerms-error" message={errors.acceptTerms} />
        </div>

        {CAPTCHA_SITE_KEY && (
          <Suspense fallback={null}>
            <Captcha siteKey={CAPTCHA_SITE_KEY} onToken={onCaptcha} error={errors.captchaToken} />
          </Suspense>
        )}

        <button type="submit" className="primary" disabled={isSubmitting} aria-busy={isSubmitting}>
          {isSubmitting ? 'Creating your trial…' : 'Start my free trial'}
        </button>
      </form>
    </section>
  );
}
