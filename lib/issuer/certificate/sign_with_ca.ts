/**
 * Signing a certificate template with a CA certificate and its private key, so a
 * CA-backed issuer's `sign` is a few lines.
 *
 * @module
 */
import { bytesEqual } from "./_der.ts";
import { importSigningKey, samePublicKey } from "./_keys.ts";
import { decodePem } from "./_pem.ts";
import { x509 } from "./_x509.ts";
import type { CertificateTemplate } from "./certificate_template.ts";
import { InvalidCaError } from "./errors.ts";

/** The CA that signs; see {@linkcode signCertificate}. */
export interface CaKeyPair {
  /**
   * The CA certificate, PEM. It may be followed by the certificates that issued it, in
   * order up to the root, as in the `tls.crt` of cert-manager's CA issuer secret.
   */
  caCertPem: string;
  /**
   * The CA's private key, unencrypted PEM in any format cert-manager writes: PKCS#8
   * `PRIVATE KEY` (RSA, ECDSA or Ed25519), PKCS#1 `RSA PRIVATE KEY` or SEC1
   * `EC PRIVATE KEY` (P-256, P-384 or P-521; a SEC1 key that names no curve takes the
   * curve of an `EC PARAMETERS` block beside it, or else of the CA certificate's key).
   */
  caKeyPem: string;
}

/** A signed certificate, as cert-manager's PEM bundle. */
export interface SignedCertificate {
  /**
   * The leaf certificate first, then the CA certificates up to the highest one that is
   * not self-signed (a self-signed root is left out).
   */
  chainPem: string;
  /** The highest certificate of the chain: the root when it is self-signed. */
  caPem: string;
}

const OID_SAN = "2.5.29.17";
const OID_NAME_CONSTRAINTS = "2.5.29.30";

/**
 * Signs a certificate template with a CA. The certificate gets the template's serial,
 * subject (its exact encoding), public key, validity and SAN extension, basic
 * constraints (critical), key usage (critical, when any), extended key usage (when any),
 * name constraints (when the CSR asked), a subject key identifier and an authority key
 * identifier (the CA's subject key identifier). The signature uses the CA key's algorithm:
 * RSA PKCS#1 v1.5 with SHA-256, ECDSA with SHA-256/384/512 for P-256/384/521, or Ed25519.
 *
 * @param template The template from {@linkcode certificateTemplate}.
 * @param ca The CA certificate (optionally followed by its chain) and its private key.
 * @returns The chain and the CA, as cert-manager's CA issuer returns them.
 * @throws {InvalidCaError} When the CA certificate or key does not parse, the certificate
 *   is not a CA, the key is not the certificate's, or the bundle is not one chain in order.
 *
 * @example Issuing a certificate from a request
 * ```ts
 * import {
 *   certificateDetailsFromCertificateRequest,
 *   certificateTemplate,
 *   generateCa,
 *   generateCsr,
 *   signCertificate,
 *   validateSignedChain,
 * } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2030, 0, 1);
 * const ca = await generateCa({ commonName: "Example CA", now, validityDays: 365 });
 * const { csrPem } = await generateCsr({ subject: "CN=web", dnsNames: ["web.example"] });
 * const details = certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem) } });
 * const template = await certificateTemplate(details, now);
 * const { chainPem, caPem } = await signCertificate(template, {
 *   caCertPem: ca.certPem,
 *   caKeyPem: ca.keyPem,
 * });
 * validateSignedChain(chainPem, csrPem);
 * assert.equal(caPem, ca.certPem);
 * ```
 */
