import { describe, expect, it } from 'vitest';
import { pollDelayMs } from '../../web/src/poll-delay';

describe('status page polling', () => {
  it('polls every second while a provisioning is young, then every 5 seconds', () => {
    expect(pollDelayMs({ watchingForMs: 0 })).toBe(1000);
    expect(pollDelayMs({ watchingForMs: 119_000 })).toBe(1000);
    expect(pollDelayMs({ watchingForMs: 120_000 })).toBe(5000);
    expect(pollDelayMs({ watchingForMs: 0, slow: true })).toBe(5000);
  });

  it('backs off exponentially after failed requests, to 30 seconds at most, and waits 30 seconds in a hidden tab', () => {
    expect([1, 2, 3, 4, 5, 6].map((failuresInARow) => pollDelayMs({ watchingForMs: 0, failuresInARow }))).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(pollDelayMs({ watchingForMs: 0, hidden: true })).toBe(30_000);
  });
});
