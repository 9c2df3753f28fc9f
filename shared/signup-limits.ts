/**
 * Signups accepted per hour (fixed windows): per client address, per email domain (one catch-all
 * domain cannot mint trials), and in total (the bill of a flood is bounded: each signup starts
 * instances); and how often one unverified signup's link is sent again. Defaults of the platform's
 * settings (SIGNUP_LIMIT_*).
 */
export const SIGNUP_LIMITS = { perClientPerHour: 5, perEmailDomainPerHour: 20, totalPerHour: 300, resendsPerSignupPerHour: 3, perMailboxPerHour: 3 } as const;
