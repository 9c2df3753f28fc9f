import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { stepFacts, stepFile } from '../../../shared/step-catalogue';
import { aslFileNames, readAsl } from '../../asl-catalogue';
import { statesOfType, type AslState } from '../../asl-states';
import { LaunchpadFunction, type LaunchpadFunctionProps } from './launchpad-function';

/** Task state names of an ASL definition, including those inside Parallel and Map states. */
export const taskStates = (states: Record<string, AslState>): string[] => statesOfType(states, ['Task']);

/** Every statemachines/*.asl.json as deployed: its name, text and Task states. */
export function aslFiles(): Array<{ name: string; text: string; tasks: string[] }> {
  return aslFileNames().map((name) => {
    const text = readAsl(name);
    return { name, text, tasks: taskStates((JSON.parse(text) as { States: Record<string, AslState> }).States) };
  });
}

/** Whether a definition has a Map in DISTRIBUTED mode (each item a child execution of the same state machine). */
export const hasDistributedMap = (text: string): boolean =>
  statesOfType((JSON.parse(text) as { States: Record<string, AslState> }).States, ['Map']).length > 0 && /"Mode":\s*"DISTRIBUTED"/.test(text);

/**
 * What a Distributed Map needs of its own state machine's role, as CDK grants it for a DistributedMap
 * construct: start child executions of the machine, describe and stop them (the Map Run watches and
 * cancels them), redrive them (their ARNs carry `<machine>/<label>`). An inline policy of its own, so
 * the role does not depend on the machine it belongs to.
 */
function grantDistributedMap(scope: Construct, name: string, machine: StateMachine): void {
  const policy = new Policy(scope, `${name}DistributedMap`);
  machine.role.attachInlinePolicy(policy);
  // By its fixed name (stateMachineName), not its ARN token: the ARNs read as what they are in the template and in cdk-nag's report.
  const executions = (resourceName: string) => Stack.of(scope).formatArn({ service: 'states', resource: 'execution', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  machine.grantStartExecution(policy);
  policy.addStatements(
    new PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions(`${name}:*`), executions(`${name}/*`)] }),
    new PolicyStatement({ actions: ['states:RedriveExecution'], resources: [executions(`${name}/*`)] }),
  );
}

/**
 * Every state machine in statemachines/, deployed from its file: each Task's `${<State>FunctionArn}`
 * is substituted with the Lambda built from the same step handler the local runner uses.
 */
export class Workflows extends Construct {
  readonly stepFunctions = new Map<string, LaunchpadFunction>();
  readonly stateMachines = new Map<string, StateMachine>();

  constructor(
    scope: Construct,
    id: string,
    props: { environment: Record<string, string>; network?: (state: string) => Pick<LaunchpadFunctionProps, 'vpc' | 'securityGroups'> | undefined; configure: (state: string, fn: LaunchpadFunction) => void },
  ) {
    super(scope, id);
    for (const { name, text, tasks } of aslFiles()) {
      const substitutions: Record<string, string> = {};
      for (const state of tasks) {
        if (!stepFacts(state)) throw new Error(`${name}.asl.json: Task ${state} is not in the step catalogue (shared/step-catalogue.ts)`);
        let fn = this.stepFunctions.get(state);
        if (!fn) {
          fn = new LaunchpadFunction(this, state, { entry: `steps/${stepFile(state)}`, environment: props.environment, timeout: Duration.minutes(2), ...props.network?.(state) });
          props.configure(state, fn);
          this.stepFunctions.set(state, fn);
        }
        substitutions[`${state}FunctionArn`] = fn.functionArn;
      }
      const machine = new StateMachine(this, name, {
        stateMachineName: name,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromString(text),
        definitionSubstitutions: substitutions,
        tracingEnabled: true,
        logs: {
          destination: new LogGroup(this, `${name}Logs`, { logGroupName: `/aws/vendedlogs/states/${name}`, retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
          level: LogLevel.ALL,
          includeExecutionData: true,
        },
      });
      for (const state of tasks) this.stepFunctions.get(state)!.grantInvoke(machine);
      if (hasDistributedMap(text)) grantDistributedMap(this, name, machine);
      this.stateMachines.set(name, machine);
    }
  }
}
