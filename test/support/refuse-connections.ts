/**
 * Preloaded into every unit test process (scripts/test.sh --unit): a unit test needs no running
 * service, so a network connection it opens fails at once with an error that says so, instead of
 * reaching a stack that happens to run on this machine (or hanging on one that does not). Connections
 * to a server the test process itself listens on (a fake registry or S3 in the test) are allowed.
 * A test that needs PostgreSQL, Kafka, the registry or S3 is named *.integration.test.ts.
 */
import net from 'node:net';

const ownPorts = new Set<number>();

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenAndRemember(this: net.Server, ...args: unknown[]): net.Server {
  this.once('listening', () => {
    const address = this.address();
    if (address !== null && typeof address === 'object') {
      ownPorts.add(address.port);
      this.once('close', () => ownPorts.delete(address.port));
    }
  });
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

function target(args: unknown[]): { port: number | null; text: string } {
  // net.connect() hands Socket#connect its arguments already normalised, as one array.
  const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; port?: number | string | null; path?: string | null };
    if (options.port == null) return { port: null, text: String(options.path) };
    return { port: Number(options.port), text: `${options.host ?? 'localhost'}:${options.port}` };
  }
  return { port: Number(first), text: typeof second === 'string' ? `${second}:${first}` : String(first) };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectToOwnServersOnly(this: net.Socket, ...args: unknown[]): net.Socket {
  const { port, text } = target(args);
  if (port !== null && ownPorts.has(port)) return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  const error = new Error(`a unit test opened a connection to ${text}: tests that need a running service are named *.integration.test.ts`);
  process.nextTick(() => this.destroy(error));
  return this;
} as typeof net.Socket.prototype.connect;
