import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { avroOptions, avroTypeForSchema } from './avro-long.js';

/** A writer schema as the registry holds it: the raw JSON keeps Kafka Connect's `connect.*` attributes. */
export interface WriterSchema {
  id: number;
  /** The schema exactly as registered (JSON), attributes included. */
  raw: unknown;
  /** The parsed schema, longs as BigInt. */
  type: avro.Type;
}

/** Where the change-event decoder finds writer schemas by the id of the Confluent wire format. */
export interface WriterSchemaSource {
  /** Rejects with UnknownSchemaIdError when the registry does not know the id. */
  getWriterSchema(id: number): Promise<WriterSchema>;
}

/** How a process reaches its schema registry. */
export interface RegistrySettings {
  /** Confluent-compatible base URL, e.g. http://127.0.0.1:58081/apis/ccompat/v7. */
  url: string;
  /**
   * Every request ends within this: a hung registry must fail a lookup (which is then retried as an
   * unreachable dependency) well before the consumer's session times out, not stall it.
   */
  timeoutMs: number;
  /** HTTP basic auth, for registries that need it (Confluent Cloud: API key and secret). */
  auth?: { username: string; password: string };
}

/**
 * A registry that could not answer (timeout, refused connection, 5xx, 401/403) as opposed to one that
 * answered "no such schema": the first is an unreachable dependency, waited for and retried; only the
 * second can make a message bad input.
 */
export function isRegistryUnavailable(error: unknown): boolean {
  if (error instanceof UnknownSchemaIdError) return false;
  const e = error as { name?: unknown; status?: unknown; cause?: unknown };
  // The library's ResponseError: its client errors (timeout, ECONNREFUSED) come back as status 400.
  if (e?.name === 'ResponseError') return e.status !== 404;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return true;
  if (error instanceof TypeError && e.cause !== undefined) return true; // fetch failed: the network
  return error instanceof RegistryHttpError;
}

/** An HTTP answer other than 200 or 404 from the registry. */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

export class UnknownSchemaIdError extends Error {
  constructor(readonly id: number) {
    super(`schema id ${id} is not in the registry`);
    this.name = 'UnknownSchemaIdError';
  }
}

/**
 * A Confluent-compatible registry client whose Avro longs decode as exact BigInts, and which also hands
 * out the raw writer schema (avsc's parsed types drop the `connect.name` / `connect.parameters`
 * attributes that say which logical type a field has).
 */
export class PgshiftSchemaRegistry extends SchemaRegistry implements WriterSchemaSource {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #writerSchemas = new Map<number, Promise<WriterSchema>>();

  constructor(settings: RegistrySettings) {
    super(
      {
        host: settings.url,
        ...(settings.auth ? { auth: settings.auth } : {}),
        // One retry layer per call site: the callers retry an unavailable registry (kafkajs redelivers
        // the batch, the announcer's withRetry), so the library's own retries of 5xx are off.
        retry: { retries: 0 },
        middlewares: [requestTimeout(settings.timeoutMs)],
      },
      // The library spreads these options into a fresh object per schema, so each gets its own name registry.
      { [SchemaType.AVRO]: avroOptions } as never,
    );
    this.#url = settings.url.replace(/\/+$/, '');
    this.#timeoutMs = settings.timeoutMs;
    this.#headers = settings.auth ? { authorization: `Basic ${Buffer.from(`${settings.auth.username}:${settings.auth.password}`).toString('base64')}` } : {};
  }

  getWriterSchema(id: number): Promise<WriterSchema> {
    let schema = this.#writerSchemas.get(id);
    if (!schema) {
      schema = this.#fetchWriterSchema(id);
      this.#writerSchemas.set(id, schema);
      // A failed lookup (registry down, unknown id) is retried on the next call rather than remembered.
      schema.catch(() => this.#writerSchemas.delete(id));
    }
    return schema;
  }

  async #fetchWriterSchema(id: number): Promise<WriterSchema> {
    const response = await fetch(`${this.#url}/schemas/ids/${id}`, { headers: this.#headers, signal: AbortSignal.timeout(this.#timeoutMs) });
    if (response.status === 404) throw new UnknownSchemaIdError(id);
    if (!response.ok) {
      throw new RegistryHttpError(response.status, `schema registry: GET /schemas/ids/${id}: HTTP ${response.status} ${await response.text()}`);
    }
    const text = await response.text();
    let body: { schema: string; schemaType?: string };
    let raw: unknown;
    try {
      body = JSON.parse(text) as { schema: string; schemaType?: string };
      raw = JSON.parse(body.schema);
    } catch {
      // A proxy's error page, a half-written answer: not the registry speaking, so not a definitive "no".
      throw new RegistryHttpError(response.status, `schema registry: GET /schemas/ids/${id}: a reply that is not a schema: ${text.slice(0, 200)}`);
    }
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      throw new Error(`schema id ${id} is a ${body.schemaType} schema, not Avro`);
    }
    return { id, raw, type: avroTypeForSchema(raw) };
  }
}

type Middleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** mappersmith's request timeout (its own TimeoutMiddleware, without a dependency on mappersmith). */
function requestTimeout(timeoutMs: number): Middleware {
  return () => ({
    prepareRequest: async (next) => {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: timeoutMs });
    },
  });
}

/** When only a URL is given (tests, benches): a timeout below the default consumer session of 20 s. */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 5_000;

/** The one registry client of a process: decoding change events, and encoding and decoding batch events. */
export function createSchemaRegistry(settings: RegistrySettings | string): PgshiftSchemaRegistry {
  return new PgshiftSchemaRegistry(typeof settings === 'string' ? { url: settings, timeoutMs: DEFAULT_REGISTRY_TIMEOUT_MS } : settings);
}
