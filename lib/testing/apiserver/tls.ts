/**
 * TLS material for serving the fake API server over HTTPS on loopback: a throwaway
 * certificate authority and a serving certificate it signed.
 *
 * kubectl only sends credentials over `https://` (spec §0.3), so authentication tests
 * need TLS. Deno's TLS stack refuses a CA certificate used as a server certificate, so
 * the CA and the serving leaf are separate certificates.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

/** PEM-encoded TLS material for one HTTPS server. */
export interface ServingCertificates {
  /** The self-signed CA certificate, PEM; give it to clients as their trust anchor. */
  caCertPem: string;
  /** The CA's private key, PKCS#8 PEM; lets a test sign more certificates (client certificates). */
  caKeyPem: string;
  /** The serving certificate (signed by the CA), PEM; the `cert` of `Deno.serve`. */
  certPem: string;
  /** The serving certificate's private key, PKCS#8 PEM; the `key` of `Deno.serve`. */
  keyPem: string;
}

/** Options of {@linkcode generateServingCertificates}. */
export interface ServingCertificateOptions {
  /**
   * Host names and IP addresses the serving certificate is valid for; IP addresses become
   * IP SANs, the rest DNS SANs. Default `["127.0.0.1", "localhost", "::1"]`.
   */
  hosts?: string[];
  /** How many days both certificates stay valid. Default 365. */
  validityDays?: number;
  /** The issue time in milliseconds since the epoch. Default `Date.now()`. */
  now?: number;
}

const DEFAULT_HOSTS = ["127.0.0.1", "localhost", "::1"];
const ALGORITHM: EcKeyGenParams & EcdsaParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};
/** Backdating of `notBefore`, so small clock skews do not make a fresh certificate invalid. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Generates a fresh ECDSA P-256 certificate authority and a serving certificate signed
 * by it, for HTTPS on loopback. The CA has `basicConstraints CA:TRUE` and may only sign
 * certificates; the serving certificate is not a CA, carries the `serverAuth` extended key
 * usage and a subject alternative name per host.
 *
 * @param options Hosts, validity and issue time; see {@linkcode ServingCertificateOptions}.
 * @returns The PEM-encoded CA certificate and key, serving certificate and key.
 * @throws {RangeError} If `hosts` is empty or `validityDays` is not a positive number.
 *
 * @example Serve HTTPS on loopback and trust the generated CA
 * ```ts
 * import { generateServingCertificates } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const tls = await generateServingCertificates();
 * const controller = new AbortController();
 * const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
 * const server = Deno.serve({
 *   port: 0,
 *   hostname: "127.0.0.1",
 *   cert: tls.certPem,
 *   key: tls.keyPem,
 *   signal: controller.signal,
 *   onListen: resolve,
 * }, () => new Response("ok"));
 * const { port } = await listening;
 * const client = Deno.createHttpClient({ caCerts: [tls.caCertPem] });
 * const response = await fetch(`https://127.0.0.1:${port}/`, { client });
 * assert.equal(await response.text(), "ok");
 * client.close();
 * controller.abort();
 * await server.finished;
 * ```
 */
export async function generateServingCertificates(
  options: ServingCertificateOptions = {},
): Promise<ServingCertificates> {
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  const validityDays = options.validityDays ?? 365;
  const now = options.now ?? Date.now();
  if (hosts.length === 0) {
    throw new RangeError("generateServingCertificates: hosts must name at least one host");
  }
  for (const host of hosts) {
    if (host === "" || /\s/.test(host)) {
      throw new RangeError(`generateServingCertificates: invalid host ${JSON.stringify(host)}`);
    }
  }
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new RangeError(
      `generateServingCertificates: validityDays must be a positive number, got ${validityDays}`,
    );
  }
  if (!Number.isFinite(now)) {
    throw new RangeError(`generateServingCertificates: now must be a finite number, got ${now}`);
  }
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(now + validityDays * DAY_MS);

  const caKeys = await generateKeyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=fake-apiserver-ca",
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const leafKeys = await generateKeyPair();
  const leafCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${escapeDnValue(hosts[0] ?? "")}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host): x509.JsonGeneralName => ({
          type: isIpAddress(host) ? "ip" : "dns",
          value: host,
        })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
    ],
  });

  return {
    caCertPem: `${caCert.toString("pem")}\n`,
    caKeyPem: await privateKeyPem(caKeys.privateKey),
    certPem: `${leafCert.toString("pem")}\n`,
    keyPem: await privateKeyPem(leafKeys.privateKey),
  };
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return `${x509.PemConverter.encode(der, "PRIVATE KEY")}\n`;
}

/** A random positive 128-bit serial number, hex. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}
