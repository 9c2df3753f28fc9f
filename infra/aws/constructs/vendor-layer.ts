import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerImage, Stack } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion, Runtime, type ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { buildVendorLayer, VENDOR_LAYER_MODULES } from '../lambda-bundling';

/**
 * The third-party SDKs that cannot be tree-shaken (VENDOR_LAYER_MODULES), each bundled and minified
 * into `nodejs/node_modules/<name>/index.js` by the local esbuild (no Docker), once per stack: the
 * functions keep them external and require them from /opt/nodejs/node_modules on first use.
 */
export class VendorLayer {
  private static readonly layers = new WeakMap<Stack, ILayerVersion>();

  static of(scope: Construct): ILayerVersion {
    const stack = Stack.of(scope);
    let layer = VendorLayer.layers.get(stack);
    if (!layer) {
      layer = new LayerVersion(stack, 'VendorLayer', {
        description: `Launchpad vendor SDKs: ${VENDOR_LAYER_MODULES.join(', ')}`,
        compatibleRuntimes: [Runtime.NODEJS_24_X],
        compatibleArchitectures: [Architecture.ARM_64],
        code: Code.fromAsset(join('infra', 'aws', 'constructs'), {
          // A new version of a module is a new layer.
          assetHash: VENDOR_LAYER_MODULES.map((m) => `${m}@${(JSON.parse(readFileSync(join('node_modules', m, 'package.json'), 'utf8')) as { version: string }).version}`).join('+'),
          bundling: {
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'), // unused: bundled locally
            local: {
              tryBundle(outputDir: string): boolean {
                buildVendorLayer(outputDir);
                return true;
              },
            },
          },
        }),
      });
      VendorLayer.layers.set(stack, layer);
    }
    return layer;
  }
}
