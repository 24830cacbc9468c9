import { strict as assert } from "node:assert";
import { opensslCsr, type OpensslCsrOptions, type TempDir, tempDir } from "./_test_openssl.ts";
import {
  type CertificateDetails,
  certificateDetailsFromCertificateRequest,
  certificateDetailsFromCertificateSigningRequest,
  REQUEST_IS_CA_ANNOTATION,
} from "./certificate_details.ts";
import { certificateTemplate } from "./certificate_template.ts";
import { parseCsr } from "./csr.ts";
import { CsrMismatchError, InvalidCsrError } from "./errors.ts";
import { ExtKeyUsageOid, KeyUsageBit } from "./usages.ts";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const fill = (value: number) => (buffer: Uint8Array) => buffer.fill(value);

async function details(
  dir: TempDir,
  csr: OpensslCsrOptions,
  spec: { duration?: string; isCA?: boolean; usages?: string[] } = {},
): Promise<CertificateDetails> {
  const { csrPem } = await opensslCsr(dir, "P-256", csr);
  return certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem), ...spec } });
}

async function rejectsMismatch(
  detailsPromise: Promise<CertificateDetails>,
  field: CsrMismatchError["field"],
  message: string,
): Promise<void> {
  const value = await detailsPromise;
  await assert.rejects(() => certificateTemplate(value, NOW), (error: unknown) => {
    assert.ok(error instanceof CsrMismatchError, String(error));
    assert.equal(error.field, field);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("certificateTemplate() takes subject, names and key from the CSR and validity from now", async () => {
  await using dir = await tempDir();
  const { csrPem } = await opensslCsr(dir, "P-384", {
    subject: "/O=Acme/CN=web",
    extensions: [
      "subjectAltName=DNS:web.example,IP:192.0.2.1,URI:https://web.example/,email:a@web.example",
    ],
  });
  const csr = await parseCsr(csrPem);
  const value = certificateDetailsFromCertificateRequest({
    spec: { request: btoa(csrPem), duration: "1h", usages: ["digital signature", "server auth"] },
  });
  const template = await certificateTemplate(value, NOW, { randomBytes: fill(0x11) });
  assert.deepEqual(template, {
    serialNumber: "11".repeat(16),
    subject: "O=Acme, CN=web",
    subjectDer: csr.subjectDer,
    publicKey: csr.publicKey,
    dnsNames: ["web.example"],
    ipAddresses: ["192.0.2.1"],
    uris: ["https://web.example/"],
    emailAddresses: ["a@web.example"],
    notBefore: NOW,
    notAfter: NOW + HOUR,
    isCA: false,
    keyUsage: KeyUsageBit.digitalSignature,
    extKeyUsage: [ExtKeyUsageOid.serverAuth],
    unknownExtKeyUsage: [],
    subjectAltName: { critical: false, value: csr.requestedExtensions.subjectAltName!.value },
  });
});

Deno.test("certificateTemplate() draws a positive serial of at most 16 octets", async () => {
  await using dir = await tempDir();
  const value = await details(dir, {});
  assert.equal(
    (await certificateTemplate(value, NOW, { randomBytes: fill(0xff) })).serialNumber,
    "7f" + "ff".repeat(15),
  );
  assert.equal(
    (await certificateTemplate(value, NOW, { randomBytes: fill(0) })).serialNumber,
    "01",
  );
  const highAfterZero = (buffer: Uint8Array) => buffer.set([0x80, 0xf8, 0x01]);
  assert.equal(
    (await certificateTemplate(value, NOW, { randomBytes: highAfterZero })).serialNumber,
    "00f801" + "00".repeat(13),
  );
  const serials = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const { serialNumber } = await certificateTemplate(value, NOW);
    assert.match(serialNumber, /^(00[89a-f][0-9a-f]|0[1-9a-f]|[1-7][0-9a-f])([0-9a-f]{2})*$/);
    assert.ok(serialNumber.length <= 32);
    serials.add(serialNumber);
  }
  assert.equal(serials.size, 50);
});

Deno.test("certificateTemplate() marks the SAN extension critical exactly when the subject is empty", async () => {
  await using dir = await tempDir();
  const empty = await certificateTemplate(
    await details(dir, { subject: "/", extensions: ["subjectAltName=DNS:web.example"] }),
    NOW,
  );
  assert.equal(empty.subject, "");
  assert.equal(empty.subjectAltName?.critical, true);
  const named = await certificateTemplate(
    await details(dir, {
      subject: "/CN=web",
      extensions: ["subjectAltName=critical,DNS:web.example"],
    }),
    NOW,
  );
  assert.equal(named.subjectAltName?.critical, false);
  const none = await certificateTemplate(await details(dir, { subject: "/CN=web" }), NOW);
  assert.equal(none.subjectAltName, undefined);
});

Deno.test("certificateTemplate() rejects a CSR asking to be a CA when the request does not", async () => {
  await using dir = await tempDir();
  await rejectsMismatch(
    details(dir, { extensions: ["basicConstraints=critical,CA:TRUE"] }),
    "isCA",
    "encoded CSR error: IsCA true does not match expected value false",
  );
});

Deno.test("certificateTemplate() rejects a CSR asking not to be a CA when the request does", async () => {
  await using dir = await tempDir();
  await rejectsMismatch(
    details(dir, { extensions: ["basicConstraints=CA:FALSE"] }, { isCA: true }),
    "isCA",
    "encoded CSR error: IsCA false does not match expected value true",
  );
});

Deno.test("certificateTemplate() issues a CA when both agree, or when the CSR does not say", async () => {
  await using dir = await tempDir();
  const agreed = await certificateTemplate(
    await details(dir, {
      extensions: [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment",
      ],
    }, { isCA: true }),
    NOW,
  );
  assert.equal(agreed.isCA, true);
  assert.equal(agreed.maxPathLen, undefined);
  assert.equal(
    agreed.keyUsage,
    KeyUsageBit.certSign | KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
  );
  const silent = await certificateTemplate(await details(dir, {}, { isCA: true }), NOW);
  assert.equal(silent.isCA, true);
});

Deno.test("certificateTemplate() takes maxPathLen from the details only", async () => {
  await using dir = await tempDir();
  const value = await details(dir, {}, { isCA: true });
  assert.equal((await certificateTemplate({ ...value, maxPathLen: 0 }, NOW)).maxPathLen, 0);
  assert.equal((await certificateTemplate({ ...value, maxPathLen: 2 }, NOW)).maxPathLen, 2);
});

Deno.test("certificateTemplate() rejects a CSR whose key usages differ from the request's", async () => {
  await using dir = await tempDir();
  await rejectsMismatch(
    details(dir, { extensions: ["keyUsage=digitalSignature"] }),
    "keyUsage",
    "encoded CSR error: the KeyUsages [ 'digital signature' ] do not match the expected KeyUsages [ 'digital signature', 'key encipherment' ]",
  );
  await rejectsMismatch(
    details(dir, { extensions: ["extendedKeyUsage=serverAuth"] }),
    "keyUsage",
    "encoded CSR error: the KeyUsages [] do not match the expected KeyUsages [ 'digital signature', 'key encipherment' ]",
  );
});

Deno.test("certificateTemplate() rejects a CSR whose extended key usages differ, order included", async () => {
  await using dir = await tempDir();
  const usages = ["digital signature", "key encipherment", "server auth", "client auth"];
  await rejectsMismatch(
    details(dir, {
      extensions: [
        "keyUsage=digitalSignature,keyEncipherment",
        "extendedKeyUsage=clientAuth,serverAuth",
      ],
    }, { usages }),
    "extKeyUsage",
    "encoded CSR error: the ExtKeyUsages [ 'client auth', 'server auth' ] do not match the expected ExtKeyUsages [ 'server auth', 'client auth' ]",
  );
  await rejectsMismatch(
    details(dir, { extensions: ["keyUsage=digitalSignature,keyEncipherment"] }, { usages }),
    "extKeyUsage",
    "encoded CSR error: the ExtKeyUsages [] do not match the expected ExtKeyUsages [ 'server auth', 'client auth' ]",
  );
});

Deno.test("certificateTemplate() keeps the CSR's unknown EKUs and its name constraints", async () => {
  await using dir = await tempDir();
  const template = await certificateTemplate(
    await details(dir, {
      extensions: [
        "keyUsage=digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth,1.2.3.4",
        "nameConstraints=critical,permitted;DNS:.example.com",
      ],
    }, { usages: ["digital signature", "key encipherment", "server auth"] }),
    NOW,
  );
  assert.deepEqual(template.extKeyUsage, [ExtKeyUsageOid.serverAuth]);
  assert.deepEqual(template.unknownExtKeyUsage, ["1.2.3.4"]);
  assert.equal(template.nameConstraints?.critical, true);
});

Deno.test("certificateTemplate() applies the Kubernetes CSR rules (isCA without cert sign)", async () => {
  await using dir = await tempDir();
  const { csrPem } = await opensslCsr(dir, "ed25519", {
    extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
  });
  const template = await certificateTemplate(
    certificateDetailsFromCertificateSigningRequest({
      metadata: { annotations: { [REQUEST_IS_CA_ANNOTATION]: "true" } },
      spec: { request: btoa(csrPem), usages: ["cert sign", "crl sign"], expirationSeconds: 3600 },
    }),
    NOW,
  );
  assert.equal(template.isCA, true);
  assert.equal(template.keyUsage, KeyUsageBit.certSign | KeyUsageBit.crlSign);
  assert.equal(template.notAfter - template.notBefore, HOUR);
});

Deno.test("certificateTemplate() passes CSR errors on and checks its arguments", async () => {
  const broken: CertificateDetails = {
    csr: new TextEncoder().encode("garbage"),
    duration: HOUR,
    isCA: false,
    keyUsage: 0,
    extKeyUsage: [],
  };
  await assert.rejects(() => certificateTemplate(broken, NOW), InvalidCsrError);
  await assert.rejects(() => certificateTemplate(broken, Number.NaN), {
    name: "RangeError",
    message: "now must be a finite number, got NaN",
  });
  await assert.rejects(
    () => certificateTemplate({ ...broken, duration: Infinity }, NOW),
    RangeError,
  );
});
