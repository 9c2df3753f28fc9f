/**
 * Wakes per visitor per minute, counted per router task: a visitor (or a bot) cannot keep a list of
 * trials awake by walking through them. Over the limit, the visitor still gets the waking answer;
 * the instance just is not started for them.
 */
export class WakeLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {}

  allow(client: string): boolean {
    const now = this.clock();
    const window = this.windows.get(client);
    if (!window || now - window.start >= 60_000) {
      this.windows.set(client, { start: now, count: 1 });
      // Bounded: old windows go once the map is large.
      if (this.windows.size > 50_000) for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key);
      return true;
    }
    window.count++;
    return window.count <= this.perMinute;
  }
}

/**
 * Clients that never wake an instance: crawlers, link previews and uptime monitors would keep every
 * trial awake. Scripts (curl, SDKs) do wake it: a customer's integration may be the only user.
 */
export const NON_WAKING_AGENTS = /bot\b|bot\/|crawl|spider|slurp|externalhit|monitor|uptime|pingdom|statuscake/i;
