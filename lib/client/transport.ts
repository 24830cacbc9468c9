/**
 * The transport: a function from `Request` to `Response`. The real one is `fetch` with
 * the cluster's CA, a client certificate and credentials; the fake API server's
 * `fetch` is another, so most tests never open a socket.
 *
 * @module
 */
import type { ClusterConnection } from "./connection.ts";

/** Sends one HTTP request to the API server. */
export type Transport = (request: Request) => Promise<Response>;

/** A {@linkcode Transport} that holds a TLS client; close it when done. */
export type FetchTransport = Transport & Disposable & {
  /** Closes the underlying `Deno.HttpClient`; later requests fail. */
  close(): void;
};

/**
 * Builds the transport for a cluster connection: `fetch` through a `Deno.createHttpClient`
 * that trusts the cluster CA and presents the client certificate, with the
 * `Authorization` header from `connection.credentials`. On a `401` it calls the
 * credential source's `invalidate()` and, when the fresh credential differs from the
 * rejected one, sends the request once more.
 *
 * It speaks HTTP/1.1 over HTTPS, never HTTP/2: Deno's `fetch` does not set `TCP_NODELAY`,
 * and over HTTP/2 a request body of more than about 1 KiB leaves in a second segment that
 * waits for the server's delayed ACK — 40 ms per status write on Linux.
 *
 * Limits of Deno's `fetch`, each refused with an error that names the kubeconfig field:
 * - `insecure-skip-tls-verify`: Deno cannot skip verification per client. Remove the
 *   field and run with `--unsafely-ignore-certificate-errors=<host>` instead.
 * - `tls-server-name`: Deno verifies the certificate against the URL's host name and
 *   cannot name another; a `tls-server-name` equal to that host name is accepted.
 * - `certificate-authority` adds to Deno's root certificates rather than replacing them.
 *
 * Permissions: `--allow-net=<api server host:port>`.
 *
 * @param connection Where the cluster is, its TLS settings and credentials.
 * @returns The transport; call `close()` (or `using`) to release the TLS client.
 * @throws {TypeError} When the connection asks for something Deno cannot do, or `server` is not a URL.
 *
 * @example A transport for a plain-HTTP fake server
 * ```ts
 * import { fetchTransport } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * await using listening = await server.listen();
 * using transport = fetchTransport({ server: listening.url, namespace: "default" });
 * const response = await transport(new Request(`${listening.url}/version`));
 * assert.equal((await response.json()).major, "1");
 * ```
 */
export function fetchTransport(connection: ClusterConnection): FetchTransport {
  const url = parseServer(connection.server);
  if (connection.insecureSkipTlsVerify) {
    throw new TypeError(
      `fetchTransport: kubeconfig field "insecure-skip-tls-verify" is not supported (server ${
        JSON.stringify(connection.server)
      }): Deno's fetch cannot skip certificate verification per client; remove the field ` +
        `and set "certificate-authority-data", or run Deno with ` +
        `--unsafely-ignore-certificate-errors=${url.hostname}`,
    );
  }
  if (
    connection.tlsServerName !== undefined && connection.tlsServerName !== "" &&
    connection.tlsServerName !== url.hostname.replace(/^\[|\]$/g, "")
  ) {
    throw new TypeError(
      `fetchTransport: kubeconfig field "tls-server-name" (${
        JSON.stringify(connection.tlsServerName)
      }) is not supported: Deno's fetch verifies the certificate against the server URL's ` +
        `host ${JSON.stringify(url.hostname)}; set "server" to a URL whose host the ` +
        `certificate names, or remove "tls-server-name"`,
    );
  }
  const hasCert = connection.clientCertPem !== undefined;
  const hasKey = connection.clientKeyPem !== undefined;
  if (hasCert !== hasKey) {
    throw new TypeError(
      `fetchTransport: kubeconfig field "${
        hasCert ? "client-key-data" : "client-certificate-data"
      }" is missing: a client certificate needs both a certificate and a key`,
    );
  }
  const caCerts = connection.caCertsPem ?? [];
  let client: Deno.HttpClient | undefined;
  if (url.protocol === "https:") {
    // HTTP/1.1 only: Deno's fetch leaves Nagle's algorithm on (no TCP_NODELAY), and
    // over HTTP/2 it sends a request body of more than about
    // 1 KiB (a status write with a certificate) after its HEADERS frame, in a separate
    // segment that waits for the server's delayed ACK: 40 ms per write on Linux, against
    // kube-apiserver as against the fake. HTTP/1.1 sends both in one write.
    client = connection.clientCertPem !== undefined && connection.clientKeyPem !== undefined
      ? Deno.createHttpClient({
        caCerts,
        cert: connection.clientCertPem,
        key: connection.clientKeyPem,
        http2: false,
      })
      : Deno.createHttpClient({ caCerts, http2: false });
  }
  const credentials = connection.credentials;
  const send = (request: Request): Promise<Response> =>
    client ? fetch(request, { client }) : fetch(request);

  const transport = async (request: Request): Promise<Response> => {
    if (!credentials) return await send(request);
    const spare = credentials.invalidate ? request.clone() : undefined;
    const first = await credentials.authorization(request.signal);
    const response = await send(withAuthorization(request, first));
    if (response.status !== 401 || !spare || !credentials.invalidate) {
      await spare?.body?.cancel();
      return response;
    }
    credentials.invalidate();
    const fresh = await credentials.authorization(request.signal);
    if (fresh === first) {
      await spare.body?.cancel();
      return response;
    }
    await response.body?.cancel();
    return await send(withAuthorization(spare, fresh));
  };
  const close = () => client?.close();
  return Object.assign(transport, { close, [Symbol.dispose]: close });
}

function parseServer(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new TypeError(
      `fetchTransport: kubeconfig field "server" must be a URL, got ${JSON.stringify(server)}`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(
      `fetchTransport: kubeconfig field "server" must be an http or https URL, got ${
        JSON.stringify(server)
      }`,
    );
  }
  return url;
}

function withAuthorization(request: Request, authorization: string | undefined): Request {
  if (authorization === undefined) return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", authorization);
  return new Request(request, { headers });
}
