import { DiscoverInstancesCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { serviceName, type ScaledService } from './compute';

/** Where one task of an instance listens. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Port for finding an instance's running tasks: Cloud Map in AWS, the local processes on the embedded default. */
export interface Discovery {
  /** The instance's registered tasks; empty while it sleeps or starts. */
  endpoints(service: Pick<ScaledService, 'subdomain' | 'env'>): Promise<Endpoint[]>;
}

/**
 * AWS Cloud Map (official SDK): each tenant's ECS service registers its tasks in a Cloud Map
 * service of the same name, in one namespace, and deregisters them when they stop. ECS writes the
 * task's IP (`AWS_INSTANCE_IPV4`); the port is the instance contract's (8080) unless an SRV record
 * gives one. DiscoverInstances is the data-plane call (no DNS caching in the way, and
 * `HEALTHY_OR_ELSE_ALL` still answers while ECS has not reported health yet).
 */
export class CloudMapDiscovery implements Discovery {
  constructor(
    private readonly client: ServiceDiscoveryClient,
    private readonly config: { namespaceName: string; containerPort: number },
  ) {}

  async endpoints(service: Pick<ScaledService, 'subdomain' | 'env'>): Promise<Endpoint[]> {
    try {
      const { Instances = [] } = await this.client.send(
        new DiscoverInstancesCommand({ NamespaceName: this.config.namespaceName, ServiceName: serviceName(service), HealthStatus: 'HEALTHY_OR_ELSE_ALL', MaxResults: 10 }),
      );
      return Instances.flatMap(({ Attributes = {} }) => {
        const host = Attributes.AWS_INSTANCE_IPV4;
        return host ? [{ host, port: Number(Attributes.AWS_INSTANCE_PORT ?? this.config.containerPort) }] : [];
      });
    } catch (error) {
      // An instance whose Cloud Map service is not there (yet, or any more) has no tasks to route to.
      if ((error as { name?: string }).name === 'ServiceNotFound' || (error as { name?: string }).name === 'NamespaceNotFound') return [];
      throw error;
    }
  }
}
