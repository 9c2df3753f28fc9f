import { zodResolver } from '@hookform/resolvers/zod';
import { useCallback, useEffect, useState } from 'react';
import { useForm, useWatch, type FieldPath } from 'react-hook-form';
import * as z from 'zod/mini';
import type { SessionView } from '../../shared/auth';
import { contrastWarnings, readableTextOn } from '../../shared/palette';
import {
  LOCALES,
  LOGO_MAX_BYTES,
  LOGO_TYPES,
  SOCIAL_LABELS,
  SOCIAL_NETWORKS,
  tenantSettingsSchema,
  type SettingsChange,
  type SettingsView,
  type TenantSettings,
} from '../../shared/settings';
import { currentSession, loadSettings, loadSettingsHistory, saveSettings, sendTestMail, signOut, testSmtp, uploadLogo } from './tenant-api';
import { FieldError, TextField } from './fields';
import { navigate } from './router';

const formSchema = z.object({ settings: tenantSettingsSchema, smtpPassword: z.optional(z.string()) });
type FormInput = z.input<typeof formSchema>;
type FormOutput = z.output<typeof formSchema>;
type Field = FieldPath<FormInput>;

const HEX = /^#[0-9a-fA-F]{6}$/;
const SMTP_DEFAULTS = { host: '', port: 587, secure: false, user: '', fromAddress: '' };

/**
 * The form's starting values: the saved settings, with the SMTP fields present even for the
 * default sender so switching to SMTP starts from sensible values (the schema drops them again).
 */
function toForm(settings: TenantSettings): FormInput {
  // The sender is widened on purpose: both variants' fields live in the form at once.
  const sender = { ...SMTP_DEFAULTS, ...settings.mail.sender } as TenantSettings['mail']['sender'];
  // Absent optional texts start as '' (what an empty input holds), or the form is dirty on load.
  const { footer } = settings.mail;
  const socialLinks = Object.fromEntries(SOCIAL_NETWORKS.map((network) => [network, footer.socialLinks[network] ?? '']));
  return {
    settings: {
      ...settings,
      mail: { ...settings.mail, sender, footer: { ...footer, socialLinks, headerImage: footer.headerImage ?? '' } },
      analytics: { googleAnalyticsId: settings.analytics.googleAnalyticsId ?? '' },
    },
    smtpPassword: '',
  };
}

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; session: SessionView; view: SettingsView };

/** /settings: everything chosen at signup (and more), changeable at any time by the signed-in admin. */
export function SettingsPage() {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const load = useCallback(async () => {
    const session = await currentSession();
    if (!session.ok) {
      if (session.status === 401) navigate('/signin');
      else setLoaded({ kind: 'error', message: Object.values(session.errors)[0] ?? 'Could not load your session' });
      return;
    }
    const view = await loadSettings(session.value.tenantId);
    if (view.ok) setLoaded({ kind: 'ready', session: session.value, view: view.value });
    else if (view.status === 401) navigate('/signin');
    else setLoaded({ kind: 'error', message: Object.values(view.errors)[0] ?? 'Could not load the settings' });
  }, []);
  useEffect(() => void load(), [load]);

  if (loaded.kind === 'loading') return <p className="status" role="status">Loading your settings…</p>;
  if (loaded.kind === 'error') return <p className="alert" role="alert">{loaded.message}</p>;
  // Keyed by version: a reload after a conflict starts the form from the stored settings.
  return <SettingsForm key={loaded.view.version} session={loaded.session} initial={loaded.view} onReload={load} />;
}

