/**
 * A model of provision-tenant's duration on AWS: the critical path through the ASL, with
 * per-state latencies taken from AWS documentation and published measurements (p50, p95 in s).
 * It is a model, printed next to the measured local figures, not a measurement.
 */
export const AWS_STATE_LATENCY_S: Record<string, { p50: number; p95: number; basis: string }> = {
  MarkProvisioning: { p50: 0.15, p95: 1.2, basis: 'warm Lambda invoke + 3 DynamoDB writes; p95 includes a cold start (~1 s)' },
  CreateDatabases: { p50: 2.5, p95: 6, basis: 'Secrets Manager put + CREATE ROLE/DATABASE x2 on RDS + seed; cold start with pg' },
  PrepareStorage: { p50: 0.4, p95: 1.5, basis: 'S3 List + CopyObject of a few seed assets' },
  ConfigureMail: { p50: 0.2, p95: 1.2, basis: 'SES GetIdentityVerificationAttributes' },
  RenderConfig: { p50: 0.4, p95: 1.5, basis: '5 S3 PutObject' },
  ConfigureDns: { p50: 0.8, p95: 2.5, basis: 'Cloudflare API list + create x2' },
  DeployServices: { p50: 2, p95: 5, basis: 'ECS DescribeServices, RegisterTaskDefinition, CreateService; ELB target group + rule' },
  WaitUntilHealthy: { p50: 60, p95: 75, basis: 'Fargate task start (image pull, ENI) ~45-60 s + 2 ALB health checks at 10 s; polled every 5 s' },
  SmokeTest: { p50: 0.5, p95: 2, basis: '3 HTTPS requests through CloudFlare and the ALB' },
  MarkActive: { p50: 0.15, p95: 1, basis: 'one conditional DynamoDB update' },
  SendWelcomeEmail: { p50: 0.3, p95: 1.2, basis: 'SES SendEmail' },
};
/** Before the workflow: API Gateway + the signup Lambda (transaction + StartExecution). */
export const SIGNUP_S = { p50: 0.25, p95: 1.5 };
/** Step Functions' own overhead per state transition (Standard workflows). */
export const TRANSITION_S = { p50: 0.03, p95: 0.1 };

interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string; BooleanEquals?: boolean }>;
  Branches?: Array<{ StartAt: string; States: Record<string, State> }>;
}

type Sampler = (name: string) => number;

/** One draw of a state's latency: lognormal through its p50 and p95 (latencies are right-skewed). */
export function lognormalSampler(random: () => number = Math.random): Sampler {
  return (name) => {
    const latency = AWS_STATE_LATENCY_S[name];
    if (!latency) return 0;
    const sigma = Math.log(latency.p95 / latency.p50) / 1.645;
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return latency.p50 * Math.exp(sigma * normal);
  };
}

/** Duration of one simulated successful run along the success path (see criticalPath). */
export function simulateRun(machine: { StartAt: string; States: Record<string, State> }, sample: Sampler, stopAfter?: string): number {
  let total = 0;
  let name: string | undefined = machine.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: State = machine.States[name]!;
    total += TRANSITION_S.p50;
    if (state.Type === 'Task') total += sample(name);
    if (state.Type === 'Parallel') total += Math.max(...state.Branches!.map((b) => simulateRun(b, sample)));
    if (name === stopAfter) break;
    name = state.Type === 'Choice' ? (state.Choices!.find((c) => c.BooleanEquals === true)?.Next ?? state.Default) : state.Next;
  }
  return total;
}

/**
 * Walks the success path from StartAt: a Parallel costs its slowest branch, a Choice follows the
 * branch that proceeds (the healthy one), Wait loops are folded into the polled Task's latency.
 */
export function criticalPath(machine: { StartAt: string; States: Record<string, State> }, pick: 'p50' | 'p95', stopAfter?: string): { total: number; path: string[] } {
  let total = 0;
  const path: string[] = [];
  let name: string | undefined = machine.StartAt;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: State = machine.States[name]!;
    total += TRANSITION_S[pick];
    if (state.Type === 'Task') {
      total += AWS_STATE_LATENCY_S[name]?.[pick] ?? 0;
      path.push(name);
    } else if (state.Type === 'Parallel') {
      const branches = state.Branches!.map((b) => criticalPath(b, pick));
      const slowest = branches.reduce((a, b) => (b.total > a.total ? b : a));
      total += slowest.total;
      path.push(`Parallel[${slowest.path.join(' > ')}]`);
    }
    if (name === stopAfter) break;
    name = state.Type === 'Choice' ? (state.Choices!.find((c) => c.BooleanEquals === true)?.Next ?? state.Default) : state.Next;
  }
  return { total, path };
}
