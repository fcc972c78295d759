import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { CompactedTopicFollower } from './compacted-topic.js';
import { createLogger } from './logger.js';

/** A cluster whose topic has no leader for the first `leaderlessFor` offset requests, then is empty. */
function cluster(leaderlessFor: number) {
  let requests = 0;
  const kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      deleteGroups: async () => {},
      fetchTopicOffsets: async () => {
        if (requests++ < leaderlessFor) {
          throw Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });
        }
        return [{ partition: 0, offset: '0', high: '0', low: '0' }];
      },
    }),
    consumer: () => ({
      events: { CRASH: 'consumer.crash' },
      on: () => {},
      connect: async () => {},
      subscribe: async () => {},
      run: async () => {},
      disconnect: async () => {},
    }),
  };
  return { kafka: kafka as unknown as Kafka, requests: () => requests };
}

test('a topic created a moment ago, without a leader yet, is waited for: the start does not fail', async () => {
  const { kafka, requests } = cluster(3);
  const follower = new CompactedTopicFollower(kafka, {
    topic: 'pgshift.batches.control',
    groupPrefix: 'test',
    logger: createLogger('test', 'silent'),
    onRecord: () => {},
  });
  await follower.start();
  assert.equal(requests(), 4);
  await follower.stop();
});
