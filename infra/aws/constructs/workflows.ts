import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
      this.stateMachines.set(name, machine);
    }
  }
}
