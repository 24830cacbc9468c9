import { strict as assert } from "node:assert";
import {
  children,
  encodeSequence,
  encodeSmallInteger,
  encodeTlv,
  readSingle,
  Tag,
} from "./_der.ts";
import { decodePem, encodePem } from "./_pem.ts";
import { readPrivateKeyPem } from "./_private_key_pem.ts";
import { openssl, sec1Without, tempDir } from "./_test_openssl.ts";
import { InvalidCaError } from "./errors.ts";

const P256 = "1.2.840.10045.3.1.7";

/** `openssl`'s own PKCS#8 encoding of the key at `path`, DER. */
async function opensslPkcs8(path: string): Promise<Uint8Array> {
  const pem = await openssl(["pkcs8", "-topk8", "-nocrypt", "-in", path]);
  return decodePem(pem)[0]!.der;
}

Deno.test("readPrivateKeyPem() wraps PKCS#1 and SEC1 keys exactly as openssl's PKCS#8", async () => {
  await using dir = await tempDir();
  const cases: [string, string[]][] = [
    ["rsa", ["genrsa", "-traditional", "2048"]],
    ["p256", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"]],
    ["p384", ["ecparam", "-name", "secp384r1", "-genkey"]], // EC PARAMETERS block first
    ["p521", ["ecparam", "-name", "secp521r1", "-genkey", "-noout"]],
  ];
  for (const [name, args] of cases) {
    const path = dir.file(`${name}.key`);
    await openssl([args[0]!, "-out", path, ...args.slice(1)]);
    const pem = await Deno.readTextFile(path);
    const key = readPrivateKeyPem(pem);
    assert.equal(key.format, name === "rsa" ? "PKCS#1" : "SEC1");
    assert.deepEqual(key.der, await opensslPkcs8(path), name);
  }
});

Deno.test("readPrivateKeyPem() reads a SEC1 key without its optional fields", async () => {
  await using dir = await tempDir();
  const path = dir.file("p256.key");
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path]);
  const full = await Deno.readTextFile(path);
  const expected = readPrivateKeyPem(full).der;
  const params = await openssl(["ecparam", "-name", "prime256v1"]);

  // Without the public key: openssl's -no_public, read as openssl's PKCS#8 of it.
  const noPublicPath = dir.file("nopub.key");
  await openssl(["ec", "-in", path, "-no_public", "-out", noPublicPath]);
  assert.deepEqual(
    readPrivateKeyPem(await Deno.readTextFile(noPublicPath)).der,
    await opensslPkcs8(noPublicPath),
  );
  // Without parameters: the curve comes from an EC PARAMETERS block, else from the caller.
  const bare = sec1Without(full, "parameters");
  assert.deepEqual(readPrivateKeyPem(params + bare).der, expected);
  assert.deepEqual(readPrivateKeyPem(bare, { fallbackCurveOid: P256 }).der, expected);
  assert.equal(
    readPrivateKeyPem(sec1Without(full, "both"), { fallbackCurveOid: P256 }).format,
    "SEC1",
  );
  // The key's own parameters win over the fallback.
  assert.deepEqual(readPrivateKeyPem(full, { fallbackCurveOid: "1.3.132.0.34" }).der, expected);
});

Deno.test("readPrivateKeyPem() left-pads a SEC1 private key shorter than its curve's size", () => {
  const d = new Uint8Array(31).fill(7);
  const pem = encodePem(
    "EC PRIVATE KEY",
    encodeSequence(encodeSmallInteger(1), encodeTlv(Tag.octetString, d)),
  );
  const der = readPrivateKeyPem(pem, { fallbackCurveOid: P256 }).der;
  const [, , inner] = children(der, readSingle(der));
  const innerDer = der.subarray(inner!.contentStart, inner!.end);
  const [, key] = children(innerDer, readSingle(innerDer));
  assert.deepEqual([...innerDer.subarray(key!.contentStart, key!.end)], [0, ...d]);
});

/** Asserts that reading `pem` fails with exactly `message`. */
function refuses(pem: string, message: string, options = {}): void {
  assert.throws(() => readPrivateKeyPem(pem, options), (error: unknown) => {
    assert.ok(error instanceof InvalidCaError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("readPrivateKeyPem() says why it cannot read a key", async () => {
  await using dir = await tempDir();
  const ec = dir.file("ec.key");
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec]);
  const ecPem = await Deno.readTextFile(ec);
  const pem = (label: string, body = "AQID") =>
    `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

  refuses("", "the CA private key holds no PEM block");
  refuses(
    await openssl(["ecparam", "-name", "prime256v1"]),
    `the CA private key holds only an "EC PARAMETERS" PEM block and no key; expected "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1)`,
  );
  refuses(
    pem("CERTIFICATE"),
    `the CA private key is a "CERTIFICATE" PEM block; expected "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1)`,
  );
  refuses(
    await openssl(["pkcs8", "-topk8", "-in", ec, "-passout", "pass:secret"]),
    `the CA private key is encrypted (a "ENCRYPTED PRIVATE KEY" PEM block); encrypted keys are not supported: store the key unencrypted, as cert-manager does`,
  );
  const legacyEncrypted = await openssl(["ec", "-in", ec, "-aes128", "-passout", "pass:secret"]);
  refuses(
    legacyEncrypted,
    `the CA private key is encrypted (a "EC PRIVATE KEY" PEM block with Proc-Type: 4,ENCRYPTED); encrypted keys are not supported: store the key unencrypted, as cert-manager does`,
  );
  refuses(
    pem("RSA PRIVATE KEY"),
    `the CA private key is not a valid PKCS#1 "RSA PRIVATE KEY": element at offset 0 runs past its container`,
  );
  refuses(
    pem("RSA PRIVATE KEY", "MAMCAQA="),
    `the CA private key is not a valid PKCS#1 "RSA PRIVATE KEY": an RSAPrivateKey has 9 integers, this one has 1`,
  );
  refuses(
    pem("EC PRIVATE KEY", "AQEA"),
    `the CA private key is not a valid SEC1 "EC PRIVATE KEY": expected an ECPrivateKey (tag 0x30), found 0x01`,
  );
  refuses(
    pem("EC PRIVATE KEY", "MAUCAQIEAA=="),
    `the CA private key is not a valid SEC1 "EC PRIVATE KEY": an ECPrivateKey has version 1, this one has 2`,
  );
  refuses(
    await openssl(["ecparam", "-name", "secp256k1", "-genkey", "-noout"]),
    "the CA private key uses the elliptic curve 1.3.132.0.10 (secp256k1), which is not supported; supported are P-256, P-384 and P-521",
  );
  refuses(
    await openssl(["ec", "-in", ec, "-param_enc", "explicit"]),
    "the CA private key has explicit elliptic curve parameters, which are not supported; re-encode it with a named curve (`openssl ec -param_enc named_curve`)",
  );
  refuses(
    sec1Without(ecPem, "parameters"),
    `the CA private key is a SEC1 "EC PRIVATE KEY" that names no curve, and neither an "EC PARAMETERS" block nor the CA certificate's key says which`,
  );
  refuses(
    encodePem(
      "EC PRIVATE KEY",
      encodeSequence(encodeSmallInteger(1), encodeTlv(Tag.octetString, new Uint8Array(33))),
    ),
    `the CA private key is not a valid SEC1 "EC PRIVATE KEY": its private key is 33 octets, more than the 32 of P-256`,
    { fallbackCurveOid: P256 },
  );
});
