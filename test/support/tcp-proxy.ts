import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a stack service, so a test can make that service unreachable to the processes
 * it points at the proxy, without stopping the service others use. `cut()` closes the listening socket
 * (new connections are refused, as when the service is down) and resets every open connection;
 * `restore()` listens again on the same port.
 */
export interface TcpProxy {
  port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path?: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

// Below Linux's ephemeral range (32768–60999), and apart from the services' ports (20000–29999): an
// outgoing connection can never hold it between a cut and a restore.
let nextPort = 30000 + (process.pid % 270) * 10;

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = async (port: number): Promise<Server> => {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    return s;
  };
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = nextPort++;
    try {
      server = await listen(port);
      break;
    } catch (error) {
      if (attempt > 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  const cut = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.resetAndDestroy();
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  return {
    port,
    url: (path = '') => `http://127.0.0.1:${port}${path}`,
    cut,
    restore: async () => {
      if (!server) server = await listen(port);
    },
    close: cut,
  };
}