export async function signCertificate(
  template: CertificateTemplate,
  ca: CaKeyPair,
): Promise<SignedCertificate> {
  const chain = parseCaBundle(ca.caCertPem);
  const caCert = chain[0] as x509.X509Certificate;
  const basicConstraints = caCert.getExtension(x509.BasicConstraintsExtension);
  if (!basicConstraints?.ca) {
    throw new InvalidCaError(
      `the CA certificate ${
        JSON.stringify(caCert.subject)
      } is not a CA: it lacks basicConstraints CA:TRUE`,
    );
  }
  const keyUsage = caCert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && !(keyUsage.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new InvalidCaError(
      `the CA certificate ${
        JSON.stringify(caCert.subject)
      } may not sign certificates: its key usage lacks keyCertSign`,
    );
  }
  const caSpki = new Uint8Array(caCert.publicKey.rawData);
  const key = await importSigningKey(ca.caKeyPem, { certificateSpki: caSpki });
  if (!samePublicKey(key.spki, caSpki)) {
    throw new InvalidCaError(
      `the CA private key does not belong to the CA certificate ${JSON.stringify(caCert.subject)}`,
    );
  }
  await checkChainOrder(chain);

  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(
      template.isCA,
      template.isCA ? template.maxPathLen : undefined,
      true,
    ),
  ];
  if (template.keyUsage !== 0) {
    extensions.push(new x509.KeyUsagesExtension(template.keyUsage, true));
  }
  const extKeyUsage = [...template.extKeyUsage, ...template.unknownExtKeyUsage];
  if (extKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(extKeyUsage));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(template.publicKey.spki));
  extensions.push(
    caKeyId
      ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
      : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  );
  if (template.subjectAltName) {
    const { critical, value } = template.subjectAltName;
    extensions.push(new x509.Extension(OID_SAN, critical, value));
  }
  if (template.nameConstraints) {
    const { critical, value } = template.nameConstraints;
    extensions.push(new x509.Extension(OID_NAME_CONSTRAINTS, critical, value));
  }

  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: template.serialNumber,
    subject: new x509.Name(template.subjectDer),
    issuer: caCert.subjectName,
    notBefore: new Date(template.notBefore),
    notAfter: new Date(template.notAfter),
    publicKey: template.publicKey.spki,
    signingKey: key.privateKey,
    signingAlgorithm: key.signingAlgorithm,
    extensions,
  });

  const top = chain[chain.length - 1] as x509.X509Certificate;
  const topIsRoot = await isSelfSigned(top);
  const parents = topIsRoot ? chain.slice(0, -1) : chain;
  return {
    chainPem: [leaf, ...parents].map(pemOf).join(""),
    caPem: pemOf(top),
  };
}

function parseCaBundle(pem: string): x509.X509Certificate[] {
  const blocks = decodePem(pem);
  if (blocks.length === 0) throw new InvalidCaError("the CA certificate holds no PEM block");
  return blocks.map((block, index) => {
    if (block.type !== "CERTIFICATE") {
      throw new InvalidCaError(
        `PEM block ${index + 1} of the CA certificate is a ${
          JSON.stringify(block.type)
        }, not a "CERTIFICATE"`,
      );
    }
    try {
      return new x509.X509Certificate(block.der);
    } catch (error) {
      throw new InvalidCaError(
        `PEM block ${index + 1} of the CA certificate is not an X.509 certificate: ${
          error instanceof Error ? error.message : error
        }`,
        { cause: error },
      );
    }
  });
}

async function checkChainOrder(chain: readonly x509.X509Certificate[]): Promise<void> {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as x509.X509Certificate;
    const parent = chain[i + 1] as x509.X509Certificate;
    const signed = bytesEqual(
      new Uint8Array(child.issuerName.toArrayBuffer()),
      new Uint8Array(parent.subjectName.toArrayBuffer()),
    ) && await child.verify({ publicKey: parent.publicKey, signatureOnly: true }).catch(() =>
      false
    );
    if (!signed) {
      throw new InvalidCaError(
        `the CA certificate bundle is not one chain in order: certificate ${i + 1} (${
          JSON.stringify(child.subject)
        }) was not issued by certificate ${i + 2} (${JSON.stringify(parent.subject)})`,
      );
    }
  }
}

async function isSelfSigned(cert: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: cert.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

function pemOf(cert: x509.X509Certificate): string {
  return `${cert.toString("pem").trim()}\n`;
}
