import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { APP_DOMAIN } from '../../shared/brand';
import { magicLinkRequestSchema, MAGIC_LINK_MINUTES, type MagicLinkRequest } from '../../shared/auth';
import { requestSignInLink, signInWithToken } from './tenant-api';
import { TextField } from './fields';
import { navigate } from './router';

type Phase = { kind: 'form' } | { kind: 'signing-in' } | { kind: 'sent'; email: string };

/**
 * /signin: asks for a sign-in link by mail, and /signin?token=… spends one. The token is taken
 * out of the address bar at once (it must not sit in history or be shared by copy-paste).
 */
export function SignInPage() {
  const token = useRef(new URLSearchParams(window.location.search).get('token'));
  const [phase, setPhase] = useState<Phase>(token.current ? { kind: 'signing-in' } : { kind: 'form' });
  const [formError, setFormError] = useState<string>();
  const {
    register,
    handleSubmit,
    formState: { errors, isSubmitting },
  } = useForm<MagicLinkRequest>({ resolver: zodResolver(magicLinkRequestSchema), mode: 'onTouched', defaultValues: { email: '', subdomain: '' } });

  useEffect(() => {
    const value = token.current;
    if (!value) return;
    token.current = null;
    window.history.replaceState(null, '', '/signin');
    void signInWithToken(value).then((outcome) => {
      if (outcome.ok) navigate('/settings');
      else {
        setFormError(Object.values(outcome.errors)[0]);
        setPhase({ kind: 'form' });
      }
    });
  }, []);

  const onSubmit = async (request: MagicLinkRequest) => {
    setFormError(undefined);
    const outcome = await requestSignInLink(request);
    if (outcome.ok) setPhase({ kind: 'sent', email: request.email });
    else setFormError(Object.values(outcome.errors)[0]);
  };

  if (phase.kind === 'signing-in') return <p className="status" role="status">Signing you in…</p>;
  if (phase.kind === 'sent') {
    return (
      <section className="status" aria-live="polite">
        <h1>Check your inbox</h1>
        <p>
          If <strong>{phase.email}</strong> is the admin address of that instance, a sign-in link is on its way. It works once, for {MAGIC_LINK_MINUTES} minutes.
        </p>
        <button type="button" className="link" onClick={() => setPhase({ kind: 'form' })}>
          Use another address
        </button>
      </section>
    );
  }
  return (
    <section>
      <div className="intro">
        <h1>Sign in to your spaceOS settings</h1>
        <p>No password: we mail a one-time sign-in link to the admin address you signed up with.</p>
      </div>
      <form onSubmit={handleSubmit(onSubmit)} noValidate>
        {formError && (
          <p className="alert" role="alert">
            {formError}
          </p>
        )}
        <TextField label="Your spaceOS address" hint={`The part before .${APP_DOMAIN}`} autoCapitalize="none" spellCheck={false} registration={register('subdomain')} error={errors.subdomain?.message} />
        <TextField label="Admin email" type="email" autoComplete="email" registration={register('email')} error={errors.email?.message} />
        <button type="submit" className="primary" disabled={isSubmitting} aria-busy={isSubmitting}>
          {isSubmitting ? 'Sending…' : 'Mail me a sign-in link'}
        </button>
      </form>
    </section>
  );
}
