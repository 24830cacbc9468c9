import { strict as assert } from "node:assert";
import { decodePem } from "./_pem.ts";
import { openssl, opensslCsr, type OpensslKeyType, tempDir } from "./_test_openssl.ts";
import { issue, names, NOW, pair, SANS, verify } from "./_test_signing.ts";
import { certificateDetailsFromCertificateRequest } from "./certificate_details.ts";
import { certificateTemplate } from "./certificate_template.ts";
import { parseCsr } from "./csr.ts";
import { generateCa, type KeyAlgorithm } from "./generate_ca.ts";
import { signCertificate } from "./sign_with_ca.ts";

Deno.test("signCertificate() issues certificates openssl verifies, for every CA and CSR key type", async () => {
  await using dir = await tempDir();
  const caTypes: [KeyAlgorithm, string][] = [
    ["RSA-2048", "sha256WithRSAEncryption"],
    ["ECDSA-P256", "ecdsa-with-SHA256"],
    ["ECDSA-P384", "ecdsa-with-SHA384"],
    ["ECDSA-P521", "ecdsa-with-SHA512"],
    ["Ed25519", "ED25519"],
  ];
  const csrTypes: OpensslKeyType[] = ["rsa:2048", "P-256", "P-384", "P-521", "ed25519"];
  for (const [keyAlgorithm, signatureAlgorithm] of caTypes) {
    const ca = await generateCa({ commonName: `CA ${keyAlgorithm}`, keyAlgorithm, now: NOW });
    for (const keyType of csrTypes) {
      const issued = await issue(
        dir,
        pair(ca),
        keyType,
        { subject: "/CN=web", extensions: [SANS] },
        {
          duration: "1h",
          usages: ["digital signature", "key encipherment", "server auth", "client auth"],
        },
      );
      const what = `${keyAlgorithm} CA, ${keyType} CSR`;
      await verify(dir, ca.certPem, issued.leafPath, "-purpose", "sslserver");
      assert.match(issued.text, new RegExp(`Signature Algorithm: ${signatureAlgorithm}`), what);
      assert.match(
        issued.text,
        /DNS:web\.example, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:10, URI:spiffe:\/\/example\.org\/ns\/web, email:ops@example\.org/,
        what,
      );
      assert.match(
        issued.text,
        /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/,
      );
      assert.match(
        issued.text,
        /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
      );
      assert.match(issued.text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      assert.match(
        issued.text,
        /Not Before: Jan {2}1 12:00:00 2030 GMT\n\s+Not After : Jan {2}1 13:00:00 2030 GMT/,
      );
      assert.equal(issued.caPem, ca.certPem, "a self-signed root is the CA, not part of the chain");
      assert.equal(decodePem(issued.chainPem).length, 1);
    }
  }
});

Deno.test("signCertificate() gives the default usages and the requested duration", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const issued = await issue(dir, pair(ca), "P-256", { subject: "/CN=svc" }, { duration: "2160h" });
  const dates = await openssl(["x509", "-in", issued.leafPath, "-noout", "-startdate", "-enddate"]);
  assert.equal(dates, "notBefore=Jan  1 12:00:00 2030 GMT\nnotAfter=Apr  1 12:00:00 2030 GMT\n");
  assert.match(issued.text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
  assert.doesNotMatch(issued.text, /Extended Key Usage/);
  assert.doesNotMatch(issued.text, /Subject Alternative Name/);
});

Deno.test("signCertificate() sets the subject key identifier and the CA's as authority key identifier", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const issued = await issue(dir, pair(ca), "ed25519", { subject: "/CN=svc" });
  const caPath = dir.file("ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const caSki = await openssl(["x509", "-in", caPath, "-noout", "-ext", "subjectKeyIdentifier"]);
  const aki = await openssl([
    "x509",
    "-in",
    issued.leafPath,
    "-noout",
    "-ext",
    "authorityKeyIdentifier",
  ]);
  const keyId = caSki.split("\n")[1]?.trim();
  assert.ok(keyId && keyId.length > 0);
  assert.equal(aki.split("\n")[1]?.trim(), keyId);
  assert.match(issued.text, /X509v3 Subject Key Identifier: \n\s+[0-9A-F:]{59}\n/);
});

Deno.test("signCertificate() keeps the CSR's subject encoding and uses the CA's subject as issuer", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "Ünïcode CA", now: NOW });
  const issued = await issue(dir, pair(ca), "P-256", {
    subject: "/C=DE/O=Acme Ünï/OU=a+OU=b/CN=web",
    extraArgs: ["-multivalue-rdn"],
  });
  const csr = await parseCsr(issued.csrPem);
  const leaf = names(issued.chainPem);
  assert.deepEqual(leaf.subject, csr.subjectDer);
  assert.deepEqual(leaf.issuer, names(ca.certPem).subject);
  await verify(dir, ca.certPem, issued.leafPath);
});

