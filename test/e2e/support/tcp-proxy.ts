/**
 * A TCP proxy in front of one or more server processes, for faults the network makes: `freeze()` stops
 * forwarding on every open connection without closing it (a half-open socket: the server "stops answering"),
 * while new connections still go through; several upstreams are tried in turn, as a load balancer does.
 */
import { connect, createServer, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops forwarding on every open connection, leaving both ends open. */
  freeze(): void;
  close(): Promise<void>;
}

/** Proxies 127.0.0.1:<port> to the first upstream that accepts, round-robin over `upstreams()`. */
export async function startTcpProxy(upstreams: () => number[]): Promise<TcpProxy> {
  const open = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  let next = 0;
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    client.pause();
    const ports = upstreams();
    const attempt = (tries: number) => {
      const port = ports[next++ % ports.length] ?? 0;
      const upstream = connect(port, '127.0.0.1');
      const pair = { client, upstream, frozen: false };
      upstream.once('error', () => {
        if (tries > 1) attempt(tries - 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        open.add(pair);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.on('data', (chunk) => {
          if (!pair.frozen) upstream.write(chunk);
        });
        upstream.on('data', (chunk) => {
          if (!pair.frozen) client.write(chunk);
        });
        // A frozen pair says nothing, not even goodbye: that is what makes it half-open.
        client.on('close', () => {
          open.delete(pair);
          if (!pair.frozen) upstream.destroy();
        });
        upstream.on('close', () => {
          if (!pair.frozen) client.destroy();
        });
        client.resume();
      });
    };
    attempt(Math.max(1, ports.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    freeze() {
      for (const pair of open) pair.frozen = true;
    },
    close() {
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
