/** For tests and benches that sign up many tenants from this one machine within the hour: limits they never reach. */
export const MANY_SIGNUPS = { perClientPerHour: 100_000, perEmailDomainPerHour: 100_000, totalPerHour: 100_000, perMailboxPerHour: 100_000 };
