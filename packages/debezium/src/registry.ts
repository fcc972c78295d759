import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { avroOptions } from './avro-long.js';

/** A Confluent-compatible registry client whose Avro longs decode as exact BigInts. */
export function createSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url }, { [SchemaType.AVRO]: avroOptions } as never);
}
