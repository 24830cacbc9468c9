/**
 * Reading a private key PEM in each format cert-manager writes — PKCS#8 `PRIVATE KEY`,
 * PKCS#1 `RSA PRIVATE KEY` and SEC1 `EC PRIVATE KEY` (its defaults for RSA and ECDSA
 * keys) — as the PKCS#8 DER that WebCrypto imports. PKCS#1 and SEC1 keys are wrapped in a
 * PKCS#8 `PrivateKeyInfo` here, with this area's DER reader and writer.
 *
 * A SEC1 key names its curve in its optional `parameters` field; when that is absent, the
 * curve comes from an `EC PARAMETERS` block in the same PEM (what `openssl ecparam -genkey`
 * writes) or else from the CA certificate's key.
 *
 * @module
 */
import {
  type Bytes,
  children,
  contents,
  ContextTag,
  DerError,
  encodeOid,
  encodeSequence,
  encodeSmallInteger,
  encodeTlv,
  encoding,
  expectTag,
  readOid,
  readSingle,
  readSmallInteger,
  Tag,
  type Tlv,
} from "./_der.ts";
import { decodePem, type PemBlock } from "./_pem.ts";
import { InvalidCaError } from "./errors.ts";

/** The PEM formats of a private key this area reads. */
export type PrivateKeyFormat = "PKCS#8" | "PKCS#1" | "SEC1";

/** A private key PEM, read as PKCS#8. */
export interface Pkcs8PrivateKey {
  /** The PKCS#8 `PrivateKeyInfo`, DER. */
  der: Bytes;
  /** The format the PEM held the key in. */
  format: PrivateKeyFormat;
}

/** Options of {@linkcode readPrivateKeyPem}. */
export interface ReadPrivateKeyOptions {
  /**
   * The named curve's object identifier to assume for a SEC1 key that names none and has no
   * `EC PARAMETERS` block beside it: the curve of the CA certificate's key.
   */
  fallbackCurveOid?: string;
}

/** The object identifier of RSA keys (`rsaEncryption`). */
export const OID_RSA = "1.2.840.113549.1.1.1";
/** The object identifier of elliptic-curve keys (`id-ecPublicKey`). */
export const OID_EC = "1.2.840.10045.2.1";
/** The object identifier of Ed25519 keys. */
export const OID_ED25519 = "1.3.101.112";

/** The supported named curves by object identifier, with their private key sizes. */
const CURVES: Record<string, { name: string; privateKeyOctets: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", privateKeyOctets: 32 },
  "1.3.132.0.34": { name: "P-384", privateKeyOctets: 48 },
  "1.3.132.0.35": { name: "P-521", privateKeyOctets: 66 },
};

/** Names of curves people meet that are not supported, for the error message. */
const OTHER_CURVE_NAMES: Record<string, string> = {
  "1.3.132.0.10": "secp256k1",
  "1.3.132.0.33": "P-224",
  "1.2.840.10045.3.1.1": "P-192",
  "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
  "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
  "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
};

const LABELS = `"PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1)`;

/**
 * The WebCrypto name of a supported named curve.
 *
 * @throws {InvalidCaError} For any other curve, naming it.
 */
export function namedCurve(oid: string): string {
  const curve = CURVES[oid];
  if (curve) return curve.name;
  const known = OTHER_CURVE_NAMES[oid];
  throw new InvalidCaError(
    `the CA private key uses the elliptic curve ${oid}${
      known ? ` (${known})` : ""
    }, which is not supported; supported are P-256, P-384 and P-521`,
  );
}

/**
 * Reads the private key of a PEM text as PKCS#8 DER. The first block other than
 * `EC PARAMETERS` is the key.
 *
 * @param pem The PEM text.
 * @param options The curve to assume for a SEC1 key that names none.
 * @returns The PKCS#8 encoding and the format the key came in.
 * @throws {InvalidCaError} When the text holds no key, the key is encrypted, of another
 *   PEM type, malformed, or on an unsupported curve.
 */
export function readPrivateKeyPem(
  pem: string,
  options: ReadPrivateKeyOptions = {},
): Pkcs8PrivateKey {
  const blocks = decodePem(pem);
  const block = blocks.find((b) => b.type !== "EC PARAMETERS");
  if (!block) {
    throw new InvalidCaError(
      blocks.length === 0
        ? "the CA private key holds no PEM block"
        : `the CA private key holds only an "EC PARAMETERS" PEM block and no key; expected ${LABELS}`,
    );
  }
  const procType = block.headers["Proc-Type"];
  if (block.type === "ENCRYPTED PRIVATE KEY" || procType?.includes("ENCRYPTED")) {
    throw new InvalidCaError(
      `the CA private key is encrypted (a ${JSON.stringify(block.type)} PEM block${
        procType ? ` with Proc-Type: ${procType}` : ""
      }); encrypted keys are not supported: store the key unencrypted, as cert-manager does`,
    );
  }
  switch (block.type) {
    case "PRIVATE KEY":
      return { der: block.der, format: "PKCS#8" };
    case "RSA PRIVATE KEY":
      return { der: wrapPkcs1(block.der), format: "PKCS#1" };
    case "EC PRIVATE KEY":
      return { der: wrapSec1(block.der, curveHint(blocks, options)), format: "SEC1" };
  }
  throw new InvalidCaError(
    `the CA private key is a ${JSON.stringify(block.type)} PEM block; expected ${LABELS}`,
  );
}

/** Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo`. */
function wrapPkcs1(der: Bytes): Bytes {
  let version: number;
  try {
    const fields = children(der, expectTag(readSingle(der), Tag.sequence, "an RSAPrivateKey"));
    for (const field of fields) expectTag(field, Tag.integer, "an integer");
    if (fields.length < 9) {
      throw new DerError(`an RSAPrivateKey has 9 integers, this one has ${fields.length}`);
    }
    version = readSmallInteger(der, fields[0] as Tlv);
  } catch (error) {
    throw malformed("PKCS#1", "RSA PRIVATE KEY", error);
  }
  if (version !== 0) {
    throw new InvalidCaError(
      `the CA private key is a multi-prime RSA key (PKCS#1 version ${version}), which is not supported`,
    );
  }
  return encodeSequence(
    encodeSmallInteger(0),
    encodeSequence(encodeOid(OID_RSA), encodeTlv(0x05, new Uint8Array())),
    encodeTlv(Tag.octetString, der),
  );
}

/** Where a SEC1 key without parameters takes its curve from, if anywhere. */
function curveHint(
  blocks: readonly PemBlock[],
  options: ReadPrivateKeyOptions,
): string | undefined {
  const parameters = blocks.find((b) => b.type === "EC PARAMETERS");
  if (parameters) {
    try {
      return curveOfParameters(parameters.der, readSingle(parameters.der));
    } catch (error) {
      if (error instanceof InvalidCaError) throw error;
      throw malformed("SEC1", "EC PARAMETERS", error);
    }
  }
  return options.fallbackCurveOid;
}

/** The named curve of an `ECParameters` element. */
function curveOfParameters(der: Uint8Array, tlv: Tlv): string {
  if (tlv.tag === Tag.sequence) {
    throw new InvalidCaError(
      "the CA private key has explicit elliptic curve parameters, which are not supported; re-encode it with a named curve (`openssl ec -param_enc named_curve`)",
    );
  }
  return readOid(der, expectTag(tlv, Tag.oid, "a named curve"));
}

/**
 * Wraps a SEC1 `ECPrivateKey` in a PKCS#8 `PrivateKeyInfo` whose algorithm names the curve;
 * the inner key keeps its private and public key and drops its (now redundant) parameters.
 */
function wrapSec1(der: Bytes, hint: string | undefined): Bytes {
  let curveOid: string | undefined;
  let privateKey: Uint8Array;
  let publicKey: Uint8Array | undefined;
  try {
    const [version, key, ...optional] = children(
      der,
      expectTag(readSingle(der), Tag.sequence, "an ECPrivateKey"),
    );
    const v = readSmallInteger(der, expectTag(version, Tag.integer, "a version"));
    if (v !== 1) throw new DerError(`an ECPrivateKey has version 1, this one has ${v}`);
    privateKey = contents(der, expectTag(key, Tag.octetString, "a private key"));
    for (const field of optional) {
      if (field.tag === ContextTag.explicit0) {
        const [parameters] = children(der, field);
        if (!parameters) throw new DerError("the parameters [0] are empty");
        curveOid = curveOfParameters(der, parameters);
      } else if (field.tag === ContextTag.explicit1) {
        publicKey = encoding(der, field);
      } else {
        expectTag(field, ContextTag.explicit0, "parameters [0] or a public key [1]");
      }
    }
  } catch (error) {
    if (error instanceof InvalidCaError) throw error;
    throw malformed("SEC1", "EC PRIVATE KEY", error);
  }
  curveOid ??= hint;
  if (curveOid === undefined) {
    throw new InvalidCaError(
      `the CA private key is a SEC1 "EC PRIVATE KEY" that names no curve, and neither an "EC PARAMETERS" block nor the CA certificate's key says which`,
    );
  }
  namedCurve(curveOid);
  const size = CURVES[curveOid]?.privateKeyOctets ?? 0;
  if (privateKey.length > size) {
    throw new InvalidCaError(
      `the CA private key is not a valid SEC1 "EC PRIVATE KEY": its private key is ${privateKey.length} octets, more than the ${size} of ${
        namedCurve(curveOid)
      }`,
    );
  }
  const padded = new Uint8Array(size);
  padded.set(privateKey, size - privateKey.length);
  const inner = encodeSequence(
    encodeSmallInteger(1),
    encodeTlv(Tag.octetString, padded),
    ...(publicKey ? [publicKey] : []),
  );
  return encodeSequence(
    encodeSmallInteger(0),
    encodeSequence(encodeOid(OID_EC), encodeOid(curveOid)),
    encodeTlv(Tag.octetString, inner),
  );
}

function malformed(format: PrivateKeyFormat, label: string, error: unknown): InvalidCaError {
  return new InvalidCaError(
    `the CA private key is not a valid ${format} ${JSON.stringify(label)}: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}
