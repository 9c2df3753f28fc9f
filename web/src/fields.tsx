import type { InputHTMLAttributes, Ref } from 'react';

type TextFieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  hint?: string;
  error?: string;
  /** react-hook-form's register() or the signup form's (./form): name, handlers, ref. */
  registration: InputHTMLAttributes<HTMLInputElement> & { name: string; ref?: Ref<HTMLInputElement> };
};

/** Label, input, optional hint and error, wired together for screen readers. */
export function TextField({ label, hint, error, registration, ...input }: TextFieldProps) {
  const id = registration.name;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={!!error} aria-describedby={`${hint ? `${id}-hint ` : ''}${id}-error`} {...input} {...registration} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  return (
    <p id={id} className="error" role={message ? 'alert' : undefined}>
      {message}
    </p>
  );
}
