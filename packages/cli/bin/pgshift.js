#!/usr/bin/env node
// The installed `pgshift` command: runs the compiled CLI (packages/cli/dist, built by `npm run build`).
// A checked-in launcher, so that `npm ci` links the command even before the first build.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/dist/main.js')) {
    process.stderr.write('pgshift: not built yet: run `npm run build` (tsc -b) in the repository first\n');
    process.exit(2);
  }
  throw error;
}
