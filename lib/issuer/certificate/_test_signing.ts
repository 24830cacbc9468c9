/**
 * Test helpers for signing: issue a certificate for an openssl-made CSR through the whole
 * pipeline (details → template → sign → validate), and verify it with `openssl verify`.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { children, encoding, readSingle } from "./_der.ts";
import { decodePem } from "./_pem.ts";
import {
  epochSeconds,
  openssl,
  opensslCsr,
  type OpensslCsrOptions,
  type OpensslKeyType,
  type TempDir,
} from "./_test_openssl.ts";
import { certificateDetailsFromCertificateRequest } from "./certificate_details.ts";
import { certificateTemplate } from "./certificate_template.ts";
import type { GeneratedCa } from "./generate_ca.ts";
import { signCertificate, type SignedCertificate } from "./sign_with_ca.ts";
import { validateSignedChain } from "./validate_signed_chain.ts";

/** The issue time of every test certificate. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
/** When `openssl verify` checks: a minute after issue. */
export const AT = epochSeconds(NOW + 60_000);
/** An `-addext` argument with one SAN of each type. */
export const SANS =
  "subjectAltName=DNS:web.example,IP:192.0.2.10,IP:2001:db8::10,URI:spiffe://example.org/ns/web,email:ops@example.org";

/** A certificate issued by {@linkcode issue}. */
export interface Issued extends SignedCertificate {
  /** The CSR it answers. */
  csrPem: string;
  /** The path of the CSR's private key (PKCS#8). */
  keyPath: string;
  /** The path of the chain, as written. */
  leafPath: string;
  /** `openssl x509 -text` of the leaf. */
  text: string;
}

/** Makes a CSR with openssl and issues a certificate for it with `ca`. */
export async function issue(
  dir: TempDir,
  ca: { caCertPem: string; caKeyPem: string },
  keyType: OpensslKeyType,
  csr: OpensslCsrOptions,
  spec: { duration?: string; isCA?: boolean; usages?: string[] } = {},
): Promise<Issued> {
  const { csrPem, keyPath } = await opensslCsr(dir, keyType, csr);
  const details = certificateDetailsFromCertificateRequest({
    spec: { request: btoa(csrPem), ...spec },
  });
  const signed = await signCertificate(await certificateTemplate(details, NOW), ca);
  validateSignedChain(signed.chainPem, csrPem);
  const leafPath = dir.file(`leaf-${crypto.randomUUID()}.pem`);
  await Deno.writeTextFile(leafPath, signed.chainPem);
  const text = await openssl(["x509", "-in", leafPath, "-noout", "-text"]);
  return { ...signed, csrPem, keyPath, leafPath, text };
}

/** Asserts that `openssl verify` accepts the certificate at `leafPath` against `caPem`. */
export async function verify(
  dir: TempDir,
  caPem: string,
  leafPath: string,
  ...extra: string[]
): Promise<void> {
  const caPath = dir.file(`ca-${crypto.randomUUID()}.pem`);
  await Deno.writeTextFile(caPath, caPem);
  const out = await openssl(["verify", "-attime", AT, ...extra, "-CAfile", caPath, leafPath]);
  assert.equal(out.trim(), `${leafPath}: OK`);
}

/** The CA pair of a generated CA, as {@linkcode signCertificate} takes it. */
export function pair(ca: GeneratedCa): { caCertPem: string; caKeyPem: string } {
  return { caCertPem: ca.certPem, caKeyPem: ca.keyPem };
}

/** The issuer and subject of a certificate, DER, read by position from the TBSCertificate. */
export function names(certPem: string): { issuer: Uint8Array; subject: Uint8Array } {
  const der = decodePem(certPem)[0]!.der;
  const [tbs] = children(der, readSingle(der));
  const [, , , issuer, , subject] = children(der, tbs!);
  return { issuer: encoding(der, issuer!), subject: encoding(der, subject!) };
}
