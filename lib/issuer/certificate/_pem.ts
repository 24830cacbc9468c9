/**
 * PEM decoding and encoding (RFC 7468), tolerant the way Go's `encoding/pem` is: text
 * around and between blocks is skipped, a block whose body is not base64 is not a block,
 * and RFC 1421 headers (`Proc-Type: …`) are skipped.
 *
 * @module
 */

import type { Bytes } from "./_der.ts";

/** One PEM block: its label and the DER bytes of its body. */
export interface PemBlock {
  /** The label, such as `CERTIFICATE REQUEST`. */
  type: string;
  /** The decoded body. */
  der: Bytes;
  /** Whether the block carried RFC 1421 headers. */
  hasHeaders: boolean;
  /** The RFC 1421 headers, such as `{ "Proc-Type": "4,ENCRYPTED" }`; empty when none. */
  headers: Record<string, string>;
}

const BLOCK = /-----BEGIN ([^\r\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every well-formed PEM block in `text`, in order. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, type = "", rawBody = ""] = match;
    let body = rawBody;
    let hasHeaders = false;
    const headers: Record<string, string> = {};
    const blank = body.search(/\r?\n\r?\n/);
    if (blank >= 0 && body.slice(0, blank).includes(":")) {
      hasHeaders = true;
      for (const line of body.slice(0, blank).split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      body = body.slice(blank).trimStart();
    }
    const compact = body.replace(/\s+/g, "");
    let der: Bytes;
    try {
      der = decodeBase64(compact);
    } catch {
      continue;
    }
    blocks.push({ type, der, hasHeaders, headers });
  }
  return blocks;
}

/** Encodes DER bytes as one PEM block with 64-character lines and a final newline. */
export function encodePem(type: string, der: Uint8Array): string {
  const base64 = encodeBase64(der);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}${
    lines.length ? "\n" : ""
  }-----END ${type}-----\n`;
}

/**
 * Decodes standard base64.
 *
 * @throws {SyntaxError} When `text` is not base64.
 */
export function decodeBase64(text: string): Bytes {
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new SyntaxError("the text is not standard base64 (RFC 4648 with padding)");
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
