/**
 * WebCrypto key pairs for the algorithms this area supports: generating them, importing
 * a private key (PKCS#8, PKCS#1 or SEC1 PEM), exporting one as PKCS#8, and the signature algorithm each key signs with
 * (the hash Go pairs with each key: SHA-256 for RSA and P-256, SHA-384 for P-384,
 * SHA-512 for P-521).
 *
 * @module
 */
import {
  bytesEqual,
  children,
  contents,
  DerError,
  expectTag,
  readOid,
  readSingle,
  Tag,
} from "./_der.ts";
import { encodePem } from "./_pem.ts";
import { namedCurve, OID_EC, OID_ED25519, OID_RSA, readPrivateKeyPem } from "./_private_key_pem.ts";
import { InvalidCaError } from "./errors.ts";

/** A key algorithm for {@linkcode generateCa} and {@linkcode generateCsr}. */
export type KeyAlgorithm =
  | "RSA-2048"
  | "RSA-3072"
  | "RSA-4096"
  | "ECDSA-P256"
  | "ECDSA-P384"
  | "ECDSA-P521"
  | "Ed25519";

/** A private key with the algorithm it signs certificates with. */
export interface SigningKey {
  /** The private key. */
  privateKey: CryptoKey;
  /** The public key's SubjectPublicKeyInfo, DER. */
  spki: Uint8Array<ArrayBuffer>;
  /** What to pass as `signingAlgorithm` to `@peculiar/x509`. */
  signingAlgorithm: Algorithm | EcdsaParams;
}

type Params = RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;

const HASH_BY_CURVE: Record<string, string> = {
  "P-256": "SHA-256",
  "P-384": "SHA-384",
  "P-521": "SHA-512",
};
const RSA_SIGNING = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

function generationParams(algorithm: KeyAlgorithm): Params {
  switch (algorithm) {
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return {
        ...RSA_SIGNING,
        modulusLength: Number(algorithm.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
      };
    case "ECDSA-P256":
    case "ECDSA-P384":
    case "ECDSA-P521":
      return { name: "ECDSA", namedCurve: `P-${algorithm.slice(7)}` };
    case "Ed25519":
      return { name: "Ed25519" };
  }
  throw new RangeError(
    `keyAlgorithm must be one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384, ECDSA-P521 or Ed25519, got ${
      JSON.stringify(algorithm)
    }`,
  );
}

function signingAlgorithmOf(key: CryptoKey): Algorithm | EcdsaParams {
  if (key.algorithm.name === "ECDSA") {
    const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
    return { name: "ECDSA", hash: HASH_BY_CURVE[curve] ?? "SHA-256" } as EcdsaParams;
  }
  if (key.algorithm.name === "Ed25519") return { name: "Ed25519" };
  return RSA_SIGNING;
}

/**
 * Generates an extractable key pair.
 *
 * @throws {RangeError} For an unknown algorithm name.
 */
export async function generateSigningKey(algorithm: KeyAlgorithm): Promise<SigningKey> {
  const keys = await crypto.subtle.generateKey(generationParams(algorithm), true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  return {
    privateKey: keys.privateKey,
    spki,
    signingAlgorithm: signingAlgorithmOf(keys.privateKey),
  };
}

/** Exports a private key as a PKCS#8 `PRIVATE KEY` PEM block. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return encodePem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));
}

/** Options of {@linkcode importSigningKey}. */
export interface ImportSigningKeyOptions {
  /**
   * The SubjectPublicKeyInfo of the CA certificate, DER: its curve is assumed for a SEC1
   * key that names none.
   */
  certificateSpki?: Uint8Array;
}

/**
 * Imports an unencrypted private key PEM — PKCS#8 `PRIVATE KEY` (RSA, ECDSA
 * P-256/384/521 or Ed25519), PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY` — and
 * derives its public key.
 *
 * @throws {InvalidCaError} When the PEM is missing, encrypted, of another type, or the key
 *   is malformed or of an unsupported algorithm or curve.
 */
export async function importSigningKey(
  pem: string,
  options: ImportSigningKeyOptions = {},
): Promise<SigningKey> {
  const fallbackCurveOid = options.certificateSpki && ecCurveOid(options.certificateSpki);
  const key = readPrivateKeyPem(pem, fallbackCurveOid ? { fallbackCurveOid } : {});
  let params: Params;
  try {
    params = pkcs8Params(key.der);
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw new InvalidCaError(`the CA private key is not a valid PKCS#8 key: ${error.message}`, {
      cause: error,
    });
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", key.der, params, true, ["sign"]);
  } catch (error) {
    throw new InvalidCaError(
      `the CA private key (${key.format}) cannot be imported as ${params.name}: ${
        error instanceof Error ? error.message : error
      }`,
      { cause: error },
    );
  }
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = jwk;
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, params, true, ["verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  return { privateKey, spki, signingAlgorithm: signingAlgorithmOf(privateKey) };
}

function pkcs8Params(der: Uint8Array): Params {
  const [version, algorithm] = children(der, expectTag(readSingle(der), Tag.sequence, "keyInfo"));
  expectTag(version, Tag.integer, "a version");
  const [oidTlv, curveTlv] = children(der, expectTag(algorithm, Tag.sequence, "an algorithm"));
  const oid = readOid(der, expectTag(oidTlv, Tag.oid, "an algorithm id"));
  if (oid === OID_RSA) return RSA_SIGNING;
  if (oid === OID_ED25519) return { name: "Ed25519" };
  if (oid === OID_EC) {
    return {
      name: "ECDSA",
      namedCurve: namedCurve(readOid(der, expectTag(curveTlv, Tag.oid, "a named curve"))),
    };
  }
  throw new InvalidCaError(
    `the CA private key uses the key algorithm ${oid}, which is not supported; supported are RSA, ECDSA on P-256, P-384 or P-521, and Ed25519`,
  );
}

/** The named curve of an elliptic-curve SubjectPublicKeyInfo; `undefined` for other keys. */
function ecCurveOid(spki: Uint8Array): string | undefined {
  try {
    const [algorithm] = keyParts(spki);
    return algorithm.startsWith(`${OID_EC}/`) ? algorithm.slice(OID_EC.length + 1) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether two SubjectPublicKeyInfo encodings hold the same key: same algorithm (and curve)
 * and the same key bits, whatever the encoding of absent or NULL parameters.
 */
export function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  try {
    const [algorithmA, bitsA] = keyParts(a);
    const [algorithmB, bitsB] = keyParts(b);
    return algorithmA === algorithmB && bytesEqual(bitsA, bitsB);
  } catch {
    return false;
  }
}

function keyParts(spki: Uint8Array): [string, Uint8Array] {
  const [algorithm, key] = children(spki, expectTag(readSingle(spki), Tag.sequence, "an SPKI"));
  const [oidTlv, params] = children(spki, expectTag(algorithm, Tag.sequence, "an algorithm"));
  const oid = readOid(spki, expectTag(oidTlv, Tag.oid, "an algorithm id"));
  const curve = params?.tag === Tag.oid ? `/${readOid(spki, params)}` : "";
  return [oid + curve, contents(spki, expectTag(key, Tag.bitString, "a public key"))];
}
