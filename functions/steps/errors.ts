/**
 * A failure worth retrying (throttling, a connection refused, a 5xx). The state machine retries
 * errors named TransientError with backoff; anything else goes straight to MarkFailed.
 */
export class TransientError extends Error {
  override name = 'TransientError';
}

const TRANSIENT_NAMES = new Set([
  // StillRegisteredError: Cloud Map still lists tasks of a service being deleted (functions/providers/ecs-compute.ts).
  'TransientError', 'StillRegisteredError', 'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded',
  'ProvisionedThroughputExceededException', 'TransactionConflictException', 'ServiceUnavailable', 'ServiceUnavailableException',
  'InternalError', 'InternalServerError', 'InternalFailure', 'ServerException', 'TimeoutError', 'RequestTimeout',
  // cloudflare SDK
  'APIConnectionError', 'APIConnectionTimeoutError', 'RateLimitError',
]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH',
  // Postgres: cannot connect now, too many connections, serialization failure, deadlock
  '57P03', '53300', '40001', '40P01',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; status?: number };
  return (
    TRANSIENT_NAMES.has(e.name) ||
    (e.code !== undefined && TRANSIENT_CODES.has(e.code)) ||
    Boolean(e.$retryable) ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500 ||
    (e.status ?? 0) >= 500
  );
}

/** What the state machine sees: transient errors under one retryable name, the rest as they are. */
export function forStateMachine(error: unknown): Error {
  if (isTransient(error) && !(error instanceof TransientError)) {
    const wrapped = new TransientError(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    wrapped.cause = error;
    return wrapped;
  }
  return error instanceof Error ? error : new Error(String(error));
}
