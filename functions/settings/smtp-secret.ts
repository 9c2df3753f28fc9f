/** Where a tenant's SMTP password lives (secrets port); the instance reads it by this name. */
export const smtpSecretName = (tenantId: string) => `launchpad/tenants/${tenantId}/smtp`;
