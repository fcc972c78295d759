/**
 * Preloaded into every unit test process (scripts/test.sh --unit): a unit test needs no running
 * service, so any network connection it opens fails at once with an error that says so, instead of
 * reaching a stack that happens to run on this machine (or hanging on one that does not).
 * A test that needs PostgreSQL, Kafka, the registry or S3 is named *.integration.test.ts.
 */
import net from 'node:net';

function target(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; port?: number; path?: string };
    return options.path ?? `${options.host ?? 'localhost'}:${options.port}`;
  }
  return typeof second === 'string' ? `${second}:${first}` : String(first);
}

net.Socket.prototype.connect = function refuseConnection(this: net.Socket, ...args: unknown[]): net.Socket {
  const error = new Error(
    `a unit test opened a connection to ${target(args)}: tests that need a running service are named *.integration.test.ts`,
  );
  process.nextTick(() => this.destroy(error));
  return this;
} as typeof net.Socket.prototype.connect;
