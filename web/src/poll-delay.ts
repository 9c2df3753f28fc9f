/**
 * How long the status page waits before its next poll. A provisioning is watched closely while it is
 * quick (every second for the first 2 minutes: a warm signup is live in seconds), then less often
 * (a stuck or slow one does not cost the API a request a second for as long as the tab stays open);
 * failed requests back off exponentially (an outage or a 429 is not hammered); a hidden tab waits
 * longest. The status endpoint's share of the API throttle stays bounded per open page.
 */
export const POLL_DELAYS = { fastMs: 1000, fastForMs: 2 * 60_000, steadyMs: 5000, hiddenMs: 30_000, maxBackoffMs: 30_000 } as const;

export function pollDelayMs({ watchingForMs, slow = false, failuresInARow = 0, hidden = false }: { watchingForMs: number; slow?: boolean; failuresInARow?: number; hidden?: boolean }): number {
  const base = slow || watchingForMs >= POLL_DELAYS.fastForMs ? POLL_DELAYS.steadyMs : POLL_DELAYS.fastMs;
  const backedOff = failuresInARow > 0 ? Math.min(POLL_DELAYS.maxBackoffMs, base * 2 ** failuresInARow) : base;
  return hidden ? Math.max(backedOff, POLL_DELAYS.hiddenMs) : backedOff;
}
