import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type * as z from 'zod/mini';
import { fieldErrors } from '../../shared/signup';

type Value = string | boolean;

/** What an <input> needs from the form: spread it onto the element (its `name` doubles as the id). */
export type Registration = {
  name: string;
  value?: string;
  checked?: boolean;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  onBlur: () => void;
  ref: (element: HTMLInputElement | null) => void;
};

/**
 * The part of react-hook-form the signup page used (mode onTouched, a zod schema as resolver,
 * server errors with focus) in under 1 KB gzipped: react-hook-form and its resolver are 13 KB,
 * too much for the one page every visitor loads. A field is validated when first left, then on
 * every change; after a submit, on every change. The schema's first message per field is shown.
 */
export function useSchemaForm<V extends Record<string, Value>, Out>(schema: z.ZodMiniType<Out>, defaults: V) {
  type Name = keyof V & string;
  const [values, setValues] = useState(defaults);
  const [errors, setErrors] = useState<Partial<Record<Name, string>>>({});
  const [dirty, setDirty] = useState<Partial<Record<Name, boolean>>>({});
  const [isSubmitting, setSubmitting] = useState(false);
  const current = useRef(defaults);
  const touched = useRef(new Set<Name>());
  const submitted = useRef(false);
  const inputs = useRef(new Map<Name, HTMLInputElement>());

  // Created once: they read refs, not render state, so effects can depend on them.
  const [actions] = useState(() => {
    const setError = (name: Name, message: string | undefined, focus = false) => {
      setErrors((all) => ({ ...all, [name]: message }));
      if (focus) inputs.current.get(name)?.focus();
    };

    const validate = (name: Name) => {
      const result = schema.safeParse(current.current);
      setError(name, result.success ? undefined : fieldErrors(result.error)[name]);
    };

    const setValue = (name: Name, value: V[Name], options: { dirty?: boolean; validate?: boolean } = {}) => {
      current.current = { ...current.current, [name]: value };
      setValues(current.current);
      if (options.dirty) setDirty((all) => ({ ...all, [name]: value !== defaults[name] }));
      if (options.validate) validate(name);
    };

    const handleSubmit = (onValid: (output: Out) => Promise<void>) => async (event: FormEvent) => {
      event.preventDefault();
      submitted.current = true;
      // What the page shows is what is sent, even a value a script set without an input event (a bot on the honeypot).
      for (const [name, input] of inputs.current) current.current = { ...current.current, [name]: input.type === 'checkbox' ? input.checked : input.value };
      setSubmitting(true);
      try {
        const result = schema.safeParse(current.current);
        if (result.success) {
          setErrors({});
          await onValid(result.data);
          return;
        }
        const found = fieldErrors(result.error);
        const names = Object.keys(defaults) as Name[];
        setErrors(Object.fromEntries(names.map((name) => [name, found[name]])) as Partial<Record<Name, string>>);
        const first = names.find((name) => found[name] !== undefined);
        if (first) inputs.current.get(first)?.focus();
      } finally {
        setSubmitting(false);
      }
    };
    return { setError, setValue, validate, handleSubmit };
  });

  const register = (name: Name): Registration => ({
    name,
    ...(typeof defaults[name] === 'boolean' ? { checked: values[name] === true } : { value: String(values[name]) }),
    onChange: (event) => actions.setValue(name, (event.target.type === 'checkbox' ? event.target.checked : event.target.value) as V[Name], { dirty: true, validate: submitted.current || touched.current.has(name) }),
    onBlur: () => {
      touched.current.add(name);
      if (!submitted.current) actions.validate(name);
    },
    ref: (element) => {
      if (element) inputs.current.set(name, element);
      else inputs.current.delete(name);
    },
  });

  return { values, errors, dirty, isSubmitting, register, setValue: actions.setValue, setError: actions.setError, handleSubmit: actions.handleSubmit };
}
