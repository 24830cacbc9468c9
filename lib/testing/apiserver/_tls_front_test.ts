import { strict as assert } from "node:assert";
import { generateServingCertificates } from "./tls.ts";
import { startTlsFront, type TlsFront } from "./_tls_front.ts";

async function withFront(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (url: string, client: Deno.HttpClient, front: TlsFront) => Promise<void>,
  clientOptions: { http2?: boolean; http1?: boolean } = {},
): Promise<void> {
  const certs = await generateServingCertificates({ hosts: ["127.0.0.1"] });
  const stop = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const backend = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen: resolve },
    handler,
  );
  const front = startTlsFront({
    hostname: "127.0.0.1",
    port: 0,
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    backendPort: (await listening).port,
  });
  const client = Deno.createHttpClient({ caCerts: [certs.caCertPem], ...clientOptions });
  try {
    await fn(`https://127.0.0.1:${front.port}`, client, front);
  } finally {
    client.close();
    await front.close();
    stop.abort();
    await backend.finished;
  }
}

const echo = async (request: Request) =>
  new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`);

Deno.test("startTlsFront relays HTTPS requests and their bodies to the plain server", async () => {
  await withFront(echo, async (url, client) => {
    const get = await fetch(`${url}/a`, { client });
    assert.equal(await get.text(), "GET /a ");
    const body = "x".repeat(5000);
    const post = await fetch(`${url}/b`, { client, method: "POST", body });
    assert.equal(await post.text(), `POST /b ${body}`);
  }, { http2: false });
});

Deno.test("startTlsFront offers HTTP/2 by ALPN, as Deno.serve does", async () => {
  await withFront(echo, async (url, client) => {
    const responses = await Promise.all(
      ["/1", "/2", "/3"].map((path) =>
        fetch(`${url}${path}`, { client, method: "PUT", body: "b" })
      ),
    );
    assert.deepEqual(await Promise.all(responses.map((r) => r.text())), [
      "PUT /1 b",
      "PUT /2 b",
      "PUT /3 b",
    ]);
  }, { http1: false });
});

Deno.test("startTlsFront.close ends a streaming response that is still open", async () => {
  await withFront(
    () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("first\n"));
          },
        }),
      ),
    async (url, client, front) => {
      const response = await fetch(`${url}/watch`, { client });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      assert.equal((await reader.read()).value, "first\n");
      await front.close();
      const end = await reader.read().then(({ done }) => done ? "ended" : "more", () => "failed");
      assert.notEqual(end, "more");
    },
    { http2: false },
  );
});
