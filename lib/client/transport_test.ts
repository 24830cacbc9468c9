import { strict as assert } from "node:assert";
import { FakeApiServer, generateServingCertificates } from "../testing/mod.ts";
import type { ClusterConnection, CredentialSource } from "./connection.ts";
import { fetchTransport } from "./transport.ts";

const SA = "system:serviceaccount:team-a:issuer";

/** A credential source whose token changes when it is invalidated, as a rotated file would. */
class RotatingToken implements CredentialSource {
  invalidations = 0;
  #tokens: string[];
  constructor(...tokens: string[]) {
    this.#tokens = tokens;
  }
  authorization(): Promise<string | undefined> {
    return Promise.resolve(`Bearer ${this.#tokens[0]}`);
  }
  invalidate(): void {
    this.invalidations++;
    if (this.#tokens.length > 1) this.#tokens.shift();
  }
}

async function httpsServer() {
  const server = new FakeApiServer({ namespaces: ["team-a"] });
  server.addToken("fresh", { username: SA, groups: [] });
  server.grant(SA, [{ apiGroups: [""], resources: ["secrets", "namespaces"], verbs: ["*"] }]);
  const listening = await server.listen({ tls: true });
  const connection = (credentials?: CredentialSource): ClusterConnection => ({
    server: listening.url,
    caCertsPem: [listening.caCertPem ?? ""],
    namespace: "team-a",
    ...(credentials ? { credentials } : {}),
  });
  return { server, listening, connection };
}

Deno.test("fetchTransport speaks HTTPS with the cluster CA and a bearer token", async () => {
  const { server, listening, connection } = await httpsServer();
  await using _ = server;
  await using _l = listening;
  using transport = fetchTransport(connection(new RotatingToken("fresh")));
  const response = await transport(new Request(`${listening.url}/api/v1/namespaces/team-a`));
  assert.equal(response.status, 200);
  assert.equal((await response.json()).metadata.name, "team-a");
  assert.equal(server.requests.entries().at(-1)?.user, SA);
});

Deno.test("without the cluster CA the server certificate is refused", async () => {
  const { server, listening } = await httpsServer();
  await using _ = server;
  await using _l = listening;
  using transport = fetchTransport({ server: listening.url, namespace: "default" });
  await assert.rejects(transport(new Request(`${listening.url}/version`)), TypeError);
});

Deno.test("on 401 the credential is invalidated and the request, body included, sent again", async () => {
  const { server, listening, connection } = await httpsServer();
  await using _ = server;
  await using _l = listening;
  const token = new RotatingToken("expired", "fresh");
  using transport = fetchTransport(connection(token));
  const response = await transport(
    new Request(`${listening.url}/api/v1/namespaces/team-a/secrets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
    }),
  );
  assert.equal(response.status, 201);
  assert.equal((await response.json()).metadata.name, "s");
  assert.equal(token.invalidations, 1);
  assert.deepEqual(server.requests.entries({ resource: "secrets" }).map((r) => r.code), [401, 201]);
});

Deno.test("a 401 is returned as is when the fresh credential is the same", async () => {
  const { server, listening, connection } = await httpsServer();
  await using _ = server;
  await using _l = listening;
  const token = new RotatingToken("revoked");
  using transport = fetchTransport(connection(token));
  const response = await transport(new Request(`${listening.url}/api/v1/namespaces`));
  assert.equal(response.status, 401);
  await response.body?.cancel();
  assert.equal(token.invalidations, 1);
  assert.equal(server.requests.count({ code: 401 }), 1, "sent once");

  const noInvalidate: CredentialSource = { authorization: () => Promise.resolve("Bearer nope") };
  using plain = fetchTransport(connection(noInvalidate));
  const again = await plain(new Request(`${listening.url}/api/v1/namespaces`));
  assert.equal(again.status, 401);
  await again.body?.cancel();
  assert.equal(server.requests.count({ code: 401 }), 2);
});

Deno.test("a client certificate and key are handed to the TLS client", async () => {
  const { server, listening, connection } = await httpsServer();
  await using _ = server;
  await using _l = listening;
  const client = await generateServingCertificates({ hosts: ["issuer"] });
  using transport = fetchTransport({
    ...connection(),
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
  });
  const response = await transport(new Request(`${listening.url}/version`));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

Deno.test("fetchTransport refuses what Deno cannot do, naming the kubeconfig field", () => {
  const base: ClusterConnection = { server: "https://10.0.0.1:6443", namespace: "default" };
  const cases: [Partial<ClusterConnection>, RegExp][] = [
    [
      { insecureSkipTlsVerify: true },
      /"insecure-skip-tls-verify" is not supported.*--unsafely-ignore-certificate-errors=10\.0\.0\.1/,
    ],
    [
      { tlsServerName: "kubernetes.default.svc" },
      /"tls-server-name" \("kubernetes.default.svc"\) is not supported/,
    ],
    [{ clientCertPem: "cert" }, /"client-key-data" is missing/],
    [{ clientKeyPem: "key" }, /"client-certificate-data" is missing/],
    [{ server: "ftp://10.0.0.1" }, /"server" must be an http or https URL, got "ftp:\/\/10.0.0.1"/],
    [{ server: "not a url" }, /"server" must be a URL, got "not a url"/],
  ];
  for (const [change, pattern] of cases) {
    assert.throws(() => fetchTransport({ ...base, ...change }), pattern);
  }
  using same = fetchTransport({ ...base, tlsServerName: "10.0.0.1" });
  assert.equal(typeof same, "function");
});

Deno.test("fetchTransport asks for HTTP/1.1, not HTTP/2, over HTTPS", async () => {
  // Over HTTP/2, Deno's fetch sends a body of more than ~1 KiB in a segment that waits 40 ms
  // for the server's delayed ACK (no TCP_NODELAY): the transport must not negotiate it.
  const certs = await generateServingCertificates({ hosts: ["127.0.0.1"] });
  using listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: certs.certPem,
    key: certs.keyPem,
    alpnProtocols: ["h2", "http/1.1"],
  });
  const served = (async () => {
    using conn = await listener.accept();
    const { alpnProtocol } = await conn.handshake();
    const buffer = new Uint8Array(4096);
    let request = "";
    while (!request.includes("\r\n\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      request += new TextDecoder().decode(buffer.subarray(0, n));
    }
    await conn.write(
      new TextEncoder().encode(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
      ),
    );
    return { alpnProtocol, requestLine: request.split("\r\n")[0] };
  })();
  using transport = fetchTransport({
    server: `https://127.0.0.1:${listener.addr.port}`,
    caCertsPem: [certs.caCertPem],
    namespace: "default",
  });
  const response = await transport(new Request(`https://127.0.0.1:${listener.addr.port}/version`));
  assert.equal(await response.text(), "ok");
  const { alpnProtocol, requestLine } = await served;
  assert.equal(alpnProtocol, "http/1.1");
  assert.equal(requestLine, "GET /version HTTP/1.1");
});
