import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthStacks } from './synth';

type Statement = { id: string; Action: string | string[]; Resource: unknown };
const asList = <T,>(v: T | T[]) => (Array.isArray(v) ? v : [v]);

describe('the reconciler function (stuck tenants)', () => {
  const { stacks } = synthStacks();
  const operations = Template.fromStack(stacks.operations);
  const statements: Statement[] = Object.entries(operations.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('ReconcilerRole'))
    .flatMap(([id, p]) => (p as { Properties: { PolicyDocument: { Statement: Omit<Statement, 'id'>[] } } }).Properties.PolicyDocument.Statement.map((s) => ({ id, ...s })));

  it('may describe provision-tenant executions only, start them, write the table and send the ops alert: nothing else', () => {
    const actions = new Set(statements.flatMap((s) => asList(s.Action)).filter((a) => !/^(logs|xray):/.test(a)));
    for (const action of actions) expect(action).toMatch(/^(dynamodb:\w+|states:(StartExecution|DescribeExecution)|ses:SendEmail)$/);
    expect(actions).toContain('states:DescribeExecution');
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).toContain('ses:SendEmail');

    const describing = statements.filter((s) => asList(s.Action).includes('states:DescribeExecution'));
    expect(describing).toHaveLength(1);
    // Executions of provision-tenant only: never "*" or another machine's executions.
    expect(describing[0]!.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:execution:provision-tenant:*']] });
    // The machine of that name is the Workflows stack's provision-tenant.
    Template.fromStack(stacks.workflows).hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'provision-tenant' });
  });
});
