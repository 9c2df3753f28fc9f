import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAMES } from '../../infra/aws/launchpad';
import { synthStacks } from './synth';

/** CloudFormation allows 500 resources a stack; this keeps room for what the next features add. */
const MAX_RESOURCES = 400;
/** The deploy order: each stack uses only what stacks before it export. */
const ORDER: string[] = [STACK_NAMES.data, STACK_NAMES.tenancy, STACK_NAMES.site, STACK_NAMES.router, STACK_NAMES.workflows, STACK_NAMES.api, STACK_NAMES.operations];

/** Synthesizes the whole app (a dependency cycle would throw here) and reads what each stack depends on. */
function synthApp(context: Record<string, unknown> = {}) {
  const { app, stacks, all } = synthStacks(context);
  const assembly = app.synth();
  const resources = Object.fromEntries(all.map((stack) => [stack.stackName, Object.keys((assembly.getStackByName(stack.stackName).template as { Resources: object }).Resources).length]));
  const dependencies = Object.fromEntries(all.map((stack) => [stack.stackName, stack.dependencies.map((s: Stack) => s.stackName).sort()]));
  return { stacks, resources, dependencies };
}

describe('the stacks (example settings, with a site certificate)', () => {
  let app: ReturnType<typeof synthApp>;
  beforeAll(() => {
    app = synthApp();
  }, 180_000); // as long as a test may take (vitest.config.ts)

  it(`each hold at most ${MAX_RESOURCES} resources`, () => {
    expect(Object.keys(app.resources).sort()).toEqual([...ORDER].sort());
    const counts = ORDER.map((name) => `${name}: ${app.resources[name]}`).join(', ');
    for (const name of ORDER) expect(app.resources[name], `${name} is over ${MAX_RESOURCES} resources (${counts})`).toBeLessThanOrEqual(MAX_RESOURCES);
  });

  it('depend only on stacks before them: Data, Tenancy, Site, Router, Workflows, Api, Operations', () => {
    expect(app.dependencies).toEqual({
      [STACK_NAMES.data]: [],
      [STACK_NAMES.tenancy]: [STACK_NAMES.data],
      [STACK_NAMES.site]: [STACK_NAMES.data],
      [STACK_NAMES.router]: [STACK_NAMES.data, STACK_NAMES.tenancy].sort(),
      // The site URL comes from the settings: the workflows need nothing of the Site stack.
      [STACK_NAMES.workflows]: [STACK_NAMES.data, STACK_NAMES.tenancy].sort(),
      [STACK_NAMES.api]: [STACK_NAMES.data, STACK_NAMES.tenancy, STACK_NAMES.site, STACK_NAMES.workflows].sort(),
      // The console's API row and alarms name the HTTP API (its metrics, its access log), which the Site stack holds.
      [STACK_NAMES.operations]: [STACK_NAMES.data, STACK_NAMES.tenancy, STACK_NAMES.site, STACK_NAMES.workflows, STACK_NAMES.api].sort(),
    });
    for (const [name, dependencies] of Object.entries(app.dependencies)) {
      for (const dependency of dependencies) expect(ORDER.indexOf(dependency), `${name} -> ${dependency}`).toBeLessThan(ORDER.indexOf(name));
    }
  });

  it('link to the site at its domain', () => {
    const template = Template.fromStack(app.stacks.workflows);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SITE_URL: 'https://spaceos.example' }) } });
  });
});

describe('the stacks without a site certificate', () => {
  it("link to CloudFront's name, imported from the Site stack, which imports nothing from the stacks with functions", () => {
    const { stacks, dependencies } = synthApp({ siteCertificateArn: '' });
    expect(dependencies[STACK_NAMES.site]).toEqual([STACK_NAMES.data]);
    for (const name of [STACK_NAMES.workflows, STACK_NAMES.api, STACK_NAMES.operations]) expect(dependencies[name], name).toContain(STACK_NAMES.site);
    for (const stack of [stacks.workflows, stacks.api, stacks.operations]) {
      const template = Template.fromStack(stack);
      // Every function that links to the site (the SES event handler links to nothing and has no SITE_URL).
      const linking = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SITE_URL: Match.anyValue() } } } }));
      expect(linking.length, stack.stackName).toBeGreaterThan(0);
      for (const fn of linking) expect(fn, stack.stackName).toMatchObject({ Properties: { Environment: { Variables: { SITE_URL: { 'Fn::Join': ['', ['https://', { 'Fn::ImportValue': expect.stringMatching(/^Launchpad-Site:ExportsOutputFnGetAttSiteDistribution\w+DomainName/) }]] } } } } });
    }
  });
});
