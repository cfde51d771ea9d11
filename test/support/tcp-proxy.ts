import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a test server, to cut connections the way a network does: `dropAll`
 * destroys every open connection (the client sees an abnormal close, 1006), and while
 * `refusing` new connections are cut as soon as they arrive. `blackHole` stops forwarding without
 * closing anything (a half-open peer, a pulled cable): bytes sent either way vanish, and new
 * connections are accepted but go nowhere, until `restore`.
 */
export class TcpProxy {
  refusing = false;
  private blackHoled = false;
  /** Connections accepted so far (refused ones included). */
  accepted = 0;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => {
      client.on('error', () => undefined);
      proxy!.accepted++;
      if (proxy!.refusing) {
        client.destroy();
        return;
      }
      const upstream = new Socket();
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      const pair: [Socket, Socket] = [client, upstream];
      proxy!.pairs.add(pair);
      const forget = () => proxy!.pairs.delete(pair);
      client.on('close', () => {
        upstream.destroy();
        forget();
      });
      upstream.on('close', () => {
        client.destroy();
        forget();
      });
      if (proxy!.blackHoled) {
        client.resume(); // read and drop
        return;
      }
      upstream.connect(targetPort, targetHost, () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Open proxied connections. */
  connections(): number {
    return this.pairs.size;
  }

  /** Stops forwarding in both directions without closing any connection. */
  blackHole(): void {
    this.blackHoled = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.resume();
      upstream.resume();
    }
  }

  /**
   * Forwards again: the connections caught in the black hole are cut (as they would time out),
   * new ones reach the target.
   */
  restore(): void {
    this.blackHoled = false;
    this.dropAll();
  }

  /** Cuts every open connection at once. */
  dropAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
