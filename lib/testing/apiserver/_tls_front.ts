/**
 * HTTPS for the fake API server without Nagle stalls: TLS is terminated by
 * `Deno.listenTls` and the bytes are relayed to a plain-HTTP `Deno.serve` on loopback.
 *
 * `Deno.serve({ cert, key })` leaves Nagle's algorithm on for its TLS sockets (Deno
 * 2.9). A response written as two TLS records (headers, then a body over a few hundred
 * bytes) then waits for the client's delayed ACK of the first: 40 ms on Linux, per
 * response and per watch event. kube-apiserver (Go) sets `TCP_NODELAY`, so the fake would
 * be 20–40 times slower than a real server for no reason of its own. The sockets of
 * `Deno.listenTls` and `Deno.connect` have `TCP_NODELAY` set, so relaying through them
 * answers in about a millisecond.
 *
 * @module
 */

/** Where {@linkcode startTlsFront} listens, and what it relays to. */
export interface TlsFrontOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port (0 for any free port). */
  port: number;
  /** The serving certificate, PEM. */
  certPem: string;
  /** Its private key, PEM. */
  keyPem: string;
  /** The plain-HTTP server to relay to (on `backendHostname`). */
  backendPort: number;
  /** The plain-HTTP server's address (default `127.0.0.1`). */
  backendHostname?: string;
}

/** A running TLS front. */
export interface TlsFront {
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting, closes every relayed connection, and resolves once all have ended. */
  close(): Promise<void>;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/**
 * Listens for TLS connections (offering HTTP/2 and HTTP/1.1 by ALPN, as `Deno.serve`
 * does) and relays each one to a new loopback connection to the plain server, which
 * speaks whichever protocol the client chose (HTTP/2 with prior knowledge).
 *
 * @param options Where to listen, the certificate, and the plain server's port.
 * @returns The front, with its port and `close`.
 */
export function startTlsFront(options: TlsFrontOptions): TlsFront {
  const listener = Deno.listenTls({
    hostname: options.hostname,
    port: options.port,
    cert: options.certPem,
    key: options.keyPem,
    alpnProtocols: ["h2", "http/1.1"],
  });
  const conns = new Set<Deno.Conn>();
  const relays = new Set<Promise<void>>();

  const relay = async (conn: Deno.TlsConn): Promise<void> => {
    conns.add(conn);
    let backend: Deno.TcpConn | undefined;
    try {
      backend = await Deno.connect({
        hostname: options.backendHostname ?? "127.0.0.1",
        port: options.backendPort,
      });
      conns.add(backend);
      const up = conn.readable.pipeTo(backend.writable, { preventClose: true });
      const down = backend.readable.pipeTo(conn.writable, { preventClose: true });
      // Either side ending ends the connection: HTTP needs no half-close here.
      await Promise.race([up, down]).catch(() => {});
      closeQuietly(conn);
      closeQuietly(backend);
      await Promise.allSettled([up, down]);
    } catch {
      // The handshake failed, or the plain server is gone: drop the connection.
    } finally {
      closeQuietly(conn);
      conns.delete(conn);
      if (backend) {
        closeQuietly(backend);
        conns.delete(backend);
      }
    }
  };

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TlsConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // the listener was closed
      }
      const task: Promise<void> = relay(conn).finally(() => relays.delete(task));
      relays.add(task);
    }
  })();

  let closed: Promise<void> | undefined;
  return {
    port: listener.addr.port,
    close: () => {
      closed ??= (async () => {
        try {
          listener.close();
        } catch {
          // already closed
        }
        await accepting;
        for (const conn of conns) closeQuietly(conn);
        await Promise.allSettled([...relays]);
      })();
      return closed;
    },
  };
}
