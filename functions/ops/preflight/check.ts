/** How one preflight check ended: `fail` blocks a working deployment, `warn` is worth knowing before launch. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface PreflightCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it, one instruction per line (none when ok). */
  fix?: string[];
}

export const ok = (name: string, detail: string): PreflightCheck => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, ...fix: string[]): PreflightCheck => ({ name, status: 'warn', detail, ...(fix.length ? { fix } : {}) });
export const fail = (name: string, detail: string, ...fix: string[]): PreflightCheck => ({ name, status: 'fail', detail, ...(fix.length ? { fix } : {}) });

/** An SDK error's name (AWS: the exception, e.g. AccessDeniedException) and message, for a detail line. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
}

/** The error's name, for the few that mean something here (NotFoundException, ImageNotFoundException...). */
export const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

/**
 * Runs a check; one that throws (no permission, a throttled call) is a failed check saying so,
 * never the end of the run: the operator sees every problem at once.
 */
export async function guarded(name: string, check: () => PreflightCheck | PreflightCheck[] | Promise<PreflightCheck | PreflightCheck[]>): Promise<PreflightCheck[]> {
  try {
    const result = await check();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [fail(name, `could not check: ${errorText(error)}`, 'Run preflight with credentials that may read it (Get/Describe/List only), or check by hand')];
  }
}

/** Table rows, what-to-fix lines and the exit code (1 when anything failed) of a preflight run. */
export function preflightReport(checks: readonly PreflightCheck[]): { rows: Array<{ check: string; status: string; detail: string }>; fixes: string[]; exitCode: number } {
  return {
    rows: checks.map((c) => ({ check: c.name, status: c.status.toUpperCase(), detail: c.detail })),
    fixes: checks.flatMap((c) => (c.fix ?? []).map((line) => `[${c.status.toUpperCase()}] ${c.name}: ${line}`)),
    exitCode: checks.some((c) => c.status === 'fail') ? 1 : 0,
  };
}
