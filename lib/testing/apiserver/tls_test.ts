import { strict as assert } from "node:assert";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { generateServingCertificates, type ServingCertificates } from "./tls.ts";

/** Runs `openssl` with the given arguments; returns the exit code and combined output. */
async function openssl(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command("openssl", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

async function withPemFiles<T>(
  tls: ServingCertificates,
  body: (paths: { ca: string; leaf: string }) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "tls_test_" });
  try {
    const ca = `${dir}/ca.pem`;
    const leaf = `${dir}/leaf.pem`;
    await Deno.writeTextFile(ca, tls.caCertPem);
    await Deno.writeTextFile(leaf, tls.certPem);
    return await body({ ca, leaf });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generateServingCertificates serves HTTPS that a client trusting the CA accepts", async () => {
  const tls = await generateServingCertificates();
  const controller = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    cert: tls.certPem,
    key: tls.keyPem,
    signal: controller.signal,
    onListen: resolve,
  }, (request) => new Response(`hello ${new URL(request.url).pathname}`));
  const client = Deno.createHttpClient({ caCerts: [tls.caCertPem] });
  try {
    const { port } = await listening;
    const response = await fetch(`https://127.0.0.1:${port}/version`, { client });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "hello /version");
  } finally {
    client.close();
    controller.abort();
    await server.finished;
  }
});

Deno.test("generateServingCertificates: a client without the CA rejects the server", async () => {
  const tls = await generateServingCertificates();
  const other = await generateServingCertificates();
  const controller = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    cert: tls.certPem,
    key: tls.keyPem,
    signal: controller.signal,
    onListen: resolve,
    onError: () => new Response("error", { status: 500 }),
  }, () => new Response("ok"));
  const client = Deno.createHttpClient({ caCerts: [other.caCertPem] });
  try {
    const { port } = await listening;
    await assert.rejects(fetch(`https://127.0.0.1:${port}/`, { client }));
  } finally {
    client.close();
    controller.abort();
    await server.finished;
  }
});

Deno.test("generateServingCertificates: openssl verifies the leaf against the CA for every host", async () => {
  const tls = await generateServingCertificates();
  await withPemFiles(tls, async ({ ca, leaf }) => {
    const plain = await openssl(["verify", "-CAfile", ca, leaf]);
    assert.equal(plain.code, 0, plain.output);
    assert.match(plain.output, /: OK/);
    for (
      const check of [
        ["-verify_ip", "127.0.0.1"],
        ["-verify_ip", "::1"],
        ["-verify_hostname", "localhost"],
      ]
    ) {
      const result = await openssl([
        "verify",
        "-purpose",
        "sslserver",
        ...check,
        "-CAfile",
        ca,
        leaf,
      ]);
      assert.equal(result.code, 0, `${check.join(" ")}: ${result.output}`);
    }
    const wrongHost = await openssl([
      "verify",
      "-verify_hostname",
      "example.com",
      "-CAfile",
      ca,
      leaf,
    ]);
    assert.notEqual(wrongHost.code, 0, wrongHost.output);
  });
});

Deno.test("generateServingCertificates: the CA is a CA, the leaf is a serving certificate", async () => {
  const now = Date.UTC(2030, 0, 1);
  const tls = await generateServingCertificates({
    hosts: ["fake.example", "10.0.0.1"],
    validityDays: 2,
    now,
  });
  const ca = new x509.X509Certificate(tls.caCertPem);
  const leaf = new x509.X509Certificate(tls.certPem);

  assert.equal(ca.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  const caUsage = ca.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  assert.ok(caUsage & x509.KeyUsageFlags.keyCertSign);
  assert.equal(await ca.isSelfSigned(), true);

  assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.equal(leaf.issuer, ca.subject);
  assert.equal(leaf.subject, "CN=fake.example");
  assert.deepEqual([...(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [
    x509.ExtendedKeyUsage.serverAuth,
  ]);
  const sans = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
  assert.deepEqual(sans, [{ type: "dns", value: "fake.example" }, {
    type: "ip",
    value: "10.0.0.1",
  }]);
  assert.equal(await leaf.verify({ publicKey: ca.publicKey, signatureOnly: true }), true);

  assert.ok(leaf.notBefore.getTime() <= now);
  assert.equal(leaf.notAfter.getTime(), now + 2 * 24 * 60 * 60 * 1000);
  assert.equal(ca.notAfter.getTime(), leaf.notAfter.getTime());
  assert.notEqual(ca.serialNumber, leaf.serialNumber);
});

Deno.test("generateServingCertificates: keys are PKCS#8 PEM that WebCrypto imports", async () => {
  const tls = await generateServingCertificates();
  for (const pem of [tls.keyPem, tls.caKeyPem]) {
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    const [der] = x509.PemConverter.decode(pem);
    assert.ok(der);
    const key = await crypto.subtle.importKey(
      "pkcs8",
      der,
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    assert.equal(key.type, "private");
  }
});

Deno.test("generateServingCertificates rejects bad options", async () => {
  await assert.rejects(generateServingCertificates({ hosts: [] }), RangeError);
  await assert.rejects(generateServingCertificates({ hosts: ["a b"] }), RangeError);
  await assert.rejects(generateServingCertificates({ validityDays: 0 }), /validityDays/);
  await assert.rejects(generateServingCertificates({ validityDays: Number.NaN }), RangeError);
  await assert.rejects(generateServingCertificates({ now: Number.POSITIVE_INFINITY }), /now/);
});
