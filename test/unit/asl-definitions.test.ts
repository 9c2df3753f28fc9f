import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import aslValidator from 'asl-validator';

// Every file in statemachines/ is checked (the CLI's --json-path takes one file per flag, so a glob
// silently validated only the first machine).
const machines = readdirSync('statemachines').filter((f) => f.endsWith('.asl.json'));

describe('state machine definitions', () => {
  it('finds all three machines', () => {
    expect(machines.sort()).toEqual(['offboard-tenant.asl.json', 'provision-tenant.asl.json', 'roll-out-fleet.asl.json']);
  });

  it.each(machines)('%s is valid Amazon States Language', (file) => {
    const result = aslValidator(JSON.parse(readFileSync(`statemachines/${file}`, 'utf8')));
    expect(result.isValid ? '' : result.errorsText('\n')).toBe('');
  });

  it('reports a broken definition (a Next that names no state)', () => {
    const result = aslValidator({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } });
    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toContain('Missing');
  });
});
