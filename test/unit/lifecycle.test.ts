import { describe, expect, it } from 'vitest';
import { TENANT_STATUSES, TRANSITIONS, canTransition, statusesAllowedBefore, type TenantStatus } from '../../shared/lifecycle';

describe('tenant lifecycle', () => {
  it('follows signup to a live tenant and on to deletion', () => {
    const path: TenantStatus[] = ['PENDING', 'PROVISIONING', 'ACTIVE', 'PAST_DUE', 'SUSPENDED', 'DELETING', 'DELETED'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} -> ${path[i]}`).toBe(true);
  });

  it('lets a failed provisioning be resumed', () => {
    expect(canTransition('PROVISIONING', 'FAILED')).toBe(true);
    expect(canTransition('FAILED', 'PROVISIONING')).toBe(true);
  });

  it.each<[TenantStatus, TenantStatus]>([
    ['PENDING', 'ACTIVE'],
    ['DELETED', 'ACTIVE'],
    ['DELETED', 'PROVISIONING'],
    ['SUSPENDED', 'PROVISIONING'],
    ['ACTIVE', 'PENDING'],
  ])('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('reaches every status from PENDING, and DELETED is final', () => {
    const seen = new Set<TenantStatus>(['PENDING']);
    const queue: TenantStatus[] = ['PENDING'];
    while (queue.length) for (const next of TRANSITIONS[queue.shift()!]) if (!seen.has(next)) seen.add(next), queue.push(next);
    expect([...seen].sort()).toEqual([...TENANT_STATUSES].sort());
    expect(TRANSITIONS.DELETED).toEqual([]);
  });

  it('treats re-entering the same status as allowed, so retried steps are no-ops', () => {
    expect(statusesAllowedBefore('PROVISIONING').sort()).toEqual(['FAILED', 'PENDING', 'PROVISIONING']);
  });
});
