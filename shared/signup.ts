import * as z from 'zod/mini';
import { plainText } from './plain-text';
import { subdomainSchema } from './subdomain';

export const HONEYPOT_FIELD = 'website';

const text = (label: string, min: number, max: number) =>
  z.string(`${label} is required`).check(
    z.trim(),
    plainText(label),
    z.minLength(min, `${label} needs at least ${min} characters`),
    z.maxLength(max, `${label} can have at most ${max} characters`),
  );

export const emailSchema = z.string('Email is required').check(
  z.trim(),
  z.toLowerCase(),
  z.maxLength(254, 'Email is too long'),
  z.regex(z.regexes.email, 'Enter a valid email address, like anna@example.com'),
);

export const hexColorSchema = z.string('Pick a colour').check(
  z.trim(),
  z.toLowerCase(),
  z.regex(/^#[0-9a-f]{6}$/, 'Use a colour in the form #1a73e8'),
);

/** The one signup form, validated identically by the page and by POST /api/signups. */
export const signupSchema = z.object({
  companyName: text('Company name', 2, 80),
  subdomain: subdomainSchema,
  adminName: text('Your name', 2, 80),
  adminEmail: emailSchema,
  primaryColor: hexColorSchema,
  acceptTerms: z.literal(true, 'Please accept the terms to start your trial'),
  // Honeypot: invisible to people, filled by form-spamming bots.
  [HONEYPOT_FIELD]: z.optional(z.string().check(z.maxLength(0, 'Leave this field empty'))),
  /** The CAPTCHA widget's answer (Cloudflare Turnstile), where one is configured; checked by the server. */
  captchaToken: z.optional(z.string().check(z.maxLength(2048, 'This check answer is too long'))),
});

export type SignupInput = z.input<typeof signupSchema>;
export type Signup = z.output<typeof signupSchema>;

/** Zod issues -> `{field: message}`, the shape every 400 of the API and the form use. */
export function fieldErrors(error: z.core.$ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    errors[field] ??= issue.message;
  }
  return errors;
}

/** 202 of POST /api/signups (no admin token: the verification of the email gives it, shared/verification.ts). */
export const signupAcceptedSchema = z.object({ tenantId: z.string(), statusUrl: z.string() });
export type SignupAccepted = z.infer<typeof signupAcceptedSchema>;

export const subdomainAvailabilitySchema = z.object({
  available: z.boolean(),
  reason: z.optional(z.string()),
  suggestion: z.optional(z.string()),
});
export type SubdomainAvailability = z.infer<typeof subdomainAvailabilitySchema>;

export const errorResponseSchema = z.object({ errors: z.record(z.string(), z.string()) });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
