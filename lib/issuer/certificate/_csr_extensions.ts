/**
 * Reads the extensions a PKCS#10 request asks for (its `extensionRequest` attributes), the
 * way Go's `x509.ParseCertificateRequest` and cert-manager's template builder do.
 *
 * @module
 */
import {
  bytesEqual,
  children,
  contents,
  DerError,
  expectTag,
  readBoolean,
  readOid,
  readSingle,
  readSmallInteger,
  Tag,
  type Tlv,
} from "./_der.ts";

/** An extension as requested: its criticality and the DER of its value (`extnValue`). */
export interface RawExtension {
  /** Whether the request marked it critical. */
  critical: boolean;
  /** The DER encoding inside the extension's OCTET STRING. */
  value: Uint8Array<ArrayBuffer>;
}

/** The extensions a CSR asks for that certificate templates use. */
export interface RequestedExtensions {
  /** Basic constraints: CA flag and path length (absent = unlimited), if requested. */
  basicConstraints?: { isCA: boolean; maxPathLen?: number };
  /** The key-usage bit set, if requested. */
  keyUsage?: number;
  /** Extended-key-usage OIDs in the order requested (known and unknown), if requested. */
  extKeyUsage?: string[];
  /** The subject alternative name extension, carried verbatim into certificates. */
  subjectAltName?: RawExtension;
  /** The name constraints extension, carried verbatim into certificates. */
  nameConstraints?: RawExtension;
}

/** The subject alternative names of a CSR, by type. */
export interface SubjectAltNames {
  /** DNS names. */
  dnsNames: string[];
  /** IP addresses, IPv4 dotted and IPv6 in RFC 5952 form (as Go prints them). */
  ipAddresses: string[];
  /** URIs. */
  uris: string[];
  /** E-mail addresses. */
  emailAddresses: string[];
}

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const OID_NAME_CONSTRAINTS = "2.5.29.30";

/**
 * Reads the requested extensions from the `[0] attributes` element of a
 * CertificationRequestInfo. Attributes that do not parse are skipped, as Go does.
 *
 * @throws {DerError} When a requested extension is malformed or requested twice.
 */
export function readRequestedExtensions(der: Uint8Array, attributes: Tlv): RequestedExtensions {
  const out: RequestedExtensions = {};
  const seen = new Set<string>();
  for (const attribute of children(der, attributes)) {
    let id: string;
    let values: Tlv[];
    try {
      const [oid, set] = children(der, expectTag(attribute, Tag.sequence, "an attribute"));
      id = readOid(der, expectTag(oid, Tag.oid, "an attribute type"));
      values = children(der, expectTag(set, Tag.set, "attribute values"));
    } catch {
      continue;
    }
    if (id !== OID_EXTENSION_REQUEST || values.length === 0) continue;
    const list = expectTag(values[0], Tag.sequence, "a list of extensions");
    for (const extension of children(der, list)) {
      const parts = children(der, expectTag(extension, Tag.sequence, "an extension"));
      const extnId = readOid(der, expectTag(parts[0], Tag.oid, "an extension id"));
      const hasCritical = parts[1]?.tag === Tag.boolean;
      const critical = hasCritical && parts[1] ? readBoolean(der, parts[1]) : false;
      const valueTlv = expectTag(parts[hasCritical ? 2 : 1], Tag.octetString, "an extension value");
      if (seen.has(extnId)) throw new DerError(`extension ${extnId} is requested more than once`);
      seen.add(extnId);
      const value = contents(der, valueTlv).slice();
      switch (extnId) {
        case OID_SUBJECT_ALT_NAME:
          readSubjectAltNames(value); // validates
          out.subjectAltName = { critical, value };
          break;
        case OID_NAME_CONSTRAINTS:
          readSingle(value);
          out.nameConstraints = { critical, value };
          break;
        case OID_BASIC_CONSTRAINTS:
          out.basicConstraints = readBasicConstraints(value);
          break;
        case OID_KEY_USAGE:
          out.keyUsage = readKeyUsage(value);
          break;
        case OID_EXT_KEY_USAGE:
          out.extKeyUsage = children(value, expectTag(readSingle(value), Tag.sequence, "EKUs"))
            .map((oid) => readOid(value, oid));
          break;
      }
    }
  }
  return out;
}

/**
 * Reads the DNS, IP, URI and e-mail names of a SubjectAltName extension value; other name
 * types are skipped (they still travel in the verbatim extension).
 *
 * @throws {DerError} When a name is malformed, with Go's wording.
 */
export function readSubjectAltNames(value: Uint8Array): SubjectAltNames {
  const names: SubjectAltNames = { dnsNames: [], ipAddresses: [], uris: [], emailAddresses: [] };
  const sequence = expectTag(readSingle(value), Tag.sequence, "GeneralNames");
  for (const name of children(value, sequence)) {
    const body = contents(value, name);
    switch (name.tag) {
      case 0x81:
        names.emailAddresses.push(ia5(body, "rfc822Name"));
        break;
      case 0x82:
        names.dnsNames.push(ia5(body, "dNSName"));
        break;
      case 0x86:
        names.uris.push(ia5(body, "uniformResourceIdentifier"));
        break;
      case 0x87:
        if (body.length !== 4 && body.length !== 16) {
          throw new DerError(`x509: cannot parse IP address of length ${body.length}`);
        }
        names.ipAddresses.push(formatIp(body));
        break;
    }
  }
  return names;
}

function ia5(body: Uint8Array, what: string): string {
  if (body.some((byte) => byte >= 0x80)) throw new DerError(`x509: SAN ${what} is malformed`);
  return String.fromCharCode(...body);
}

function readBasicConstraints(value: Uint8Array): { isCA: boolean; maxPathLen?: number } {
  const parts = children(value, expectTag(readSingle(value), Tag.sequence, "basic constraints"));
  let index = 0;
  let isCA = false;
  if (parts[index]?.tag === Tag.boolean) isCA = readBoolean(value, parts[index++] as Tlv);
  const pathLen = parts[index];
  return pathLen ? { isCA, maxPathLen: readSmallInteger(value, pathLen) } : { isCA };
}

function readKeyUsage(value: Uint8Array): number {
  const body = contents(value, expectTag(readSingle(value), Tag.bitString, "key usage bits"));
  let usage = 0;
  for (let bit = 0; bit < 9; bit++) {
    const octet = body[1 + (bit >> 3)] ?? 0;
    if (octet & (0x80 >> (bit & 7))) usage |= 1 << bit;
  }
  return usage;
}

/** Formats an IP address as Go's `net.IP.String` does. */
export function formatIp(bytes: Uint8Array): string {
  const v4Mapped = bytes.length === 16 &&
    bytesEqual(bytes.subarray(0, 12), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255]));
  if (bytes.length === 4 || v4Mapped) return [...bytes.subarray(bytes.length - 4)].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