function SettingsForm({ session, initial, onReload }: { session: SessionView; initial: SettingsView; onReload: () => Promise<void> }) {
  const { tenantId } = session;
  const [view, setView] = useState(initial);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error' | 'conflict'; text: string }>();
  const [logoPreview, setLogoPreview] = useState<string | undefined>(initial.logoUrl);
  const [logoError, setLogoError] = useState<string>();
  const [smtpResult, setSmtpResult] = useState<{ ok: boolean; text: string }>();
  const [history, setHistory] = useState<SettingsChange[]>([]);
  const {
    register,
    handleSubmit,
    control,
    setValue,
    setError,
    reset,
    trigger,
    getValues,
    formState: { errors, isSubmitting, isDirty },
  } = useForm<FormInput, unknown, FormOutput>({ resolver: zodResolver(formSchema), mode: 'onTouched', defaultValues: toForm(initial.settings) });

  const refreshHistory = useCallback(() => void loadSettingsHistory(tenantId).then((r) => r.ok && setHistory(r.value.changes)), [tenantId]);
  useEffect(refreshHistory, [refreshHistory]);

  const watched = useWatch({ control, name: 'settings' });
  const primary = HEX.test(watched.branding?.primaryColor ?? '') ? watched.branding!.primaryColor! : initial.settings.branding.primaryColor;
  const accent = HEX.test(watched.branding?.accentColor ?? '') ? watched.branding!.accentColor! : initial.settings.branding.accentColor;
  const warnings = contrastWarnings({ primaryColor: primary.toLowerCase(), accentColor: accent.toLowerCase() });
  const senderKind = watched.mail?.sender?.kind ?? 'default';
  const e = errors.settings;

  const onSubmit = async ({ settings, smtpPassword }: FormOutput) => {
    setNotice(undefined);
    const outcome = await saveSettings(tenantId, { version: view.version, settings, ...(smtpPassword ? { smtpPassword } : {}) });
    if (outcome.ok) {
      setView(outcome.value);
      reset(toForm(outcome.value.settings));
      setNotice({
        kind: 'ok',
        text: outcome.value.instanceUpdatePending
          ? 'Saved. Your instance is a little behind this time: it shows the change within a couple of minutes; nothing else to do.'
          : 'Saved. Your instance and your next mails show it within seconds; no restart needed.',
      });
      refreshHistory();
      return;
    }
    if (outcome.status === 409) {
      setNotice({ kind: 'conflict', text: outcome.errors.version ?? 'These settings were changed meanwhile.' });
      return;
    }
    if (outcome.status === 401) return navigate('/signin');
    let focused = false;
    for (const [path, message] of Object.entries(outcome.errors)) {
      if (path === 'settings.branding.logo') setLogoError(message);
      else if (path.startsWith('settings.') || path === 'smtpPassword') {
        setError(path as Field, { type: 'server', message }, { shouldFocus: !focused });
        focused = true;
      } else setNotice({ kind: 'error', text: message });
    }
    if (!focused && !outcome.errors['settings.branding.logo']) setNotice((n) => n ?? { kind: 'error', text: 'The settings were not saved.' });
  };

  const onLogo = async (file: File | undefined) => {
    setLogoError(undefined);
    if (!file) return;
    if (!(file.type in LOGO_TYPES)) return setLogoError('Choose a PNG, JPEG or WebP image');
    if (file.size > LOGO_MAX_BYTES) return setLogoError(`The logo may be at most ${LOGO_MAX_BYTES / 1024} KB; this one has ${Math.ceil(file.size / 1024)} KB`);
    const outcome = await uploadLogo(tenantId, file);
    if (!outcome.ok) return setLogoError(Object.values(outcome.errors)[0]);
    setLogoPreview(URL.createObjectURL(file));
    setValue('settings.branding.logo', outcome.value.key, { shouldDirty: true });
  };

  const onTestSmtp = async () => {
    setSmtpResult(undefined);
    const fields: Field[] = ['settings.mail.sender.host', 'settings.mail.sender.port', 'settings.mail.sender.user', 'settings.mail.sender.fromAddress'];
    if (!(await trigger(fields))) return;
    const sender = getValues('settings.mail.sender');
    if (sender.kind !== 'smtp') return;
    const outcome = await testSmtp(tenantId, { ...sender, port: Number(sender.port) }, getValues('smtpPassword') || undefined);
    setSmtpResult(outcome.ok ? { ok: true, text: outcome.value.message } : { ok: false, text: Object.values(outcome.errors)[0] ?? 'The test failed' });
  };

  const onTestMail = async () => {
    const outcome = await sendTestMail(tenantId);
    setNotice(
      outcome.ok
        ? { kind: 'ok', text: `Test mail sent to ${outcome.value.sentTo} (${outcome.value.via === 'smtp' ? 'through your SMTP server' : 'through the spaceOS mail service'}).${isDirty ? ' It shows the saved settings, not your unsaved changes.' : ''}` }
        : { kind: 'error', text: Object.values(outcome.errors)[0] ?? 'The test mail was not sent' },
    );
  };

  const colourField = (name: 'primaryColor' | 'accentColor', label: string, value: string) => (
    <div className="field">
      <label htmlFor={`settings.branding.${name}`}>{label}</label>
      <div className="colour">
        <input type="color" aria-label={`${label} picker`} value={value.toLowerCase()} onChange={(ev) => setValue(`settings.branding.${name}`, ev.target.value, { shouldDirty: true, shouldValidate: true })} />
        <input id={`settings.branding.${name}`} className="hex" spellCheck={false} aria-invalid={!!e?.branding?.[name]} aria-describedby={`settings.branding.${name}-error`} {...register(`settings.branding.${name}`)} />
      </div>
      <FieldError id={`settings.branding.${name}-error`} message={e?.branding?.[name]?.message} />
    </div>
  );

  const footerLines = [watched.mail?.footer?.text, watched.mail?.footer?.postalAddress].filter((line): line is string => !!line?.trim());

  return (
    <section className="settings">
      <div className="intro settings-head">
        <div>
          <h1>{session.companyName} settings</h1>
          <p>
            Signed in as {session.email} · <a href={`/status/${tenantId}`}>instance status</a>
          </p>
        </div>
        <button type="button" className="link" onClick={() => void signOut().then(() => navigate('/signin'))}>
          Sign out
        </button>
      </div>

      {view.adminEmailBouncedAt && (
        <p className="alert" role="alert" data-admin-bounce>
          Mail to your address {session.email} bounced on {new Date(view.adminEmailBouncedAt).toLocaleString()}: the receiving server said it does not exist or
          refuses our mail, so we have stopped sending to it (sign-in links, trial and billing notices). Check the address with your mail provider, then
          contact spaceOS support to have it tried again.
        </p>
      )}

      {view.smtpHealth?.state === 'failing' && (
        <p className="alert" role="alert">
          Your SMTP server refused us on {new Date(view.smtpHealth.checkedAt).toLocaleString()}: “{view.smtpHealth.error}”. Mail goes out through the spaceOS mail service meanwhile. Update
          the password (or switch to the default sender) and save.
        </p>
      )}

      <form onSubmit={handleSubmit(onSubmit)} noValidate>
        {notice && (
          <p className={notice.kind === 'ok' ? 'notice' : 'alert'} role={notice.kind === 'ok' ? 'status' : 'alert'}>
            {notice.text}{' '}
            {notice.kind === 'conflict' && (
              <button type="button" className="link" onClick={() => void onReload()}>
                Reload the current settings
              </button>
            )}
          </p>
        )}

        <fieldset>
          <legend>Branding</legend>
          <TextField label="App name" hint="Shown in the app's header, the mobile app and mails" registration={register('settings.branding.appName')} error={e?.branding?.appName?.message} />
          <div className="two">
            {colourField('primaryColor', 'Primary colour', primary)}
            {colourField('accentColor', 'Accent colour', accent)}
          </div>
          {warnings.length > 0 && (
            <ul className="warning" aria-label="Contrast warnings" data-testid="contrast-warnings">
              {warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <div className="field">
            <label htmlFor="logo-file">Logo</label>
            <div className="logo-row">
              {logoPreview && <img src={logoPreview} alt="Current logo" className="logo-preview" />}
              <input id="logo-file" type="file" accept={Object.keys(LOGO_TYPES).join(',')} aria-describedby="logo-hint logo-error" onChange={(ev) => void onLogo(ev.target.files?.[0])} />
            </div>
            <p id="logo-hint" className="hint">
              PNG, JPEG or WebP, at most {LOGO_MAX_BYTES / 1024} KB. Square works best.
            </p>
            <FieldError id="logo-error" message={logoError} />
          </div>
          <InstancePreview appName={watched.branding?.appName || session.companyName} primary={primary} accent={accent} logo={logoPreview} footer={footerLines} />
        </fieldset>

        <fieldset>
          <legend>Mail</legend>
          <div className="two">
            <TextField label="Sender name" registration={register('settings.mail.fromName')} error={e?.mail?.fromName?.message} />
            <TextField label="Replies go to" type="email" registration={register('settings.mail.replyTo')} error={e?.mail?.replyTo?.message} />
          </div>
          <TextField label="Footer text" registration={register('settings.mail.footer.text')} error={e?.mail?.footer?.text?.message} />
          <TextField label="Postal address" hint="Shown under every mail (many countries require it)" registration={register('settings.mail.footer.postalAddress')} error={e?.mail?.footer?.postalAddress?.message} />
          <div className="two">
            {SOCIAL_NETWORKS.map((network) => (
              <TextField key={network} label={SOCIAL_LABELS[network]} placeholder="https://…" registration={register(`settings.mail.footer.socialLinks.${network}`)} error={e?.mail?.footer?.socialLinks?.[network]?.message} />
            ))}
          </div>
          <TextField label="Header image" placeholder="https://…" hint="A banner above every mail, by link" registration={register('settings.mail.footer.headerImage')} error={e?.mail?.footer?.headerImage?.message} />

          <div className="field">
            <span className="label">Send mail</span>
            <label className="radio">
              <input type="radio" value="default" {...register('settings.mail.sender.kind')} /> From {view.defaultFromAddress} (spaceOS mail service)
            </label>
            <label className="radio">
              <input type="radio" value="smtp" {...register('settings.mail.sender.kind')} /> Through our own SMTP server
            </label>
          </div>
          {senderKind === 'smtp' && (
            <div className="smtp">
              <div className="two">
                <TextField label="SMTP host" placeholder="smtp.example.com" autoCapitalize="none" registration={register('settings.mail.sender.host')} error={(e?.mail?.sender as { host?: { message?: string } } | undefined)?.host?.message} />
                <TextField label="Port" type="number" registration={register('settings.mail.sender.port', { valueAsNumber: true })} error={(e?.mail?.sender as { port?: { message?: string } } | undefined)?.port?.message} />
              </div>
              <div className="field checkbox">
                <input id="smtp-secure" type="checkbox" {...register('settings.mail.sender.secure')} />
                <label htmlFor="smtp-secure">TLS from the start (usually port 465; otherwise STARTTLS is required)</label>
              </div>
              <div className="two">
                <TextField label="SMTP user" autoComplete="off" registration={register('settings.mail.sender.user')} error={(e?.mail?.sender as { user?: { message?: string } } | undefined)?.user?.message} />
                <TextField
                  label="SMTP password"
                  type="password"
                  autoComplete="new-password"
                  hint={view.smtpPasswordSet ? 'Stored securely; leave empty to keep it' : 'Stored in the secrets vault, never shown again'}
                  registration={register('smtpPassword')}
                  error={errors.smtpPassword?.message}
                />
              </div>
              <TextField label="From address" type="email" hint="An address your SMTP server may send as" registration={register('settings.mail.sender.fromAddress')} error={(e?.mail?.sender as { fromAddress?: { message?: string } } | undefined)?.fromAddress?.message} />
              <button type="button" className="secondary" onClick={() => void onTestSmtp()}>
                Test SMTP
              </button>
              {smtpResult && (
                <p className={smtpResult.ok ? 'notice' : 'alert'} role="status">
                  {smtpResult.text}
                </p>
              )}
            </div>
          )}
        </fieldset>

        <fieldset>
          <legend>Analytics, language and integrations</legend>
          <TextField label="Google Analytics 4 measurement id" placeholder="G-XXXXXXXXXX" registration={register('settings.analytics.googleAnalyticsId')} error={e?.analytics?.googleAnalyticsId?.message} />
          <div className="two">
            <div className="field">
              <label htmlFor="settings.locale.language">Language</label>
              <select id="settings.locale.language" {...register('settings.locale.language')}>
                {LOCALES.map((locale) => (
                  <option key={locale} value={locale}>
                    {new Intl.DisplayNames([locale], { type: 'language' }).of(locale)} ({locale})
                  </option>
                ))}
              </select>
            </div>
            <TextField label="Time zone" list="timezones" registration={register('settings.locale.timezone')} error={e?.locale?.timezone?.message} />
            <datalist id="timezones">
              {Intl.supportedValuesOf('timeZone').map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </div>
          <div className="field checkbox">
            <input id="int-google" type="checkbox" {...register('settings.integrations.googleCalendar')} />
            <label htmlFor="int-google">Google Calendar: people can connect their calendars to bookings</label>
          </div>
          <div className="field checkbox">
            <input id="int-outlook" type="checkbox" {...register('settings.integrations.outlook')} />
            <label htmlFor="int-outlook">Outlook / Office 365 calendars</label>
          </div>
        </fieldset>

        <div className="actions">
          <button type="submit" className="primary" disabled={isSubmitting || !isDirty} aria-busy={isSubmitting}>
            {isSubmitting ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" className="secondary" onClick={() => void onTestMail()}>
            Send test mail
          </button>
        </div>
      </form>

      <section className="status history" aria-label="Change history">
        <h2>Change history</h2>
        {history.length === 0 ? (
          <p className="hint">No changes since signup.</p>
        ) : (
          <ol>
            {history.map((change) => (
              <li key={change.version}>
                <strong>{new Date(change.at).toLocaleString()}</strong> · {change.by} · version {change.version}
                <br />
                <span className="hint">{change.fields.map((f) => f.replace(/\./g, ' › ')).join(', ')}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}

/** A mock of the instance's home page in the colours being edited. */
function InstancePreview({ appName, primary, accent, logo, footer }: { appName: string; primary: string; accent: string; logo?: string | undefined; footer: string[] }) {
  const onPrimary = readableTextOn(primary.toLowerCase());
  const onAccent = readableTextOn(accent.toLowerCase());
  return (
    <div className="preview instance-mock" aria-label="Preview of your instance">
      <div className="preview-bar" style={{ background: primary, color: onPrimary }} data-testid="preview-bar">
        {logo && <img src={logo} alt="" />}
        {appName}
      </div>
      <ul>
        {['Focus room · 1 person', 'Meeting room · 6 people'].map((room) => (
          <li key={room}>
            {room}
            <span className="preview-button" style={{ background: accent, color: onAccent }}>
              Book
            </span>
          </li>
        ))}
      </ul>
      {footer.length > 0 && <p className="preview-footer">{footer.join(' · ')}</p>}
    </div>
  );
}
