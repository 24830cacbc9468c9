/**
 * A minimal DER reader: just enough to take a PKCS#10 request, a PKCS#8 key and the
 * handful of X.509 extensions this area needs apart without re-encoding anything, so
 * raw encodings (subject, public key, SAN extension) are carried over byte for byte; and
 * a writer just big enough to wrap PKCS#1 and SEC1 keys in PKCS#8.
 *
 * @module
 */

/** One DER element: its tag byte and where its header and contents lie in `bytes`. */
export interface Tlv {
  /** The identifier octet (low-tag-number form only). */
  tag: number;
  /** The offset of the identifier octet. */
  start: number;
  /** The offset of the first contents octet. */
  contentStart: number;
  /** The offset just past the last contents octet. */
  end: number;
}

/** Thrown for DER that does not follow the encoding rules this reader checks. */
export class DerError extends Error {
  /** Always `"DerError"`. */
  override name = "DerError";
}

/** Universal tags used in this area. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
} as const;

/**
 * Reads the element that starts at `at`.
 *
 * @throws {DerError} When the element is truncated or uses a form DER forbids.
 */
export function readTlv(bytes: Uint8Array, at = 0, limit = bytes.length): Tlv {
  const tag = bytes[at];
  if (tag === undefined || at >= limit) throw new DerError(`truncated element at offset ${at}`);
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high-tag-number form at offset ${at}`);
  let lengthAt = at + 1;
  const first = bytes[lengthAt++];
  if (first === undefined || lengthAt > limit) {
    throw new DerError(`truncated length at offset ${at}`);
  }
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError(`unsupported length form at offset ${at}`);
    length = 0;
    for (let i = 0; i < octets; i++) {
      const octet = bytes[lengthAt++];
      if (octet === undefined || lengthAt > limit) {
        throw new DerError(`truncated length at offset ${at}`);
      }
      length = length * 256 + octet;
    }
  }
  const end = lengthAt + length;
  if (end > limit) throw new DerError(`element at offset ${at} runs past its container`);
  return { tag, start: at, contentStart: lengthAt, end };
}

/**
 * Reads a whole buffer that must hold exactly one element.
 *
 * @throws {DerError} When the buffer holds more or less than one element.
 */
export function readSingle(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes);
  if (tlv.end !== bytes.length) throw new DerError("trailing data after the element");
  return tlv;
}

/** The elements inside a constructed element, in order. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Bytes backed by an `ArrayBuffer` (what WebCrypto and `@peculiar/x509` accept). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** The contents octets of an element (a view, not a copy). */
export function contents<T extends ArrayBufferLike>(bytes: Uint8Array<T>, tlv: Tlv): Uint8Array<T> {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

/** The whole encoding (header and contents) of an element (a view, not a copy). */
export function encoding<T extends ArrayBufferLike>(bytes: Uint8Array<T>, tlv: Tlv): Uint8Array<T> {
  return bytes.subarray(tlv.start, tlv.end);
}

/**
 * Checks that an element has the expected tag.
 *
 * @throws {DerError} When it does not, or is missing.
 */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) {
    const found = tlv ? `0x${tlv.tag.toString(16).padStart(2, "0")}` : "nothing";
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}), found ${found}`);
  }
  return tlv;
}

/** Decodes an OBJECT IDENTIFIER element to dotted text. */
export function readOid(bytes: Uint8Array, tlv: Tlv): string {
  const body = contents(bytes, expectTag(tlv, Tag.oid, "an object identifier"));
  if (body.length === 0) throw new DerError("empty object identifier");
  const arcs: bigint[] = [];
  let value = 0n;
  for (const [i, octet] of body.entries()) {
    value = (value << 7n) | BigInt(octet & 0x7f);
    if (octet & 0x80) {
      if (i === body.length - 1) throw new DerError("truncated object identifier");
      continue;
    }
    arcs.push(value);
    value = 0n;
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join(".");
}

/** Decodes a BOOLEAN element. */
export function readBoolean(bytes: Uint8Array, tlv: Tlv): boolean {
  const body = contents(bytes, expectTag(tlv, Tag.boolean, "a boolean"));
  if (body.length !== 1) throw new DerError("a boolean must be one octet");
  return body[0] !== 0;
}

/** Decodes a small non-negative INTEGER element. */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv): number {
  const body = contents(bytes, expectTag(tlv, Tag.integer, "an integer"));
  if (body.length === 0 || body.length > 6) throw new DerError("integer out of range");
  if ((body[0] ?? 0) & 0x80) throw new DerError("negative integer");
  let value = 0;
  for (const octet of body) value = value * 256 + octet;
  return value;
}

/** Encodes a DER length header plus contents under `tag`. */
export function encodeTlv(tag: number, body: Uint8Array): Bytes {
  const length = body.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Context-specific constructed tags `[0]` and `[1]` (EXPLICIT), as in SEC1's ECPrivateKey. */
export const ContextTag = {
  explicit0: 0xa0,
  explicit1: 0xa1,
} as const;

/** The concatenation of `parts`. */
export function concatBytes(...parts: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Encodes a SEQUENCE of already encoded elements. */
export function encodeSequence(...elements: readonly Uint8Array[]): Bytes {
  return encodeTlv(Tag.sequence, concatBytes(...elements));
}

/**
 * Encodes a small non-negative INTEGER.
 *
 * @throws {RangeError} When `value` is not a safe non-negative integer.
 */
export function encodeSmallInteger(value: number): Bytes {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `encodeSmallInteger: value must be a safe non-negative integer, got ${value}`,
    );
  }
  const octets: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  if (octets.length === 0 || (octets[0] ?? 0) & 0x80) octets.unshift(0);
  return encodeTlv(Tag.integer, new Uint8Array(octets));
}

/**
 * Encodes a dotted OBJECT IDENTIFIER.
 *
 * @throws {RangeError} When `dotted` is not an object identifier.
 */
export function encodeOid(dotted: string): Bytes {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) {
    throw new RangeError(`encodeOid: not a dotted object identifier: ${JSON.stringify(dotted)}`);
  }
  const [first = 0n, second = 0n, ...rest] = dotted.split(".").map(BigInt);
  if (first < 2n && second >= 40n) {
    throw new RangeError(
      `encodeOid: the second arc must be below 40, got ${JSON.stringify(dotted)}`,
    );
  }
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const base128: number[] = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) {
      base128.unshift(Number(value & 0x7fn) | 0x80);
    }
    octets.push(...base128);
  }
  return encodeTlv(Tag.oid, new Uint8Array(octets));
}
