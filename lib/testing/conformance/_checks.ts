/**
 * The conformance kit's checks of what an issuer produced: conditions and status fields,
 * certificates against the requested shape, chains and durations. A failed check throws a
 * {@linkcode CaseFailure} whose message is the case's message.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { JsonObject } from "../../core/json.ts";
import type { KeyAlgorithm } from "../../issuer/certificate/generate_ca.ts";

/** A case's failure: its message is the case's message. */
export class CaseFailure extends Error {
  override name = "CaseFailure";
}

/** Fails the running case with `message`. */
export function fail(message: string): never {
  throw new CaseFailure(message);
}

/** A status condition as the kit reads it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** The condition of `type` in `object.status.conditions`. */
export function conditionOf(object: JsonObject | undefined, type: string): Condition | undefined {
  const status = object?.status as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

/** A string field of `object.status`. */
export function statusField(object: JsonObject | undefined, field: string): string | undefined {
  const value = (object?.status as Record<string, unknown> | undefined)?.[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What a CR or CSR case requests. */
export interface RequestShape {
  keyAlgorithm?: KeyAlgorithm;
  subject?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  usages?: string[];
  durationMs?: number;
  isCA?: boolean;
}

/** An issued certificate, parsed. */
export interface IssuedCertificate {
  leaf: x509.X509Certificate;
  chain: x509.X509Certificate[];
  caPem: string | undefined;
}

function parseChain(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((b) => new x509.X509Certificate(b));
}

function bytesEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sorted(values: readonly string[]): string {
  return JSON.stringify([...values].sort());
}

function subjectAltNames(cert: x509.X509Certificate): Record<string, string[]> {
  const out: Record<string, string[]> = { dns: [], ip: [], url: [], email: [] };
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of ext?.names.items ?? []) out[name.type]?.push(name.value);
  return out;
}

/** Checks a certificate chain against the CSR and the shape it was made from. */
export function checkIssued(
  shape: RequestShape,
  csrPem: string,
  chainPem: string,
  caBase64: string | undefined,
): IssuedCertificate {
  let chain: x509.X509Certificate[];
  try {
    chain = parseChain(chainPem);
  } catch (error) {
    fail(`the certificate is not a PEM chain: ${(error as Error).message}`);
  }
  const leaf = chain[0];
  if (!leaf) fail("the certificate chain is empty");
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!bytesEqual(leaf.publicKey.rawData, csr.publicKey.rawData)) {
    fail("the certificate's public key is not the CSR's public key");
  }
  const sans = subjectAltNames(leaf);
  const expect = (label: string, got: string[], want: readonly string[] | undefined) => {
    if (sorted(got) !== sorted(want ?? [])) {
      fail(
        `the certificate's ${label} SANs are ${sorted(got)}; the CSR asked for ${
          sorted(want ?? [])
        }`,
      );
    }
  };
  expect("DNS", sans.dns ?? [], shape.dnsNames);
  expect("IP", sans.ip ?? [], shape.ipAddresses);
  expect("URI", sans.url ?? [], shape.uris);
  expect("email", sans.email ?? [], shape.emailAddresses);
  const cn = shape.subject?.match(/CN=([^,]+)/)?.[1];
  if (cn !== undefined) {
    const got = leaf.subjectName.getField("CN");
    if (!got.includes(cn)) {
      fail(`the certificate's common name is ${JSON.stringify(got)}; the CSR asked for "${cn}"`);
    }
  }
  return { leaf, chain, caPem: caBase64 === undefined ? undefined : atob(caBase64) };
}

/** Checks that the chain verifies to the CA the issuer reports (or its own last certificate). */
export async function verifyChain(issued: IssuedCertificate): Promise<void> {
  const chain = issued.chain;
  const ca = issued.caPem !== undefined ? parseChain(issued.caPem)[0] : chain.at(-1);
  if (!ca) fail("status.ca is set but holds no certificate");
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const parent = chain[i + 1]!;
    if (!(await cert.verify({ publicKey: parent.publicKey, signatureOnly: true }))) {
      fail(
        `certificate ${i} of the chain (${cert.subject}) is not signed by certificate ${
          i + 1
        } (${parent.subject})`,
      );
    }
  }
  const top = chain.at(-1)!;
  const selfIsCa = bytesEqual(top.rawData, ca.rawData);
  if (!selfIsCa && !(await top.verify({ publicKey: ca.publicKey, signatureOnly: true }))) {
    fail(`the chain does not verify to the CA the issuer reports (${ca.subject})`);
  }
}

/** The key usage bits and extended key usage OIDs of a certificate. */
export function usagesOf(cert: x509.X509Certificate): { keyUsage: number; eku: string[] } {
  return {
    keyUsage: cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
    eku: (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String),
  };
}

/** Checks a certificate's validity period against the requested duration. */
export function checkDuration(cert: x509.X509Certificate, wantMs: number): void {
  const got = cert.notAfter.getTime() - cert.notBefore.getTime();
  // Allow an hour of back-dating and a minute of rounding.
  if (Math.abs(got - wantMs) > 3_660_000) {
    fail(
      `the certificate is valid for ${Math.round(got / 1000)} s; ${
        Math.round(wantMs / 1000)
      } s were requested`,
    );
  }
}

/** Checks that a certificate is a CA certificate. */
export function isCaCertificate(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** The digitalSignature key usage bit. */
export const DIGITAL_SIGNATURE: number = x509.KeyUsageFlags.digitalSignature;
/** The keyEncipherment key usage bit. */
export const KEY_ENCIPHERMENT: number = x509.KeyUsageFlags.keyEncipherment;
