import { type SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { BATCH_READY_AVRO_SCHEMA, type BatchReady, batchReadyToAvro } from '@pgshift/contracts';
import { withRetry } from '@pgshift/runtime';
import type { Producer } from 'kafkajs';

/**
 * Publishes "batch ready" events: Avro, schema registered in the registry under `<topic>-value`, keyed
 * by the table's topic so that one table's batches stay in order on one partition. Resolves only once
 * every in-sync replica has the event (acks=all, idempotent producer).
 */
export class BatchAnnouncer {
  private schemaId: number | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly registry: SchemaRegistry,
    readonly topic: string,
    /** Told of every failed attempt to register the schema (the log line). */
    private readonly onRetry?: (error: unknown, attempt: number) => void,
  ) {}

  async registerSchema(): Promise<number> {
    // Instances starting together race to create the subject (the registry answers 409 to the loser):
    // the next attempt finds it and registers against it. A registry that is away is waited for, for as
    // long as it is away (a batcher starting during an outage must not exit and crash-loop).
    const { id } = await withRetry(
      () => this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(BATCH_READY_AVRO_SCHEMA) }, { subject: `${this.topic}-value` }),
      {
        what: `register the schema of ${this.topic}`,
        retries: Number.POSITIVE_INFINITY,
        maxTimeoutMs: 10_000,
        isRetryable: () => true,
        onRetry: (error, attempt) => this.onRetry?.(error, attempt),
      },
    );
    this.schemaId = id;
    return id;
  }

  async announce(event: BatchReady): Promise<void> {
    const schemaId = this.schemaId ?? (await this.registerSchema());
    const value = await this.registry.encode(schemaId, batchReadyToAvro(event));
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: event.table.topic, value, headers: { 'pgshift-batch-id': event.batchId } }],
    });
  }
}
