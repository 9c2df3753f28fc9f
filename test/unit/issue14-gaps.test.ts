import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSignupHandler } from '../../functions/api/signup';
import { submitSignup } from '../../web/src/api';
import { apiEvent, validSignup } from '../support/api-event';
import { sdkDeps } from '../support/deps';

/**
 * Acceptance audit of issue 14, "a clear 429 on the page": the signup function's answer past a limit,
 * as the signup page's own call reads it (the page shows `errors.body` in its alert,
 * web/src/SignupPage.tsx), is the server's sentence, not a generic error.
 */
const dynamo = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
});
afterEach(() => vi.unstubAllGlobals());

describe('a signup past a limit, as the signup page reads it', () => {
  it('carries the limit\'s own sentence (which limit, try later) to the form, with status 429', async () => {
    // Every counter at its limit: the first one asked (the client's) refuses.
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'limit', $metadata: {} }));
    const answer = await createSignupHandler(sdkDeps())(apiEvent({ method: 'POST', path: '/api/signups', body: validSignup() }));
    expect(answer.statusCode).toBe(429);
    vi.stubGlobal('fetch', async () => new Response(answer.body, { status: answer.statusCode, headers: answer.headers as Record<string, string> }));

    const outcome = await submitSignup({ ...validSignup(), primaryColor: '#ff5500' } as Parameters<typeof submitSignup>[0], 'audit14-key-1');

    expect(outcome).toEqual({ ok: false, status: 429, errors: { body: 'Too many signups from your network in the last hour; try again later' } });
  });
});
