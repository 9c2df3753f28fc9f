/** The admin token of a tenant this browser signed up (or opened an upgrade link for). */
const key = (tenantId: string) => `launchpad:admin:${tenantId}`;

export function rememberAdminToken(tenantId: string, token: string): void {
  try {
    localStorage.setItem(key(tenantId), token);
  } catch {
    // private mode: the upgrade link from the mail still works
  }
}

export function adminToken(tenantId: string): string | undefined {
  try {
    return localStorage.getItem(key(tenantId)) ?? undefined;
  } catch {
    return undefined;
  }
}
