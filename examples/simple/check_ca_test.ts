import { strict as assert } from "node:assert";
import {
  certificateDetailsFromCertificateSigningRequest,
  certificateTemplate,
  generateCa,
  generateCsr,
  InvalidCaError,
  signCertificate,
} from "@certkit/issuer-lib";
import { CaNotYetValidError, checkCa } from "./check_ca.ts";

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

/** An intermediate CA signed by a root: the chain (intermediate, root) and its key. */
async function intermediate() {
  const root = await generateCa({ commonName: "Root", now: NOW - DAY });
  const { csrPem, keyPem } = await generateCsr({ subject: "CN=Intermediate" });
  const details = certificateDetailsFromCertificateSigningRequest({
    metadata: { annotations: { "experimental.cert-manager.io/request-is-ca": "true" } },
    spec: { request: btoa(csrPem), usages: ["cert sign", "crl sign"] },
  });
  const { chainPem } = await signCertificate(await certificateTemplate(details, NOW - DAY), {
    caCertPem: root.certPem,
    caKeyPem: root.keyPem,
  });
  return { chainPem, rootPem: root.certPem, keyPem };
}

Deno.test("checkCa: an intermediate CA followed by its root passes", async () => {
  const { chainPem, rootPem, keyPem } = await intermediate();
  await checkCa({ caCertPem: chainPem + rootPem, caKeyPem: keyPem }, NOW);
});

Deno.test("checkCa: a bundle whose certificates are out of order cannot sign", async () => {
  const { chainPem, rootPem, keyPem } = await intermediate();
  await assert.rejects(
    checkCa({ caCertPem: rootPem + chainPem, caKeyPem: keyPem }, NOW),
    InvalidCaError,
  );
});

Deno.test("checkCa: the validity period is that of the issuing certificate", async () => {
  const { chainPem, keyPem } = await intermediate();
  const ca = { caCertPem: chainPem, caKeyPem: keyPem };
  await assert.rejects(checkCa(ca, NOW - 2 * DAY), CaNotYetValidError);
  await checkCa(ca, NOW + 89 * DAY);
  await assert.rejects(checkCa(ca, NOW + 90 * DAY), /expired at 2030-03-31T00:00:00Z$/);
});
