import { strict as assert } from "node:assert";
import { epochSeconds, openssl, tempDir } from "./_test_openssl.ts";
import { generateCa, type KeyAlgorithm } from "./generate_ca.ts";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

Deno.test("generateCa() makes a self-signed CA openssl accepts, for every key algorithm", async () => {
  await using dir = await tempDir();
  const algorithms: [KeyAlgorithm, RegExp][] = [
    ["RSA-2048", /Public-Key: \(2048 bit\)/],
    ["RSA-3072", /Public-Key: \(3072 bit\)/],
    ["ECDSA-P256", /NIST CURVE: P-256/],
    ["ECDSA-P384", /NIST CURVE: P-384/],
    ["ECDSA-P521", /NIST CURVE: P-521/],
    ["Ed25519", /ED25519 Public-Key/],
  ];
  for (const [keyAlgorithm, keyText] of algorithms) {
    const ca = await generateCa({
      commonName: "Example CA",
      keyAlgorithm,
      now: NOW,
      validityDays: 30,
    });
    const certPath = dir.file(`${keyAlgorithm}.pem`);
    const keyPath = dir.file(`${keyAlgorithm}.key`);
    await Deno.writeTextFile(certPath, ca.certPem);
    await Deno.writeTextFile(keyPath, ca.keyPem);
    const text = await openssl(["x509", "-in", certPath, "-noout", "-text"]);
    assert.match(text, keyText, keyAlgorithm);
    assert.match(text, /Issuer: CN = Example CA\n/);
    assert.match(text, /Subject: CN = Example CA\n/);
    assert.match(
      text,
      /Not Before: Jan {2}1 12:00:00 2030 GMT\n\s+Not After : Jan 31 12:00:00 2030 GMT/,
    );
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    assert.match(text, /X509v3 Subject Key Identifier: \n/);
    const verified = await openssl([
      "verify",
      "-attime",
      epochSeconds(NOW + 1000),
      "-CAfile",
      certPath,
      certPath,
    ]);
    assert.equal(verified.trim(), `${certPath}: OK`);
    const certKey = await openssl(["x509", "-in", certPath, "-noout", "-pubkey"]);
    const privateKey = await openssl(["pkey", "-in", keyPath, "-pubout"]);
    assert.equal(certKey, privateKey, "the key is the certificate's");
  }
});

Deno.test("generateCa() defaults to ECDSA P-256 and 365 days, and takes the serial's randomness", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({
    commonName: "CA",
    now: NOW,
    randomBytes: (buffer) => buffer.fill(0xab),
  });
  const certPath = dir.file("ca.pem");
  await Deno.writeTextFile(certPath, ca.certPem);
  const text = await openssl(["x509", "-in", certPath, "-noout", "-text", "-serial"]);
  assert.match(text, /NIST CURVE: P-256/);
  assert.match(text, /Not After : Jan {2}1 12:00:00 2031 GMT/);
  assert.match(text, /serial=2BABABABABABABABABABABABABABABAB/);
});

Deno.test("generateCa() checks its arguments", async () => {
  await assert.rejects(() => generateCa({ commonName: "", now: NOW }), {
    name: "RangeError",
    message: "commonName must not be empty",
  });
  await assert.rejects(() => generateCa({ commonName: "CA", now: Number.NaN }), RangeError);
  await assert.rejects(() => generateCa({ commonName: "CA", now: NOW, validityDays: 0 }), {
    name: "RangeError",
    message: "validityDays must be a positive number, got 0",
  });
  await assert.rejects(
    () => generateCa({ commonName: "CA", now: NOW, keyAlgorithm: "DSA" as "Ed25519" }),
    /keyAlgorithm must be one of .*, got "DSA"/,
  );
});
