/**
 * How every Lambda is bundled (infra/aws/constructs/launchpad-function.ts), in one place so the
 * bundle bench measures exactly what the CDK app uploads.
 */

/**
 * Third-party SDKs that cannot be tree-shaken (Stripe attaches every API resource to its client;
 * nodemailer's mailer carries MIME tables) and that only a few functions use: shipped once, in the
 * shared `vendor` layer, instead of inside each of those bundles.
 */
export const VENDOR_LAYER_MODULES = ['stripe', 'nodemailer'] as const;

/** The runtime ships the AWS SDK v3; pg's optional native binding is never used. */
export const LAMBDA_EXTERNALS = ['@aws-sdk/*', 'pg-native', ...VENDOR_LAYER_MODULES];
