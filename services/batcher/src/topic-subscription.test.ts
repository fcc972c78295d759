import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@pgshift/runtime';
import { type ChangeConsumer, TopicSubscription } from './topic-subscription.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake cluster whose topic list the test changes, and a log of what the subscription did, in order. */
function setup(initial: string[], options: { listMs?: number; drainMs?: number } = {}) {
  let topics = [...initial];
  const log: string[] = [];
  let listing = 0;
  let mostListingAtOnce = 0;
  let failNextList = false;
  let consumers = 0;
  let connected = 0;
  let mostConnectedAtOnce = 0;
  const subscription = new TopicSubscription({
    pattern: /^pgshift\.app\./,
    refreshMs: 2,
    listTopics: async () => {
      mostListingAtOnce = Math.max(mostListingAtOnce, ++listing);
      try {
        await wait(options.listMs ?? 0);
        if (failNextList) {
          failNextList = false;
          throw new Error('broker away');
        }
        return [...topics];
      } finally {
        listing--;
      }
    },
    connectConsumer: async (subscribed): Promise<ChangeConsumer> => {
      const id = ++consumers;
      mostConnectedAtOnce = Math.max(mostConnectedAtOnce, ++connected);
      log.push(`connect#${id} ${subscribed.join(',')}`);
      return {
        run: async () => void log.push(`run#${id}`),
        pause: () => void log.push(`pause#${id}`),
        disconnect: async () => {
          connected--;
          log.push(`disconnect#${id}`);
        },
      };
    },
    drain: async () => {
      log.push('drain');
      await wait(options.drainMs ?? 0);
    },
    logger: createLogger('test', 'silent'),
  });
  return {
    subscription,
    log,
    addTopic: (topic: string) => {
      topics = [...topics, topic];
    },
    setTopics: (next: string[]) => {
      topics = next;
    },
    failNextList: () => {
      failNextList = true;
    },
    stats: () => ({ mostListingAtOnce, mostConnectedAtOnce, consumers }),
  };
}

test('subscribes to the matching topics, sorted, and runs the consumer', async () => {
  const { subscription, log } = setup(['pgshift.app.b', 'other.x', 'pgshift.app.a', 'pgshift.batches']);
  await subscription.start();
  await subscription.stop();
  assert.deepEqual(subscription.topics, ['pgshift.app.a', 'pgshift.app.b']);
  assert.deepEqual(log.slice(0, 2), ['connect#1 pgshift.app.a,pgshift.app.b', 'run#1']);
});

test('with no matching topic the consumer is connected but never run, and the batcher counts as joined', async () => {
  const { subscription, log } = setup(['other.x']);
  await subscription.start();
  assert.equal(subscription.joined, true);
  await subscription.stop();
  assert.deepEqual(log, ['connect#1 ', 'pause#1', 'drain', 'disconnect#1']);
});

test('a new topic: pause, drain, leave, then a new consumer of the larger set; never two consumers at once', async () => {
  const { subscription, log, addTopic, stats } = setup(['pgshift.app.a'], { drainMs: 10 });
  await subscription.start();
  subscription.markJoined();
  addTopic('pgshift.app.b');
  for (let i = 0; i < 200 && stats().consumers < 2; i++) await wait(2);
  await subscription.stop();
  assert.deepEqual(log.slice(0, 7), ['connect#1 pgshift.app.a', 'run#1', 'pause#1', 'drain', 'disconnect#1', 'connect#2 pgshift.app.a,pgshift.app.b', 'run#2']);
  assert.equal(stats().mostConnectedAtOnce, 1);
  assert.deepEqual(subscription.topics, ['pgshift.app.a', 'pgshift.app.b']);
});

test('an unchanged or shrunk topic list does not resubscribe', async () => {
  const { subscription, log, setTopics } = setup(['pgshift.app.a', 'pgshift.app.b']);
  await subscription.start();
  await wait(20);
  setTopics(['pgshift.app.a']);
  await wait(20);
  await subscription.stop();
  assert.deepEqual(log, ['connect#1 pgshift.app.a,pgshift.app.b', 'run#1', 'pause#1', 'drain', 'disconnect#1']);
});

test('a topic refresh never overlaps another, however long it takes', async () => {
  // Listing takes ten times the refresh interval.
  const { subscription, stats } = setup(['pgshift.app.a'], { listMs: 20 });
  await subscription.start();
  await wait(150);
  await subscription.stop();
  assert.equal(stats().mostListingAtOnce, 1);
});

test('a failed refresh does not end refreshing: a later one still sees the new topic', async () => {
  const { subscription, failNextList, addTopic, stats } = setup(['pgshift.app.a']);
  await subscription.start();
  // the first refresh after start fails; a later one sees the new topic
  failNextList();
  addTopic('pgshift.app.b');
  for (let i = 0; i < 200 && stats().consumers < 2; i++) await wait(2);
  await subscription.stop();
  assert.equal(stats().consumers, 2);
});

test('no refresh after stop', async () => {
  const { subscription, addTopic, stats } = setup(['pgshift.app.a']);
  await subscription.start();
  await subscription.stop();
  addTopic('pgshift.app.b');
  await wait(30);
  assert.equal(stats().consumers, 1);
});

test('a consumer kafkajs gave up on is replaced: drained, left, and a new one of the same topics runs, never two at once', async () => {
  const { subscription, log, stats } = setup(['pgshift.app.a'], { drainMs: 5 });
  await subscription.start();
  subscription.markJoined();
  await subscription.resubscribe();
  assert.equal(subscription.joined, false, 'not joined until the new consumer joins');
  await subscription.stop();
  assert.deepEqual(log.slice(0, 7), ['connect#1 pgshift.app.a', 'run#1', 'pause#1', 'drain', 'disconnect#1', 'connect#2 pgshift.app.a', 'run#2']);
  assert.equal(stats().mostConnectedAtOnce, 1);
});

test('subscribing again is tried until it works (the broker away meanwhile)', async () => {
  const { subscription, log, failNextList } = setup(['pgshift.app.a']);
  await subscription.start();
  failNextList();
  await subscription.resubscribe();
  await subscription.stop();
  assert.ok(log.includes('connect#2 pgshift.app.a'), log.join(' | '));
});
