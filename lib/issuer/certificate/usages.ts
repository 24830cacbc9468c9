/**
 * The usage strings of cert-manager `CertificateRequest`s and Kubernetes
 * `CertificateSigningRequest`s (identical for both, spec §10.3), mapped to X.509 key-usage
 * bits and extended-key-usage OIDs.
 *
 * @module
 */
import { UnknownUsageError } from "./errors.ts";

/**
 * X.509 key-usage bits (RFC 5280 §4.2.1.3): bit *n* of the KeyUsage BIT STRING is
 * `1 << n`, as in Go's `x509.KeyUsage` and `@peculiar/x509`'s `KeyUsageFlags`.
 *
 * @example Combining bits
 * ```ts
 * import { KeyUsageBit } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment, 5);
 * ```
 */
export const KeyUsageBit = {
  digitalSignature: 1 << 0,
  contentCommitment: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  certSign: 1 << 5,
  crlSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/**
 * Extended-key-usage OIDs of the usage table, plus the two Microsoft code-signing OIDs Go
 * also counts as known (no usage string names them).
 *
 * @example The TLS server purpose
 * ```ts
 * import { ExtKeyUsageOid } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(ExtKeyUsageOid.serverAuth, "1.3.6.1.5.5.7.3.1");
 * ```
 */
export const ExtKeyUsageOid = {
  any: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  ipsecEndSystem: "1.3.6.1.5.5.7.3.5",
  ipsecTunnel: "1.3.6.1.5.5.7.3.6",
  ipsecUser: "1.3.6.1.5.5.7.3.7",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  microsoftServerGatedCrypto: "1.3.6.1.4.1.311.10.3.3",
  netscapeServerGatedCrypto: "2.16.840.1.113730.4.1",
  microsoftCommercialCodeSigning: "1.3.6.1.4.1.311.2.1.22",
  microsoftKernelCodeSigning: "1.3.6.1.4.1.311.61.1.1",
} as const;

/**
 * The usages a request gets when it names none: `digital signature` and
 * `key encipherment`, for cert-manager and Kubernetes alike.
 *
 * @example The defaults
 * ```ts
 * import { DEFAULT_USAGES } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual(DEFAULT_USAGES, ["digital signature", "key encipherment"]);
 * ```
 */
export const DEFAULT_USAGES: readonly string[] = Object.freeze([
  "digital signature",
  "key encipherment",
]);

const KEY_USAGE_BY_NAME: ReadonlyMap<string, number> = new Map([
  ["signing", KeyUsageBit.digitalSignature],
  ["digital signature", KeyUsageBit.digitalSignature],
  ["content commitment", KeyUsageBit.contentCommitment],
  ["key encipherment", KeyUsageBit.keyEncipherment],
  ["data encipherment", KeyUsageBit.dataEncipherment],
  ["key agreement", KeyUsageBit.keyAgreement],
  ["cert sign", KeyUsageBit.certSign],
  ["crl sign", KeyUsageBit.crlSign],
  ["encipher only", KeyUsageBit.encipherOnly],
  ["decipher only", KeyUsageBit.decipherOnly],
]);

const EXT_KEY_USAGE_BY_NAME: ReadonlyMap<string, string> = new Map([
  ["any", ExtKeyUsageOid.any],
  ["server auth", ExtKeyUsageOid.serverAuth],
  ["client auth", ExtKeyUsageOid.clientAuth],
  ["code signing", ExtKeyUsageOid.codeSigning],
  ["email protection", ExtKeyUsageOid.emailProtection],
  ["s/mime", ExtKeyUsageOid.emailProtection],
  ["ipsec end system", ExtKeyUsageOid.ipsecEndSystem],
  ["ipsec tunnel", ExtKeyUsageOid.ipsecTunnel],
  ["ipsec user", ExtKeyUsageOid.ipsecUser],
  ["timestamping", ExtKeyUsageOid.timeStamping],
  ["ocsp signing", ExtKeyUsageOid.ocspSigning],
  ["microsoft sgc", ExtKeyUsageOid.microsoftServerGatedCrypto],
  ["netscape sgc", ExtKeyUsageOid.netscapeServerGatedCrypto],
]);

/** Key-usage names for printing, indexed by bit number. */
const KEY_USAGE_NAMES = [
  "digital signature",
  "content commitment",
  "key encipherment",
  "data encipherment",
  "key agreement",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
];

const EXT_KEY_USAGE_NAMES: ReadonlyMap<string, string> = new Map(
  [...EXT_KEY_USAGE_BY_NAME].filter(([name]) => name !== "s/mime").map(([name, oid]) => [
    oid,
    name,
  ]),
);

const KNOWN_EXT_KEY_USAGES: ReadonlySet<string> = new Set(Object.values(ExtKeyUsageOid));

/** Key-usage bits and extended key usages; the result of {@linkcode keyUsagesFromUsages}. */
export interface KeyUsages {
  /** The key-usage bit set; see {@linkcode KeyUsageBit}. */
  keyUsage: number;
  /** Extended-key-usage OIDs, in the order the usages name them, duplicates kept. */
  extKeyUsage: string[];
}

/** Options of {@linkcode keyUsagesFromUsages}. */
export interface KeyUsagesOptions {
  /**
   * Add the `cert sign` bit, as cert-manager does for a `CertificateRequest` with
   * `spec.isCA` (Kubernetes CSRs never get it). Default `false`.
   */
  addCertSign?: boolean;
}

/**
 * Maps usage strings to key-usage bits and extended key usages. No usages means the
 * defaults {@linkcode DEFAULT_USAGES}. Strings are matched exactly (lower case).
 *
 * @param usages The request's `spec.usages`.
 * @param options Whether to add `cert sign`.
 * @returns The bit set and the OID list.
 * @throws {UnknownUsageError} When a string is in neither table; the message lists
 *   every unknown one: `unknown key usages: [a b]`.
 *
 * @example A TLS server certificate
 * ```ts
 * import { ExtKeyUsageOid, KeyUsageBit, keyUsagesFromUsages } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const { keyUsage, extKeyUsage } = keyUsagesFromUsages(["digital signature", "server auth"]);
 * assert.equal(keyUsage, KeyUsageBit.digitalSignature);
 * assert.deepEqual(extKeyUsage, [ExtKeyUsageOid.serverAuth]);
 * ```
 */
export function keyUsagesFromUsages(
  usages: readonly string[] | undefined,
  options: KeyUsagesOptions = {},
): KeyUsages {
  let keyUsage = options.addCertSign ? KeyUsageBit.certSign : 0;
  const extKeyUsage: string[] = [];
  const unknown: string[] = [];
  for (const usage of usages?.length ? usages : DEFAULT_USAGES) {
    const bit = KEY_USAGE_BY_NAME.get(usage);
    const oid = EXT_KEY_USAGE_BY_NAME.get(usage);
    if (bit !== undefined) keyUsage |= bit;
    else if (oid !== undefined) extKeyUsage.push(oid);
    else unknown.push(usage);
  }
  if (unknown.length > 0) throw new UnknownUsageError(unknown);
  return { keyUsage, extKeyUsage };
}

/**
 * Whether Go's `x509` package knows an extended-key-usage OID. A CSR's unknown OIDs are
 * not compared with the request's usages; they are carried into the certificate as is.
 *
 * @param oid A dotted OID.
 * @returns `true` for the OIDs of {@linkcode ExtKeyUsageOid}.
 *
 * @example Known and unknown purposes
 * ```ts
 * import { isKnownExtKeyUsage } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(isKnownExtKeyUsage("1.3.6.1.5.5.7.3.1"), true);
 * assert.equal(isKnownExtKeyUsage("1.2.3.4"), false);
 * ```
 */
export function isKnownExtKeyUsage(oid: string): boolean {
  return KNOWN_EXT_KEY_USAGES.has(oid);
}

/**
 * Names the bits of a key-usage set, lowest bit first, as cert-manager prints them in
 * mismatch messages.
 *
 * @param keyUsage A key-usage bit set.
 * @returns One name per set bit (`digital signature`, …; `unknown` past bit 8).
 *
 * @example Printing a bit set
 * ```ts
 * import { KeyUsageBit, keyUsageNames } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual(keyUsageNames(KeyUsageBit.keyEncipherment | KeyUsageBit.digitalSignature), [
 *   "digital signature",
 *   "key encipherment",
 * ]);
 * ```
 */
export function keyUsageNames(keyUsage: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 31; bit++) {
    if (keyUsage & (1 << bit)) names.push(KEY_USAGE_NAMES[bit] ?? "unknown");
  }
  return names;
}

/**
 * Names extended-key-usage OIDs as cert-manager prints them in mismatch messages: the
 * usage string of the table (`email protection` for the e-mail OID), or `unknown`.
 *
 * @param oids Extended-key-usage OIDs.
 * @returns One name per OID, in order.
 *
 * @example Printing extended key usages
 * ```ts
 * import { ExtKeyUsageOid, extKeyUsageNames } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual(extKeyUsageNames([ExtKeyUsageOid.clientAuth, "1.2.3"]), [
 *   "client auth",
 *   "unknown",
 * ]);
 * ```
 */
export function extKeyUsageNames(oids: readonly string[]): string[] {
  return oids.map((oid) => EXT_KEY_USAGE_NAMES.get(oid) ?? "unknown");
}
