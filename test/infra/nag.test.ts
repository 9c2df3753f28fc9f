import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { synthStacks } from './synth';

interface Report {
  pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }>; suppressedViolations?: unknown[] }>;
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing, error or warning, that is not acknowledged with a reason', () => {
    const { app } = synthStacks({}, (a) => Validations.of(a).addPlugins(new AwsSolutionsChecks(a)));
    // Errors make synth throw; warnings only reach the report, so read that too.
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as Report;
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag).toBeDefined();
    const open = nag!.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`);
    expect(open).toEqual([]);
    expect(nag!.suppressedViolations?.length).toBeGreaterThan(0);
  });
});
