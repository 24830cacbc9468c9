import { strict as assert } from "node:assert";
import { openssl, tempDir } from "./_test_openssl.ts";
import type { KeyAlgorithm } from "./generate_ca.ts";
import { generateCsr } from "./generate_csr.ts";

Deno.test("generateCsr() makes requests openssl verifies, with the names asked for", async () => {
  await using dir = await tempDir();
  const algorithms: KeyAlgorithm[] = [
    "RSA-2048",
    "ECDSA-P256",
    "ECDSA-P384",
    "ECDSA-P521",
    "Ed25519",
  ];
  for (const keyAlgorithm of algorithms) {
    const { csrPem, keyPem } = await generateCsr({
      subject: "CN=web, O=Acme",
      dnsNames: ["web.example"],
      ipAddresses: ["192.0.2.1", "2001:db8::1"],
      uris: ["spiffe://example.org/web"],
      emailAddresses: ["ops@example.org"],
      keyAlgorithm,
    });
    const csrPath = dir.file(`${keyAlgorithm}.csr`);
    const keyPath = dir.file(`${keyAlgorithm}.key`);
    await Deno.writeTextFile(csrPath, csrPem);
    await Deno.writeTextFile(keyPath, keyPem);
    const text = await openssl(["req", "-in", csrPath, "-noout", "-text", "-verify"]);
    assert.match(text, /Subject: CN = web, O = Acme\n/, keyAlgorithm);
    assert.match(
      text,
      /DNS:web\.example, IP Address:192\.0\.2\.1, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe:\/\/example\.org\/web, email:ops@example\.org/,
    );
    const csrKey = await openssl(["req", "-in", csrPath, "-noout", "-pubkey"]);
    const privateKey = await openssl(["pkey", "-in", keyPath, "-pubout"]);
    assert.equal(csrKey, privateKey);
  }
});

Deno.test("generateCsr() defaults to an empty subject, no SAN extension and ECDSA P-256", async () => {
  await using dir = await tempDir();
  const { csrPem } = await generateCsr();
  const csrPath = dir.file("default.csr");
  await Deno.writeTextFile(csrPath, csrPem);
  const text = await openssl(["req", "-in", csrPath, "-noout", "-text"]);
  assert.match(text, /Subject: \n/);
  assert.match(text, /NIST CURVE: P-256/);
  assert.doesNotMatch(text, /Subject Alternative Name/);
});
