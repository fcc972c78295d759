import type { IHeaders, Producer } from 'kafkajs';

/** Headers a dead letter carries, so that it can be understood and re-driven. */
export const DEAD_LETTER_HEADERS = {
  reason: 'pgshift-reason',
  error: 'pgshift-error',
  topic: 'pgshift-original-topic',
  partition: 'pgshift-original-partition',
  offset: 'pgshift-original-offset',
  failedAt: 'pgshift-failed-at',
  service: 'pgshift-service',
} as const;

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  /** A short machine-readable reason: `malformed-avro`, `unknown-schema-id`, `missing-after` … */
  reason: string;
  error: string;
}

/**
 * Sends a message that cannot be processed to the dead-letter topic, unchanged, with why and where it
 * came from in headers. Awaited before the original offset may be committed: nothing is silently lost.
 */
export class DeadLetterQueue {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly service: string,
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: letter.key,
          value: letter.value,
          headers: {
            ...letter.headers,
            [DEAD_LETTER_HEADERS.reason]: letter.reason,
            [DEAD_LETTER_HEADERS.error]: letter.error.slice(0, 4000),
            [DEAD_LETTER_HEADERS.topic]: letter.topic,
            [DEAD_LETTER_HEADERS.partition]: String(letter.partition),
            [DEAD_LETTER_HEADERS.offset]: letter.offset,
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
            [DEAD_LETTER_HEADERS.service]: this.service,
          },
        },
      ],
    });
  }
}
