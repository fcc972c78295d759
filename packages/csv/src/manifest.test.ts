import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCopyManifest, InvalidCopyManifestError, parseCopyManifest } from './manifest.js';

const files = [
  { url: 's3://pgshift/batches/app.users/2024/01/02/b1/part-00000.csv.gz', bytes: 1234, rows: 10 },
  { url: 's3://pgshift/batches/app.users/2024/01/02/b1/part-00001.csv.gz', bytes: 0, rows: 0 },
];

describe('buildCopyManifest', () => {
  it('lists every part as a mandatory entry with its size, in order', () => {
    assert.equal(
      JSON.stringify(buildCopyManifest(files)),
      '{"entries":[' +
        '{"url":"s3://pgshift/batches/app.users/2024/01/02/b1/part-00000.csv.gz","mandatory":true,"meta":{"content_length":1234}},' +
        '{"url":"s3://pgshift/batches/app.users/2024/01/02/b1/part-00001.csv.gz","mandatory":true,"meta":{"content_length":0}}]}',
    );
  });

  it('refuses a batch without files', () => {
    assert.throws(() => buildCopyManifest([]), InvalidCopyManifestError);
  });

  it('refuses a URL that is not s3:// and a size that is not a byte count', () => {
    assert.throws(() => buildCopyManifest([{ url: 'https://x/y', bytes: 1 }]), /files\[0\].*s3:\/\/bucket\/key/);
    assert.throws(() => buildCopyManifest([{ url: 's3://b/k', bytes: -1 }]), /files\[0\]: size -1/);
    assert.throws(() => buildCopyManifest([{ url: 's3://b/k', bytes: 1.5 }]), InvalidCopyManifestError);
  });
});

describe('parseCopyManifest', () => {
  it('reads back what buildCopyManifest wrote', () => {
    const manifest = buildCopyManifest(files);
    assert.deepEqual(parseCopyManifest(JSON.stringify(manifest)), manifest);
    assert.deepEqual(parseCopyManifest(Buffer.from(JSON.stringify(manifest))), manifest);
  });

  const invalid: [string, string, RegExp][] = [
    ['not JSON', '{"entries": [', /not JSON/],
    ['no entries', '{}', /expected \{"entries"/],
    ['entries not an array', '{"entries": {}}', /expected \{"entries"/],
    ['empty entries', '{"entries": []}', /empty/],
    ['entry not an object', '{"entries": ["s3://b/k"]}', /entries\[0\] is not an object/],
    ['url missing', '{"entries": [{"mandatory": true, "meta": {"content_length": 1}}]}', /entries\[0\]\.url/],
    ['not mandatory', '{"entries": [{"url": "s3://b/k", "mandatory": false, "meta": {"content_length": 1}}]}', /entries\[0\]\.mandatory/],
    ['size missing', '{"entries": [{"url": "s3://b/k", "mandatory": true}]}', /entries\[0\]\.meta is missing/],
    ['size not a number', '{"entries": [{"url": "s3://b/k", "mandatory": true, "meta": {"content_length": "1"}}]}', /content_length/],
    ['bad url', '{"entries": [{"url": "s3://bucket-only", "mandatory": true, "meta": {"content_length": 1}}]}', /entries\[0\].*not an s3/],
  ];
  for (const [name, json, message] of invalid) {
    it(`refuses a manifest with ${name}, saying what is wrong`, () => {
      assert.throws(
        () => parseCopyManifest(json),
        (error: unknown) => error instanceof InvalidCopyManifestError && message.test(error.message),
      );
    });
  }
});
