import { strict as assert } from "node:assert";
import { decodePem, encodePem } from "./_pem.ts";
import { openssl, opensslCsr, type OpensslKeyType, tempDir } from "./_test_openssl.ts";
import { MAX_CSR_PEM_BYTES, parseCsr, parseCsrDer } from "./csr.ts";
import { InvalidCsrError, type InvalidCsrReason } from "./errors.ts";
import { ExtKeyUsageOid, KeyUsageBit } from "./usages.ts";

const SANS =
  "subjectAltName=DNS:web.example,DNS:*.web.example,IP:192.0.2.10,IP:2001:db8::10,URI:spiffe://example.org/ns/web,email:ops@example.org";

async function rejectsWith(
  input: string | Uint8Array,
  reason: InvalidCsrReason,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(() => parseCsr(input), (error: unknown) => {
    assert.ok(error instanceof InvalidCsrError, String(error));
    assert.equal(error.reason, reason);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

Deno.test("parseCsr() reads openssl requests for every supported key type", async () => {
  await using dir = await tempDir();
  const expected: [OpensslKeyType, string, Record<string, unknown>][] = [
    ["rsa:2048", "RSA", { modulusLength: 2048 }],
    ["P-256", "ECDSA", { namedCurve: "P-256" }],
    ["P-384", "ECDSA", { namedCurve: "P-384" }],
    ["P-521", "ECDSA", { namedCurve: "P-521" }],
    ["ed25519", "Ed25519", {}],
  ];
  for (const [keyType, algorithm, extra] of expected) {
    const { csrPem } = await opensslCsr(dir, keyType, {
      subject: "/O=Acme/CN=web.example",
      extensions: [SANS],
    });
    const csr = await parseCsr(csrPem);
    assert.equal(csr.subject, "O=Acme, CN=web.example", keyType);
    assert.deepEqual(csr.dnsNames, ["web.example", "*.web.example"]);
    assert.deepEqual(csr.ipAddresses, ["192.0.2.10", "2001:db8::10"]);
    assert.deepEqual(csr.uris, ["spiffe://example.org/ns/web"]);
    assert.deepEqual(csr.emailAddresses, ["ops@example.org"]);
    const { spki: _, ...key } = csr.publicKey;
    assert.deepEqual(key, { algorithm, ...extra }, keyType);
    assert.equal(csr.requestedExtensions.subjectAltName?.critical, false);
  }
});

Deno.test("parseCsr() keeps the subject and public key encodings byte for byte", async () => {
  await using dir = await tempDir();
  const { csrPem, keyPath } = await opensslCsr(dir, "P-256", { subject: "/CN=Ünïcode/O=Acme" });
  const csr = await parseCsr(csrPem);
  const spkiPem = await openssl(["pkey", "-in", keyPath, "-pubout"]);
  assert.deepEqual(csr.publicKey.spki, decodePem(spkiPem)[0]?.der);
  assert.equal(csr.subject, "CN=Ünïcode, O=Acme");
  // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "Ünïcode" } } … }
  assert.equal(csr.subjectDer[0], 0x30);
  const text = new TextDecoder().decode(csr.subjectDer);
  assert.ok(text.includes("Ünïcode"));
  assert.ok(csr.der.length > csr.subjectDer.length);
});

Deno.test("parseCsr() accepts bytes and the legacy NEW CERTIFICATE REQUEST label; parseCsrDer() takes DER", async () => {
  await using dir = await tempDir();
  const { csrPem } = await opensslCsr(dir, "ed25519", { subject: "/CN=bytes" });
  assert.equal((await parseCsr(new TextEncoder().encode(csrPem))).subject, "CN=bytes");
  const der = decodePem(csrPem)[0]!.der;
  assert.equal((await parseCsr(encodePem("NEW CERTIFICATE REQUEST", der))).subject, "CN=bytes");
  assert.equal((await parseCsrDer(der)).subject, "CN=bytes");
  assert.equal((await parseCsr(`leading text\n${csrPem}\n${csrPem}`)).subject, "CN=bytes");
});

Deno.test("parseCsr() reads the requested basic constraints, key usages, EKUs and name constraints", async () => {
  await using dir = await tempDir();
  const { csrPem } = await opensslCsr(dir, "P-256", {
    subject: "/",
    extensions: [
      "subjectAltName=critical,DNS:web.example",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "keyUsage=critical,keyCertSign,digitalSignature,decipherOnly",
      "extendedKeyUsage=serverAuth,1.2.3.4,clientAuth",
      "nameConstraints=critical,permitted;DNS:.example.com",
    ],
  });
  const { requestedExtensions: requested, subject } = await parseCsr(csrPem);
  assert.equal(subject, "");
  assert.deepEqual(requested.basicConstraints, { isCA: true, maxPathLen: 0 });
  assert.equal(
    requested.keyUsage,
    KeyUsageBit.certSign | KeyUsageBit.digitalSignature | KeyUsageBit.decipherOnly,
  );
  assert.deepEqual(requested.extKeyUsage, [
    ExtKeyUsageOid.serverAuth,
    "1.2.3.4",
    ExtKeyUsageOid.clientAuth,
  ]);
  assert.equal(requested.subjectAltName?.critical, true);
  assert.equal(requested.nameConstraints?.critical, true);
  assert.equal(requested.nameConstraints?.value[0], 0x30);

  const { csrPem: plain } = await opensslCsr(dir, "P-256", {
    extensions: ["basicConstraints=CA:FALSE"],
  });
  const parsed = await parseCsr(plain);
  assert.deepEqual(parsed.requestedExtensions, { basicConstraints: { isCA: false } });
});

Deno.test("parseCsr() says when the input is not PEM", async () => {
  const message =
    "error decoding certificate request PEM block: no PEM data was found in given input";
  await rejectsWith("garbage", "NotPem", message);
  await rejectsWith("", "NotPem", message);
  await rejectsWith(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), "NotPem", message);
  await rejectsWith(
    "-----BEGIN CERTIFICATE REQUEST-----\n%%%\n-----END CERTIFICATE REQUEST-----\n",
    "NotPem",
    message,
  );
});

Deno.test("parseCsr() rejects input over 36500 bytes with cert-manager's message", async () => {
  await rejectsWith(
    "x".repeat(MAX_CSR_PEM_BYTES + 1),
    "TooLarge",
    "error decoding certificate request PEM block: provided PEM data was larger than the maximum 36500B",
  );
});

Deno.test("parseCsr() names a PEM block of the wrong type", async () => {
  await rejectsWith(
    encodePem("CERTIFICATE", new Uint8Array([0x30, 0x00])),
    "WrongPemType",
    'error decoding certificate request PEM block: the PEM block is a "CERTIFICATE", not a "CERTIFICATE REQUEST"',
  );
});

Deno.test("parseCsr() says when the DER is not a certificate request", async () => {
  await using dir = await tempDir();
  await rejectsWith(
    encodePem("CERTIFICATE REQUEST", new TextEncoder().encode("hello world")),
    "Malformed",
    /^error parsing certificate request: the data is not a valid PKCS#10 certificate signing request: /,
  );
  // A certificate's DER under a CSR label: three elements, but the wrong ones.
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ed25519",
    "-nodes",
    "-keyout",
    dir.file("k"),
    "-subj",
    "/CN=c",
    "-out",
    dir.file("c.pem"),
  ]);
  const certDer = decodePem(await Deno.readTextFile(dir.file("c.pem")))[0]!.der;
  await rejectsWith(encodePem("CERTIFICATE REQUEST", certDer), "Malformed", /not a valid PKCS#10/);
  await assert.rejects(() => parseCsrDer(new Uint8Array([0x30, 0x00])), InvalidCsrError);

  // An Ed25519 SubjectPublicKeyInfo (30 2a 30 05 …) whose algorithm length is broken.
  const { csrPem } = await opensslCsr(dir, "ed25519");
  const der = decodePem(csrPem)[0]!.der.slice();
  const at = der.findIndex((byte, i) =>
    byte === 0x30 && der[i + 1] === 0x2a && der[i + 2] === 0x30 && der[i + 3] === 0x05
  );
  der[at + 3] = 0x40;
  await assert.rejects(() => parseCsrDer(der), {
    name: "InvalidCsrError",
    reason: "Malformed",
    message: /^error parsing certificate request: the public key is malformed: /,
  });
});

Deno.test("parseCsr() rejects a request whose signature was tampered with", async () => {
  await using dir = await tempDir();
  for (const keyType of ["rsa:2048", "P-256", "ed25519"] as const) {
    const { csrPem } = await opensslCsr(dir, keyType, { subject: "/CN=honest" });
    const der = decodePem(csrPem)[0]!.der;
    const signatureFlipped = der.slice();
    signatureFlipped[signatureFlipped.length - 1]! ^= 0x01;
    await rejectsWith(
      encodePem("CERTIFICATE REQUEST", signatureFlipped),
      "BadSignature",
      /^error verifying certificate request signature: the .* signature does not verify with the request's own (RSA 2048-bit|ECDSA P-256|Ed25519) public key; the request was altered or not signed by its key$/,
    );
    const subjectChanged = der.slice();
    const at = new TextDecoder("latin1").decode(der).indexOf("honest");
    subjectChanged[at] = "d".charCodeAt(0);
    await rejectsWith(
      encodePem("CERTIFICATE REQUEST", subjectChanged),
      "BadSignature",
      /does not verify/,
    );
  }
});

Deno.test("parseCsr() names unsupported key algorithms", async () => {
  await using dir = await tempDir();
  const cases: [OpensslKeyType, string][] = [
    ["secp256k1", "ECDSA on the elliptic curve secp256k1 (1.3.132.0.10)"],
    ["ed448", "Ed448 (1.3.101.113)"],
  ];
  for (const [keyType, what] of cases) {
    const { csrPem } = await opensslCsr(dir, keyType);
    await rejectsWith(
      csrPem,
      "UnsupportedKeyAlgorithm",
      `error parsing certificate request: unsupported public key algorithm ${what}; supported are RSA, ECDSA on P-256, P-384 or P-521, and Ed25519`,
    );
  }
});

Deno.test("parseCsr() names a signature algorithm it cannot verify", async () => {
  await using dir = await tempDir();
  const { csrPem } = await opensslCsr(dir, "rsa:2048", { extraArgs: ["-md5"] });
  await rejectsWith(
    csrPem,
    "UnsupportedSignatureAlgorithm",
    /^error verifying certificate request signature: cannot verify a signature of algorithm md5WithRSAEncryption \(1\.2\.840\.113549\.1\.1\.4\)/,
  );
});
