/**
 * The AWS JSON 1.1 protocol as the Data API speaks it: `POST /` with `X-Amz-Target: RedshiftData.<Operation>`
 * and a JSON body; replies in `application/x-amz-json-1.1`; errors as HTTP 4xx/5xx with
 * `{"__type": "<Error>", "message": …}`. SigV4 signatures are accepted unchecked.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ServiceError } from './statements.js';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'RedshiftData.';

export type Operation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

/** Registers the single endpoint that dispatches on `X-Amz-Target`. */
export function registerJsonProtocol(app: FastifyInstance, operations: Record<string, Operation>, beforeOperation?: (name: string) => void): void {
  app.addContentTypeParser(CONTENT_TYPE, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch {
      done(new ServiceError('SerializationException', 'Request body is not valid JSON'), undefined);
    }
  });

  app.post('/', async (request, reply) => {
    const requestId = randomUUID();
    reply.header('x-amzn-RequestId', requestId).header('content-type', CONTENT_TYPE);
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const operation = operations[name];
      if (!operation) throw new ServiceError('UnknownOperationException', `Unknown operation ${target}`);
      beforeOperation?.(name);
      const output = await operation((request.body ?? {}) as Record<string, unknown>);
      return reply.code(200).send(JSON.stringify(output));
    } catch (error) {
      const e = error instanceof ServiceError ? error : new ServiceError('InternalServerException', (error as Error).message, 500);
      return reply
        .code(e.status)
        .header('x-amzn-ErrorType', e.type)
        .send(JSON.stringify({ __type: e.type, message: e.message }));
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    const e = error instanceof ServiceError ? error : new ServiceError('ValidationException', (error as Error).message);
    void reply
      .code(e.status)
      .header('content-type', CONTENT_TYPE)
      .send(JSON.stringify({ __type: e.type, message: e.message }));
  });
}

/** Timestamps travel as epoch seconds (with fractions) in AWS JSON protocols. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

// ---- input validation -------------------------------------------------------------------------------------

export function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError('ValidationException', `${name} must be a string`);
  return value;
}

export function optionalNumber(input: Record<string, unknown>, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new ServiceError('ValidationException', `${name} must be a number`);
  return value;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
