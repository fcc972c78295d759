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
  readonly #writerSchemas = new Map<number, Promise<WriterSchema>>();

  constructor(url: string) {
    // The library spreads these options into a fresh object per schema, so each gets its own name registry.
    super({ host: url }, { [SchemaType.AVRO]: avroOptions } as never);
    this.#url = url.replace(/\/+$/, '');
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
    const response = await fetch(`${this.#url}/schemas/ids/${id}`);
    if (response.status === 404) throw new UnknownSchemaIdError(id);
    if (!response.ok) throw new Error(`schema registry: GET /schemas/ids/${id}: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { schema: string; schemaType?: string };
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      throw new Error(`schema id ${id} is a ${body.schemaType} schema, not Avro`);
    }
    const raw: unknown = JSON.parse(body.schema);
    return { id, raw, type: avroTypeForSchema(raw) };
  }
}

export function createSchemaRegistry(url: string): PgshiftSchemaRegistry {
  return new PgshiftSchemaRegistry(url);
}
