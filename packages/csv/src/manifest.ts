import { type BatchFile, type CopyManifest, parseS3Url } from '@pgshift/contracts';

export class InvalidCopyManifestError extends Error {
  constructor(message: string) {
    super(`invalid COPY manifest: ${message}`);
    this.name = 'InvalidCopyManifestError';
  }
}

/** The manifest for a batch's uploaded parts, in part order; every entry mandatory. */
export function buildCopyManifest(files: readonly Pick<BatchFile, 'url' | 'bytes'>[]): CopyManifest {
  if (files.length === 0) throw new InvalidCopyManifestError('a batch without files has no manifest');
  return {
    entries: files.map(({ url, bytes }, i) => {
      checkEntry(url, bytes, `files[${i}]`);
      return { url, mandatory: true, meta: { content_length: bytes } };
    }),
  };
}

/** Reads a manifest this package wrote: anything else (optional entries, missing sizes) is refused. */
export function parseCopyManifest(json: string | Buffer): CopyManifest {
  let document: unknown;
  try {
    document = JSON.parse(json.toString());
  } catch (error) {
    throw new InvalidCopyManifestError(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(document) || !Array.isArray(document.entries)) throw new InvalidCopyManifestError('expected {"entries": [...]}');
  if (document.entries.length === 0) throw new InvalidCopyManifestError('"entries" is empty');
  return {
    entries: document.entries.map((entry: unknown, i: number) => {
      const where = `entries[${i}]`;
      if (!isObject(entry)) throw new InvalidCopyManifestError(`${where} is not an object`);
      if (typeof entry.url !== 'string') throw new InvalidCopyManifestError(`${where}.url is not a string`);
      if (entry.mandatory !== true) throw new InvalidCopyManifestError(`${where}.mandatory is not true`);
      if (!isObject(entry.meta)) throw new InvalidCopyManifestError(`${where}.meta is missing`);
      const bytes = entry.meta.content_length;
      if (typeof bytes !== 'number') throw new InvalidCopyManifestError(`${where}.meta.content_length is not a number`);
      checkEntry(entry.url, bytes, where);
      return { url: entry.url, mandatory: true as const, meta: { content_length: bytes } };
    }),
  };
}

function checkEntry(url: string, bytes: number, where: string): void {
  try {
    parseS3Url(url);
  } catch {
    throw new InvalidCopyManifestError(`${where}: ${JSON.stringify(url)} is not an s3://bucket/key URL`);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidCopyManifestError(`${where}: size ${bytes} is not a byte count`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
