import { strict as assert } from "node:assert";
import { decodePem } from "./_pem.ts";
import {
  exportPrivateKeyPem,
  generateSigningKey,
  importSigningKey,
  samePublicKey,
} from "./_keys.ts";
import { openssl, sec1Without, tempDir } from "./_test_openssl.ts";
import { InvalidCaError } from "./errors.ts";

Deno.test("importSigningKey() imports openssl's PKCS#8 keys and derives their public key", async () => {
  await using dir = await tempDir();
  const cases: [string[], string][] = [
    [["RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "RSASSA-PKCS1-v1_5"],
    [["EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ECDSA"],
    [["EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ECDSA"],
    [["EC", "-pkeyopt", "ec_paramgen_curve:P-521"], "ECDSA"],
    [["ED25519"], "Ed25519"],
  ];
  for (const [args, name] of cases) {
    const keyPath = dir.file(`${args.join("-")}.key`);
    await openssl(["genpkey", "-algorithm", ...args, "-out", keyPath]);
    const key = await importSigningKey(await Deno.readTextFile(keyPath));
    assert.equal(key.privateKey.algorithm.name, name);
    const spki = decodePem(await openssl(["pkey", "-in", keyPath, "-pubout"]))[0]!.der;
    assert.ok(samePublicKey(key.spki, spki), args.join(" "));
  }
});

Deno.test("importSigningKey() imports the PKCS#1 and SEC1 keys cert-manager writes", async () => {
  await using dir = await tempDir();
  const cases: [string, string[], string, unknown][] = [
    ["rsa", ["genrsa", "-traditional", "2048"], "RSA PRIVATE KEY", {
      name: "RSASSA-PKCS1-v1_5",
      hash: "SHA-256",
    }],
    ["p256", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"], "EC PRIVATE KEY", {
      name: "ECDSA",
      hash: "SHA-256",
    }],
    ["p384", ["ecparam", "-name", "secp384r1", "-genkey"], "EC PRIVATE KEY", {
      name: "ECDSA",
      hash: "SHA-384",
    }],
    ["p521", ["ecparam", "-name", "secp521r1", "-genkey", "-noout"], "EC PRIVATE KEY", {
      name: "ECDSA",
      hash: "SHA-512",
    }],
  ];
  for (const [name, args, label, signing] of cases) {
    const keyPath = dir.file(`${name}.key`);
    await openssl([args[0]!, "-out", keyPath, ...args.slice(1)]);
    const pem = await Deno.readTextFile(keyPath);
    assert.ok(pem.includes(`-----BEGIN ${label}-----`), name);
    const spki = decodePem(await openssl(["pkey", "-in", keyPath, "-pubout"]))[0]!.der;
    const key = await importSigningKey(pem);
    assert.ok(samePublicKey(key.spki, spki), name);
    assert.deepEqual(key.signingAlgorithm, signing, name);
    if (label === "EC PRIVATE KEY") {
      // Without parameters, the curve is the certificate key's.
      const bare = sec1Without(pem, "both");
      const fromCert = await importSigningKey(bare, { certificateSpki: spki });
      assert.ok(samePublicKey(fromCert.spki, spki), `${name} without parameters`);
      await assert.rejects(importSigningKey(bare), /names no curve/);
    }
  }
});

Deno.test("importSigningKey() picks the hash Go pairs with each key", async () => {
  const hashes: [Parameters<typeof generateSigningKey>[0], unknown][] = [
    ["RSA-2048", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }],
    ["ECDSA-P256", { name: "ECDSA", hash: "SHA-256" }],
    ["ECDSA-P384", { name: "ECDSA", hash: "SHA-384" }],
    ["ECDSA-P521", { name: "ECDSA", hash: "SHA-512" }],
    ["Ed25519", { name: "Ed25519" }],
  ];
  for (const [algorithm, signing] of hashes) {
    const generated = await generateSigningKey(algorithm);
    const imported = await importSigningKey(await exportPrivateKeyPem(generated.privateKey));
    assert.deepEqual(imported.signingAlgorithm, signing, algorithm);
    assert.deepEqual(imported.spki, generated.spki);
  }
});

Deno.test("importSigningKey() says what is wrong with a key it cannot use", async () => {
  await using dir = await tempDir();
  const x448 = dir.file("x448.key");
  await openssl(["genpkey", "-algorithm", "X448", "-out", x448]);
  const k1 = dir.file("k1.key");
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:secp256k1",
    "-out",
    k1,
  ]);
  const cases: [string, string][] = [
    ["", "the CA private key holds no PEM block"],
    [
      await Deno.readTextFile(x448),
      "the CA private key uses the key algorithm 1.3.101.111, which is not supported; supported are RSA, ECDSA on P-256, P-384 or P-521, and Ed25519",
    ],
    [
      await Deno.readTextFile(k1),
      "the CA private key uses the elliptic curve 1.3.132.0.10 (secp256k1), which is not supported; supported are P-256, P-384 and P-521",
    ],
    [
      "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n",
      "the CA private key is not a valid PKCS#8 key: element at offset 0 runs past its container",
    ],
    [
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAQID\n-----END ENCRYPTED PRIVATE KEY-----\n",
      `the CA private key is encrypted (a "ENCRYPTED PRIVATE KEY" PEM block); encrypted keys are not supported: store the key unencrypted, as cert-manager does`,
    ],
  ];
  for (const [pem, message] of cases) {
    await assert.rejects(() => importSigningKey(pem), (error: unknown) => {
      assert.ok(error instanceof InvalidCaError);
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("samePublicKey() compares key material, not parameter encoding", async () => {
  const a = await generateSigningKey("ECDSA-P256");
  const b = await generateSigningKey("ECDSA-P256");
  assert.ok(samePublicKey(a.spki, a.spki));
  assert.ok(!samePublicKey(a.spki, b.spki));
  assert.ok(!samePublicKey(a.spki, new Uint8Array([1, 2, 3])));
});
