import { strict as assert } from "node:assert";
import {
  certificateDetailsFromCertificateRequest,
  certificateDetailsFromCertificateSigningRequest,
  certificateTemplate,
  generateCa,
  generateCsr,
  type IssuanceRequest,
  type IssuerContext,
  IssuerError,
  type IssuerObject,
  type KeyAlgorithm,
  KubeClient,
  libraryLogger,
  PermanentError,
  signCertificate,
} from "@certkit/issuer-lib";
import { FakeApiServer, FakeClock } from "@certkit/issuer-lib/testing";
import type { SimpleIssuerSpec } from "./api.ts";
import { simpleSigner } from "./signer.ts";

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;
const CLUSTER_NS = "simple-issuer";

interface Fixture extends AsyncDisposable {
  server: FakeApiServer;
  clock: FakeClock;
  ctx: IssuerContext;
  secret(
    namespace: string,
    name: string,
    data: Record<string, string>,
    type?: string,
  ): Promise<void>;
}

function fixture(): Fixture {
  const server = new FakeApiServer({ namespaces: [CLUSTER_NS] });
  const client = new KubeClient("http://fake", server.fetch);
  const clock = new FakeClock(NOW);
  const ctx: IssuerContext = {
    signal: new AbortController().signal,
    log: libraryLogger("test"),
    client,
    clock,
  };
  return {
    server,
    clock,
    ctx,
    async secret(namespace, name, data, type = "kubernetes.io/tls") {
      await server.load({
        apiVersion: "v1",
        kind: "Secret",
        type,
        metadata: { name, namespace },
        stringData: data,
      });
    },
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

function issuer(namespace: string | undefined, secretName = "ca"): IssuerObject<SimpleIssuerSpec> {
  return namespace === undefined
    ? {
      apiVersion: "simple.certkit.dev/v1alpha1",
      kind: "SimpleClusterIssuer",
      metadata: { name: "cluster-ca", generation: 1 },
      spec: { secretName },
    }
    : {
      apiVersion: "simple.certkit.dev/v1alpha1",
      kind: "SimpleIssuer",
      metadata: { name: "ca", namespace, generation: 1 },
      spec: { secretName },
    };
}

async function caSecretData(options: { validityDays?: number; now?: number } = {}) {
  const ca = await generateCa({
    commonName: "Simple CA",
    now: options.now ?? NOW - DAY,
    validityDays: options.validityDays ?? 365,
  });
  return { "tls.crt": ca.certPem, "tls.key": ca.keyPem };
}

const signer = simpleSigner({ clusterResourceNamespace: CLUSTER_NS });

async function assertPermanent(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PermanentError, `want a PermanentError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("check: a SimpleIssuer whose Secret holds a valid CA passes", async () => {
  await using f = fixture();
  await f.secret("default", "ca", await caSecretData());
  await signer.check(issuer("default"), f.ctx);
});

Deno.test("check: a SimpleClusterIssuer reads its Secret from the cluster resource namespace", async () => {
  await using f = fixture();
  await f.secret(CLUSTER_NS, "ca", await caSecretData());
  await f.secret("default", "ca", { "tls.crt": "not this one", "tls.key": "nor this" });
  await signer.check(issuer(undefined), f.ctx);
});

Deno.test("check: a missing Secret is a retryable error naming it", async () => {
  await using f = fixture();
  await assert.rejects(signer.check(issuer("default", "missing"), f.ctx), (error: unknown) => {
    assert.ok(error instanceof Error && !(error instanceof PermanentError));
    assert.match(error.message, /^the Secret "default\/missing" does not exist \(yet\)/);
    return true;
  });
  await assert.rejects(
    signer.check(issuer(undefined, "missing"), f.ctx),
    /the Secret "simple-issuer\/missing" does not exist/,
  );
});

Deno.test("check: other API errors (such as Forbidden) are retried", async () => {
  await using f = fixture();
  f.server.faults.add({ match: { resource: "secrets" }, fail: { code: 403 } });
  await assert.rejects(signer.check(issuer("default"), f.ctx), (error: unknown) => {
    assert.ok(error instanceof Error && !(error instanceof PermanentError));
    assert.match(error.message, /403 Forbidden/);
    return true;
  });
});

Deno.test("check: an issuer without spec.secretName fails permanently", async () => {
  await using f = fixture();
  await assertPermanent(signer.check(issuer("default", ""), f.ctx), /spec\.secretName must name/);
});

Deno.test("check: a Secret without tls.crt or tls.key fails permanently", async () => {
  await using f = fixture();
  const { "tls.crt": cert } = await caSecretData();
  await f.secret("default", "opaque", { "tls.crt": cert }, "Opaque");
  await assertPermanent(
    signer.check(issuer("default", "opaque"), f.ctx),
    /^the Secret "default\/opaque" must hold the CA in tls.crt and its key in tls.key$/,
  );
  await f.secret("default", "empty", { "tls.crt": cert, "tls.key": "" });
  await assertPermanent(
    signer.check(issuer("default", "empty"), f.ctx),
    /^the Secret "default\/empty" must hold the CA in tls.crt and its key in tls.key$/,
  );
});

Deno.test("check: an unparsable certificate fails permanently", async () => {
  await using f = fixture();
  const { "tls.key": key } = await caSecretData();
  await f.secret("default", "ca", { "tls.crt": "hello", "tls.key": key });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /^the Secret "default\/ca" cannot sign: the CA certificate holds no PEM block$/,
  );
});

Deno.test("check: an unparsable key fails permanently", async () => {
  await using f = fixture();
  const { "tls.crt": cert } = await caSecretData();
  await f.secret("default", "ca", {
    "tls.crt": cert,
    "tls.key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
  });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /^the Secret "default\/ca" cannot sign: the CA private key is not a valid PKCS#8 key/,
  );
});

Deno.test("check: a certificate that is not a CA fails permanently", async () => {
  await using f = fixture();
  const ca = await generateCa({ commonName: "Root", now: NOW - DAY });
  const leaf = await generateCsr({ subject: "CN=leaf" });
  const details = certificateDetailsFromCertificateRequest({
    spec: { request: btoa(leaf.csrPem) },
  });
  const { chainPem } = await signCertificate(await certificateTemplate(details, NOW - DAY), {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
  });
  await f.secret("default", "ca", { "tls.crt": chainPem, "tls.key": leaf.keyPem });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /cannot sign: the CA certificate "CN=leaf" is not a CA: it lacks basicConstraints CA:TRUE$/,
  );
});

Deno.test("check: a CA whose key usage lacks keyCertSign fails permanently", async () => {
  await using f = fixture();
  const root = await generateCa({ commonName: "Root", now: NOW - DAY });
  const sub = await generateCsr({ subject: "CN=no cert sign" });
  const details = certificateDetailsFromCertificateSigningRequest({
    metadata: { annotations: { "experimental.cert-manager.io/request-is-ca": "true" } },
    spec: { request: btoa(sub.csrPem), usages: ["digital signature"] },
  });
  const { chainPem } = await signCertificate(await certificateTemplate(details, NOW - DAY), {
    caCertPem: root.certPem,
    caKeyPem: root.keyPem,
  });
  await f.secret("default", "ca", { "tls.crt": chainPem, "tls.key": sub.keyPem });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /"CN=no cert sign" may not sign certificates: its key usage lacks keyCertSign$/,
  );
});

Deno.test("check: a key that is not the certificate's fails permanently", async () => {
  await using f = fixture();
  const { "tls.crt": cert } = await caSecretData();
  const { "tls.key": otherKey } = await caSecretData();
  await f.secret("default", "ca", { "tls.crt": cert, "tls.key": otherKey });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /cannot sign: the CA private key does not belong to the CA certificate "CN=Simple CA"$/,
  );
});

Deno.test("check: an expired CA fails permanently", async () => {
  await using f = fixture();
  await f.secret("default", "ca", await caSecretData({ validityDays: 30 }));
  await f.clock.advance(30 * DAY);
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /^the Secret "default\/ca" cannot sign: the CA certificate "CN=Simple CA" expired at 2030-01-30T00:00:00Z$/,
  );
});

Deno.test("check: a CA that is not valid yet is retried", async () => {
  await using f = fixture();
  await f.secret("default", "ca", await caSecretData({ now: NOW + DAY }));
  await assert.rejects(signer.check(issuer("default"), f.ctx), (error: unknown) => {
    assert.ok(error instanceof Error && !(error instanceof PermanentError));
    assert.equal(
      error.message,
      'the CA certificate "CN=Simple CA" is not valid before 2030-01-02T00:00:00Z',
    );
    return true;
  });
});

function certificateRequest(csrPem: string, duration: string): IssuanceRequest {
  const object = {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "web", namespace: "default" },
    spec: {
      issuerRef: { group: "simple.certkit.dev", kind: "SimpleIssuer", name: "ca" },
      request: btoa(csrPem),
      duration,
      usages: ["server auth", "digital signature"],
    },
  };
  return {
    kind: "CertificateRequest",
    object,
    metadata: object.metadata,
    csrPem,
    conditions: () => [],
    certificateDetails: () => certificateDetailsFromCertificateRequest(object),
  };
}

async function openssl(args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `openssl ${args.join(" ")}: ${new TextDecoder().decode(stderr)}${out}`);
  return out;
}

/** `openssl verify` of `chainPem` against `caPem`, a minute after NOW; returns its output. */
async function opensslVerify(caPem: string, chainPem: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "simple-issuer-verify-" });
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, caPem);
    await Deno.writeTextFile(`${dir}/chain.pem`, chainPem);
    const verified = await openssl([
      "verify",
      "-attime",
      String(NOW / 1000 + 60),
      "-CAfile",
      `${dir}/ca.pem`,
      `${dir}/chain.pem`,
    ]);
    return verified.trim().replace(`${dir}/chain.pem`, "chain.pem");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const keyAlgorithm of ["ECDSA-P256", "RSA-2048", "Ed25519"] as KeyAlgorithm[]) {
  Deno.test(`sign: a ${keyAlgorithm} request gets a certificate that openssl verifies against the CA`, async () => {
    await using f = fixture();
    await f.secret(CLUSTER_NS, "ca", await caSecretData());
    const { csrPem } = await generateCsr({
      subject: "CN=web",
      dnsNames: ["web.example"],
      keyAlgorithm,
    });

    const result = await signer.sign(certificateRequest(csrPem, "24h"), issuer(undefined), f.ctx);

    assert.ok(result.caPem);
    assert.equal(await opensslVerify(result.caPem, result.chainPem), "chain.pem: OK");
    const text = await openssl(["x509", "-noout", "-text", "-dates"], result.chainPem);
    assert.match(text, /DNS:web\.example/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /notBefore=Jan {2}1 00:00:00 2030 GMT/);
    assert.match(text, /notAfter=Jan {2}2 00:00:00 2030 GMT/);
  });
}

Deno.test("sign: a cert-manager CA Secret with a SEC1 key (cert-manager's default for ECDSA) signs", async () => {
  await using f = fixture();
  const sec1Key = await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout"]);
  const caCert = await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    "/dev/stdin",
    "-subj",
    "/CN=cert-manager CA",
    "-days",
    "3650",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
  ], sec1Key);
  assert.match(sec1Key, /^-----BEGIN EC PRIVATE KEY-----\n/);
  // What cert-manager writes for a Certificate with isCA: true and an ECDSA key.
  await f.secret("default", "ca", { "tls.crt": caCert, "tls.key": sec1Key, "ca.crt": caCert });

  await signer.check(issuer("default"), f.ctx);
  const { csrPem } = await generateCsr({ subject: "CN=web", dnsNames: ["web.example"] });
  const result = await signer.sign(certificateRequest(csrPem, "24h"), issuer("default"), f.ctx);
  assert.equal(await opensslVerify(caCert, result.chainPem), "chain.pem: OK");
});

Deno.test("check: an encrypted CA key fails permanently, saying encrypted keys are not supported", async () => {
  await using f = fixture();
  const ca = await caSecretData();
  const encrypted = await openssl(
    ["pkcs8", "-topk8", "-passout", "pass:secret"],
    ca["tls.key"],
  );
  await f.secret("default", "ca", { "tls.crt": ca["tls.crt"], "tls.key": encrypted });
  await assertPermanent(
    signer.check(issuer("default"), f.ctx),
    /^the Secret "default\/ca" cannot sign: the CA private key is encrypted \(a "ENCRYPTED PRIVATE KEY" PEM block\); encrypted keys are not supported: store the key unencrypted, as cert-manager does$/,
  );
});

Deno.test("sign: a Secret gone missing is the issuer's problem (IssuerError)", async () => {
  await using f = fixture();
  const { csrPem } = await generateCsr({ subject: "CN=web" });
  await assert.rejects(
    signer.sign(certificateRequest(csrPem, "1h"), issuer("default"), f.ctx),
    (error: unknown) => {
      assert.ok(error instanceof IssuerError);
      assert.match(error.message, /the Secret "default\/ca" does not exist/);
      return true;
    },
  );
});

Deno.test("sign: a CA that expired or was replaced by a wrong key since check is the issuer's problem", async () => {
  await using f = fixture();
  const { csrPem } = await generateCsr({ subject: "CN=web" });
  const request = certificateRequest(csrPem, "1h");
  const { "tls.crt": cert } = await caSecretData();
  const { "tls.key": otherKey } = await caSecretData();
  await f.secret("default", "wrong-key", { "tls.crt": cert, "tls.key": otherKey });
  await assert.rejects(signer.sign(request, issuer("default", "wrong-key"), f.ctx), {
    name: "IssuerError",
    message:
      'the Secret "default/wrong-key" cannot sign: the CA private key does not belong to the CA certificate "CN=Simple CA"',
  });
  await f.secret("default", "ca", await caSecretData({ validityDays: 30 }));
  await f.clock.advance(30 * DAY);
  await assert.rejects(signer.sign(request, issuer("default"), f.ctx), {
    name: "IssuerError",
    message:
      'the Secret "default/ca" cannot sign: the CA certificate "CN=Simple CA" expired at 2030-01-30T00:00:00Z',
  });
});
