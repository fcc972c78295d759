import { BATCH_READY_AVRO_SCHEMA, type BatchReady, batchReadyFromAvro } from '@pgshift/contracts';
import { avroTypeForSchema, isRegistryUnavailable, UnknownSchemaIdError, type WriterSchemaSource } from '@pgshift/debezium';
import type avro from 'avsc';

/**
 * Decodes "batch ready" events (Confluent wire format: magic byte 0, a 4-byte schema id, the Avro body)
 * without treating an unreachable schema registry as bad input.
 *
 * Where the writer schema comes from, in order:
 * 1. an id seen before: writer schemas are immutable under their id, so one lookup per id and process;
 * 2. the registry, when it answers;
 * 3. when it does not answer: the loader's own BATCH_READY_AVRO_SCHEMA, accepted only when the body is
 *    exactly that schema's encoding of a valid record (every byte consumed, and re-encoding the record
 *    gives back the very same bytes). Safe because the batches topic is written by pgshift's batcher
 *    only, and it writes nothing but that constant; a later version of the contract adds fields at the
 *    end (Avro's only compatible way for a record without defaults), so its bodies keep bytes after what
 *    this version reads and are refused here: those wait for the registry.
 * Nothing else is guessed: if the registry is unreachable and the body is not the local schema's, the
 * caller waits and asks again (RegistryUnavailableError).
 *
 * Bad input, for the dead-letter topic: bytes that are not the wire format, an id the registry answers
 * 404 for, a body that does not decode with its writer schema.
 */
export class BatchEventDecoder {
  // Longs as BigInt, as the registry client encodes them (the converters take both forms).
  readonly #local = avroTypeForSchema(BATCH_READY_AVRO_SCHEMA);
  readonly #byId = new Map<number, (body: Buffer) => BatchReady>();

  constructor(private readonly registry: WriterSchemaLookup) {}

  /** Rejects with UndecodableBatchEvent (bad input) or RegistryUnavailableError (ask again later). */
  async decode(value: Buffer | null): Promise<BatchReady> {
    if (value === null || value.length < 5 || value[0] !== 0) {
      throw new UndecodableBatchEvent(
        'undecodable-batch-event',
        `not the Confluent Avro wire format (${value === null ? 'no value' : `${value.length} bytes`})`,
      );
    }
    const id = value.readInt32BE(1);
    const body = value.subarray(5);
    const known = this.#byId.get(id);
    if (known) return known(body);
    let writer: unknown;
    try {
      writer = await this.registry.writerSchema(id);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      const local = this.#decodeExactlyLocal(body);
      if (local) return local;
      throw error;
    }
    if (writer === null) throw new UndecodableBatchEvent('unknown-schema-id', `schema id ${id} is not in the registry (HTTP 404)`);
    const decodeBody = this.#compile(id, writer);
    this.#byId.set(id, decodeBody);
    return decodeBody(body);
  }

  #compile(id: number, writer: unknown): (body: Buffer) => BatchReady {
    let type: avro.Type;
    let resolver: avro.Resolver;
    try {
      type = avroTypeForSchema(writer);
      resolver = this.#local.createResolver(type);
    } catch (error) {
      throw new UndecodableBatchEvent('undecodable-batch-event', `schema id ${id} cannot be read as a batch event: ${(error as Error).message}`);
    }
    return (body) => {
      let record: unknown;
      try {
        const { value, offset } = this.#local.decode(body, 0, resolver);
        if (offset !== body.length) throw new Error(offset < 0 ? 'truncated' : `${body.length - offset} bytes after the record`);
        record = value;
      } catch (error) {
        throw new UndecodableBatchEvent('undecodable-batch-event', `body does not decode with schema id ${id}: ${(error as Error).message}`);
      }
      return batchReadyFromAvro(record as Record<string, unknown>);
    };
  }

  #decodeExactlyLocal(body: Buffer): BatchReady | null {
    try {
      const { value, offset } = this.#local.decode(body, 0);
      if (offset !== body.length || !this.#local.isValid(value)) return null;
      if (!this.#local.toBuffer(value).equals(body)) return null;
      return batchReadyFromAvro(value as Record<string, unknown>);
    } catch {
      return null;
    }
  }
}

/** Where writer schemas come from. */
export interface WriterSchemaLookup {
  /** The schema (parsed JSON) registered under `id`; null when the registry says it has no such id. Rejects with RegistryUnavailableError otherwise. */
  writerSchema(id: number): Promise<unknown>;
}

export class UndecodableBatchEvent extends Error {
  constructor(
    readonly reason: 'undecodable-batch-event' | 'unknown-schema-id',
    message: string,
  ) {
    super(message);
    this.name = 'UndecodableBatchEvent';
  }
}

/** The registry did not give a definitive answer (unreachable, timed out, 5xx, 429, a reply that is not JSON …). */
export class RegistryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryUnavailableError';
  }
}

/**
 * Writer schemas from the process's one registry client (its timeout and credentials): a 404 is a
 * definitive "no such id"; anything the client calls unavailable is asked again later.
 */
export function registryWriterSchemas(registry: WriterSchemaSource): WriterSchemaLookup {
  return {
    async writerSchema(id) {
      try {
        return (await registry.getWriterSchema(id)).raw;
      } catch (error) {
        if (error instanceof UnknownSchemaIdError) return null;
        if (isRegistryUnavailable(error)) throw new RegistryUnavailableError(`schema registry unavailable: ${(error as Error).message}`, { cause: error });
        throw new UndecodableBatchEvent('undecodable-batch-event', `schema id ${id}: ${(error as Error).message}`);
      }
    },
  };
}

export interface WaitOptions {
  /** Keeps the consumer's session while waiting. */
  heartbeat: () => Promise<void>;
  /** False once the work is no longer this consumer's (rebalance, shutdown): stop waiting. */
  isCurrent: () => boolean;
  /** Called with the error while waiting, and with null once the registry answered again. */
  onWaiting: (error: RegistryUnavailableError | null) => void;
  maxDelayMs?: number;
  heartbeatEveryMs?: number;
}

/**
 * Decodes, waiting through a registry outage: capped exponential backoff, heartbeating in between.
 * Resolves with null if the work stopped being current while waiting (its offset is then not resolved,
 * so the event is consumed again). Bad input still rejects with UndecodableBatchEvent.
 */
export async function decodeWaitingForRegistry(decoder: BatchEventDecoder, value: Buffer | null, options: WaitOptions): Promise<BatchReady | null> {
  const { maxDelayMs = 30_000, heartbeatEveryMs = 3_000 } = options;
  let waiting = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const event = await decoder.decode(value);
      if (waiting) options.onWaiting(null);
      return event;
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) {
        if (waiting) options.onWaiting(null);
        throw error;
      }
      waiting = true;
      options.onWaiting(error);
    }
    const until = Date.now() + Math.min(maxDelayMs, 250 * 2 ** Math.min(attempt, 10));
    while (Date.now() < until && options.isCurrent()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(heartbeatEveryMs, Math.max(1, until - Date.now()))));
      await options.heartbeat();
    }
    if (!options.isCurrent()) {
      options.onWaiting(null);
      return null;
    }
  }
}
