import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeReplayRequest, parseReplayFrom, ReplayFromError, replayOffsets } from './replay.js';
import { applyControlAction, ControlState, controlChanges, defaultControl, encodeTableControl } from './table-control.js';

const partitions = [
  { partition: 1, low: 10n, high: 50n, atTime: 30n },
  { partition: 0, low: 0n, high: 100n, atTime: null },
  { partition: 2, low: 0n, high: 0n, atTime: null },
];

test('a replay starts from earliest, an offset, offsets per partition, or a time with its zone', () => {
  assert.deepEqual(parseReplayFrom('earliest'), { kind: 'earliest' });
  assert.deepEqual(parseReplayFrom(' 1200 '), { kind: 'offset', offset: 1200n });
  assert.deepEqual(parseReplayFrom('0:120,2:7'), {
    kind: 'offsets',
    byPartition: new Map([
      [0, 120n],
      [2, 7n],
    ]),
  });
  assert.deepEqual(parseReplayFrom('2026-12-02T06:00:00Z'), { kind: 'time', at: new Date('2026-12-02T06:00:00Z') });
  assert.deepEqual(parseReplayFrom('2026-12-02T07:00+01:00'), { kind: 'time', at: new Date('2026-12-02T06:00:00Z') });
});

test('a time without its zone, a partition named twice, or anything else is refused with what is expected', () => {
  assert.throws(() => parseReplayFrom('2026-12-02T06:00:00'), ReplayFromError);
  assert.throws(() => parseReplayFrom('06:00'), /expected earliest, an ISO time/);
  assert.throws(() => parseReplayFrom('0:1,0:2'), /partition 0 is given twice/);
  assert.throws(() => parseReplayFrom('-5'), ReplayFromError);
});

test('each partition starts where asked, clamped into what the topic still holds', () => {
  assert.deepEqual(replayOffsets({ kind: 'earliest' }, partitions), [
    { partition: 0, offset: '0' },
    { partition: 1, offset: '10' },
    { partition: 2, offset: '0' },
  ]);
  assert.deepEqual(replayOffsets({ kind: 'offset', offset: 5n }, partitions), [
    { partition: 0, offset: '5' },
    { partition: 1, offset: '10' },
    { partition: 2, offset: '0' },
  ]);
  // A time after a partition's last message: nothing to replay there (its end).
  assert.deepEqual(replayOffsets({ kind: 'time', at: new Date() }, partitions), [
    { partition: 0, offset: '100' },
    { partition: 1, offset: '30' },
    { partition: 2, offset: '0' },
  ]);
});

test('offsets per partition replay only the partitions they name, and refuse ones the topic lacks', () => {
  assert.deepEqual(replayOffsets(parseReplayFrom('1:20'), partitions), [{ partition: 1, offset: '20' }]);
  assert.throws(() => replayOffsets(parseReplayFrom('7:1'), partitions), /no partition 7/);
});

test('a replay is kept in the table control record, and a record with a malformed one keeps the rest', () => {
  const replay = { id: 'r1', topic: 'pgshift.shop.orders', from: 'earliest', offsets: [{ partition: 0, offset: '0' }] };
  const before = defaultControl('shop.orders');
  const after = applyControlAction(before, { kind: 'replay', replay }, 'alice', new Date('2026-12-02T06:00:00Z'));
  assert.deepEqual(controlChanges(before, after), { replay: { from: null, to: replay } });
  const state = new ControlState();
  assert.deepEqual(state.apply('shop.orders', encodeTableControl(after)), { control: after });
  const malformed = state.apply('shop.orders', JSON.stringify({ ...after, paused: true, replay: { id: 3 } }));
  assert.ok('control' in malformed && malformed.control.paused && malformed.control.replay === undefined);
  assert.equal(decodeReplayRequest({ ...replay, offsets: [{ partition: 0, offset: 'x' }] })?.offsets.length, 0);
});