Deno.test("signCertificate() marks the SAN extension critical for an empty subject", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const issued = await issue(dir, pair(ca), "P-256", {
    subject: "/",
    extensions: ["subjectAltName=DNS:web.example"],
  });
  assert.match(issued.text, /Subject: \n/);
  assert.match(issued.text, /X509v3 Subject Alternative Name: critical\n\s+DNS:web\.example\n/);
  await verify(dir, ca.certPem, issued.leafPath);
});

Deno.test("signCertificate() carries name constraints and unknown EKUs from the CSR", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const issued = await issue(dir, pair(ca), "P-256", {
    extensions: [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,1.2.3.4",
      "nameConstraints=critical,permitted;DNS:.example.com",
    ],
  }, { isCA: true, usages: ["digital signature", "key encipherment", "server auth"] });
  assert.match(
    issued.text,
    /X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:\.example\.com\n/,
  );
  assert.match(
    issued.text,
    /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, 1\.2\.3\.4\n/,
  );
});

Deno.test("signCertificate() issues an intermediate CA that can sign in turn; the chain leaves out the root", async () => {
  await using dir = await tempDir();
  const root = await generateCa({ commonName: "Root", keyAlgorithm: "ECDSA-P384", now: NOW });
  const intermediate = await issue(dir, pair(root), "P-256", { subject: "/CN=Intermediate" }, {
    isCA: true,
    duration: "24h",
  });
  assert.match(intermediate.text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
  assert.match(
    intermediate.text,
    /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Certificate Sign\n/,
  );
  await verify(dir, root.certPem, intermediate.leafPath);

  const intermediateCa = {
    caCertPem: intermediate.chainPem + root.certPem,
    caKeyPem: await Deno.readTextFile(intermediate.keyPath),
  };
  const leaf = await issue(dir, intermediateCa, "ed25519", {
    subject: "/CN=leaf",
    extensions: ["subjectAltName=DNS:leaf.example"],
  }, { usages: ["server auth"] });
  const chain = decodePem(leaf.chainPem);
  assert.equal(chain.length, 2, "leaf and intermediate, no root");
  assert.deepEqual(chain[1]?.der, decodePem(intermediate.chainPem)[0]?.der);
  assert.equal(leaf.caPem, root.certPem);
  const untrusted = dir.file("untrusted.pem");
  await Deno.writeTextFile(untrusted, intermediate.chainPem);
  await verify(dir, root.certPem, leaf.leafPath, "-untrusted", untrusted);

  // Without its root in the bundle, the intermediate is the CA and stays in the chain.
  const withoutRoot = await issue(
    dir,
    { ...intermediateCa, caCertPem: intermediate.chainPem },
    "P-256",
    {},
  );
  assert.equal(decodePem(withoutRoot.chainPem).length, 2);
  assert.equal(withoutRoot.caPem, intermediate.chainPem);
});

Deno.test("signCertificate() writes a CA's path length (0 included) and no path length for a leaf", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const { csrPem } = await opensslCsr(dir, "P-256");
  const text = async (isCA: boolean, maxPathLen: number) => {
    const details = certificateDetailsFromCertificateRequest({
      spec: { request: btoa(csrPem), isCA },
    });
    const template = await certificateTemplate({ ...details, maxPathLen }, NOW);
    const { chainPem } = await signCertificate(template, pair(ca));
    const path = dir.file(`${isCA}-${maxPathLen}.pem`);
    await Deno.writeTextFile(path, chainPem);
    return await openssl(["x509", "-in", path, "-noout", "-ext", "basicConstraints"]);
  };
  assert.match(await text(true, 0), /critical\n\s+CA:TRUE, pathlen:0\n/);
  assert.match(await text(true, 3), /critical\n\s+CA:TRUE, pathlen:3\n/);
  assert.match(await text(false, 3), /critical\n\s+CA:FALSE\n/);
});
