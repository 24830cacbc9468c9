import { strict as assert } from "node:assert";
import { openssl, opensslCsr, sec1Without, tempDir } from "./_test_openssl.ts";
import { issue, NOW, SANS, verify } from "./_test_signing.ts";
import { certificateDetailsFromCertificateRequest } from "./certificate_details.ts";
import { certificateTemplate } from "./certificate_template.ts";
import { InvalidCaError } from "./errors.ts";
import { generateCa } from "./generate_ca.ts";
import { signCertificate } from "./sign_with_ca.ts";

Deno.test("signCertificate() signs with a CA made by openssl", async () => {
  await using dir = await tempDir();
  for (
    const algorithm of [["RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["ED25519"], [
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-384",
    ]]
  ) {
    const keyPath = dir.file(`ca-${algorithm[0]}.key`);
    const certPath = dir.file(`ca-${algorithm[0]}.pem`);
    await openssl(["genpkey", "-algorithm", ...algorithm, "-out", keyPath]);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-subj",
      "/O=Acme/CN=OpenSSL CA",
      "-days",
      "3650",
      "-set_serial",
      "1",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-out",
      certPath,
    ]);
    const ca = {
      caCertPem: await Deno.readTextFile(certPath),
      caKeyPem: await Deno.readTextFile(keyPath),
    };
    const issued = await issue(dir, ca, "P-256", { subject: "/CN=web", extensions: [SANS] });
    await verify(dir, ca.caCertPem, issued.leafPath);
  }
});

Deno.test("signCertificate() signs with CA keys in every format cert-manager writes", async () => {
  await using dir = await tempDir();
  const cases: [string, string[], ((pem: string) => string)?][] = [
    ["PKCS#1 RSA", ["genrsa", "-traditional", "2048"]],
    ["SEC1 P-256", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"]],
    ["SEC1 P-384 after EC PARAMETERS", ["ecparam", "-name", "secp384r1", "-genkey"]],
    ["SEC1 P-521", ["ecparam", "-name", "secp521r1", "-genkey", "-noout"]],
    ["SEC1 P-256 without parameters or public key", [
      "ecparam",
      "-name",
      "prime256v1",
      "-genkey",
      "-noout",
    ], (pem) => sec1Without(pem, "both")],
    ["PKCS#8 Ed25519", ["genpkey", "-algorithm", "ed25519"]],
    ["PKCS#8 RSA", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]],
  ];
  for (const [name, args, rewrite] of cases) {
    const keyPath = dir.file("ca.key");
    const certPath = dir.file("ca.pem");
    await openssl([args[0]!, "-out", keyPath, ...args.slice(1)]);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-subj",
      `/CN=${name}`,
      "-days",
      "3650",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
      "-out",
      certPath,
    ]);
    const keyPem = await Deno.readTextFile(keyPath);
    const ca = {
      caCertPem: await Deno.readTextFile(certPath),
      caKeyPem: rewrite ? rewrite(keyPem) : keyPem,
    };
    const issued = await issue(dir, ca, "P-256", { subject: "/CN=web", extensions: [SANS] });
    await verify(dir, ca.caCertPem, issued.leafPath);
  }
});

Deno.test("signCertificate() refuses a CA that cannot sign, with the reason", async () => {
  await using dir = await tempDir();
  const ca = await generateCa({ commonName: "CA", now: NOW });
  const other = await generateCa({ commonName: "Other", now: NOW });
  const { csrPem } = await opensslCsr(dir, "P-256");
  const template = await certificateTemplate(
    certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem) } }),
    NOW,
  );
  const refuses = (caCertPem: string, caKeyPem: string, message: RegExp) =>
    assert.rejects(() => signCertificate(template, { caCertPem, caKeyPem }), (error: unknown) => {
      assert.ok(error instanceof InvalidCaError, String(error));
      assert.match(error.message, message);
      return true;
    });

  await refuses(
    ca.certPem,
    other.keyPem,
    /^the CA private key does not belong to the CA certificate "CN=CA"$/,
  );
  await refuses("", ca.keyPem, /^the CA certificate holds no PEM block$/);
  await refuses(csrPem, ca.keyPem, /PEM block 1 of the CA certificate is a "CERTIFICATE REQUEST"/);
  await refuses(ca.certPem, "", /^the CA private key holds no PEM block$/);
  await refuses(
    ca.certPem,
    csrPem,
    /^the CA private key is a "CERTIFICATE REQUEST" PEM block; expected "PRIVATE KEY" \(PKCS#8\), "RSA PRIVATE KEY" \(PKCS#1\) or "EC PRIVATE KEY" \(SEC1\)$/,
  );
  await refuses(
    other.certPem + ca.certPem,
    other.keyPem,
    /not one chain in order: certificate 1 \("CN=Other"\) was not issued by certificate 2 \("CN=CA"\)/,
  );

  const leafKey = dir.file("leaf.key");
  const leafCert = dir.file("leaf.pem");
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    leafKey,
  ]);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    leafKey,
    "-subj",
    "/CN=leaf",
    "-addext",
    "basicConstraints=CA:FALSE",
    "-out",
    leafCert,
  ]);
  const leafPem = await Deno.readTextFile(leafCert);
  const leafKeyPem = await Deno.readTextFile(leafKey);
  await refuses(
    leafPem,
    leafKeyPem,
    /^the CA certificate "CN=leaf" is not a CA: it lacks basicConstraints CA:TRUE$/,
  );

  // The key-match check holds for every key format.
  const sec1 = await openssl(["ec", "-in", leafKey]);
  await refuses(
    ca.certPem,
    sec1,
    /^the CA private key does not belong to the CA certificate "CN=CA"$/,
  );
  await refuses(
    ca.certPem,
    sec1Without(sec1, "both"),
    /^the CA private key does not belong to the CA certificate "CN=CA"$/,
  );
  const rsaKey = dir.file("rsa.key");
  await openssl(["genrsa", "-traditional", "-out", rsaKey, "2048"]);
  await refuses(
    ca.certPem,
    await Deno.readTextFile(rsaKey),
    /^the CA private key does not belong to the CA certificate "CN=CA"$/,
  );

  const noSignKey = dir.file("nosign.pem");
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    leafKey,
    "-subj",
    "/CN=nosign",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-out",
    noSignKey,
  ]);
  await refuses(
    await Deno.readTextFile(noSignKey),
    leafKeyPem,
    /may not sign certificates: its key usage lacks keyCertSign/,
  );
});
