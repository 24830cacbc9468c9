import { strict as assert } from "node:assert";
import {
  certificateDetailsFromCertificateRequest,
  certificateDetailsFromCertificateSigningRequest,
  DEFAULT_CERTIFICATE_DURATION_MS,
  REQUEST_DURATION_ANNOTATION,
  REQUEST_IS_CA_ANNOTATION,
} from "./certificate_details.ts";
import { InvalidCsrError, InvalidDurationError, UnknownUsageError } from "./errors.ts";
import { ExtKeyUsageOid, KeyUsageBit } from "./usages.ts";

const PEM = "-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n";
const REQUEST = btoa(PEM);
const HOUR = 60 * 60 * 1000;
const DEFAULT_KU = KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment;

Deno.test("CertificateRequest details: the CSR is spec.request decoded, not yet parsed", () => {
  const details = certificateDetailsFromCertificateRequest({ spec: { request: REQUEST } });
  assert.equal(new TextDecoder().decode(details.csr), PEM);
  assert.deepEqual(
    { ...details, csr: undefined },
    {
      csr: undefined,
      duration: DEFAULT_CERTIFICATE_DURATION_MS,
      isCA: false,
      keyUsage: DEFAULT_KU,
      extKeyUsage: [],
    },
  );
  assert.equal(DEFAULT_CERTIFICATE_DURATION_MS, 2160 * HOUR);
  assert.ok(!("maxPathLen" in details));
});

Deno.test("CertificateRequest details: spec.duration is a Go duration", () => {
  for (
    const [text, ms] of [["2160h0m0s", 2160 * HOUR], ["1h30m", 1.5 * HOUR], [
      "90s",
      90_000,
    ]] as const
  ) {
    const details = certificateDetailsFromCertificateRequest({
      spec: { request: REQUEST, duration: text },
    });
    assert.equal(details.duration, ms, text);
  }
});

Deno.test("CertificateRequest details: a bad spec.duration is a permanent error naming the field", () => {
  assert.throws(
    () => certificateDetailsFromCertificateRequest({ spec: { request: REQUEST, duration: "1d" } }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidDurationError);
      assert.equal(error.value, "1d");
      assert.equal(
        error.message,
        'failed to parse requested duration on spec.duration: time: unknown unit "d" in duration "1d"',
      );
      assert.ok(error.cause instanceof SyntaxError);
      return true;
    },
  );
});

Deno.test("CertificateRequest details: isCA adds cert sign to the usages", () => {
  const details = certificateDetailsFromCertificateRequest({
    spec: { request: REQUEST, isCA: true, usages: ["server auth", "client auth"] },
  });
  assert.equal(details.isCA, true);
  assert.equal(details.keyUsage, KeyUsageBit.certSign);
  assert.deepEqual(details.extKeyUsage, [ExtKeyUsageOid.serverAuth, ExtKeyUsageOid.clientAuth]);
  const defaults = certificateDetailsFromCertificateRequest({
    spec: { request: REQUEST, isCA: true },
  });
  assert.equal(defaults.keyUsage, DEFAULT_KU | KeyUsageBit.certSign);
});

Deno.test("CertificateRequest details: unknown usages are a permanent error", () => {
  assert.throws(
    () =>
      certificateDetailsFromCertificateRequest({
        spec: { request: REQUEST, usages: ["fly", "server auth"] },
      }),
    { name: "UnknownUsageError", message: "unknown key usages: [fly]" },
  );
});

Deno.test("CertificateRequest details: spec.request that is not base64 is an invalid CSR", () => {
  assert.throws(
    () => certificateDetailsFromCertificateRequest({ spec: { request: "not base64!" } }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidCsrError);
      assert.equal(error.reason, "NotBase64");
      assert.match(error.message, /^spec\.request is not valid base64/);
      return true;
    },
  );
  const empty = certificateDetailsFromCertificateRequest({});
  assert.equal(empty.csr.length, 0);
});

Deno.test("CertificateSigningRequest details: defaults", () => {
  const details = certificateDetailsFromCertificateSigningRequest({ spec: { request: REQUEST } });
  assert.equal(new TextDecoder().decode(details.csr), PEM);
  assert.equal(details.duration, DEFAULT_CERTIFICATE_DURATION_MS);
  assert.equal(details.isCA, false);
  assert.equal(details.keyUsage, DEFAULT_KU);
  assert.deepEqual(details.extKeyUsage, []);
});

Deno.test("CertificateSigningRequest details: expirationSeconds sets the duration, with no minimum", () => {
  for (const seconds of [600, 3600, 1]) {
    const details = certificateDetailsFromCertificateSigningRequest({
      spec: { request: REQUEST, expirationSeconds: seconds },
    });
    assert.equal(details.duration, seconds * 1000);
  }
});

Deno.test("CertificateSigningRequest details: the duration annotation wins over expirationSeconds", () => {
  const cases: [string, number][] = [["1h", HOUR], ["90m", 1.5 * HOUR], ["1h30m", 1.5 * HOUR], [
    "1s",
    1000,
  ]];
  for (const [text, ms] of cases) {
    const details = certificateDetailsFromCertificateSigningRequest({
      metadata: { annotations: { [REQUEST_DURATION_ANNOTATION]: text } },
      spec: { request: REQUEST, expirationSeconds: 7200 },
    });
    assert.equal(details.duration, ms, text);
  }
  assert.equal(REQUEST_DURATION_ANNOTATION, "experimental.cert-manager.io/request-duration");
});

Deno.test("CertificateSigningRequest details: a bad duration annotation is a permanent error with cert-manager's text", () => {
  const cases: [string, string][] = [
    ["abc", 'time: invalid duration "abc"'],
    ["", 'time: invalid duration ""'],
    ["10", 'time: missing unit in duration "10"'],
    ["2d", 'time: unknown unit "d" in duration "2d"'],
  ];
  for (const [value, parseError] of cases) {
    assert.throws(
      () =>
        certificateDetailsFromCertificateSigningRequest({
          metadata: { annotations: { [REQUEST_DURATION_ANNOTATION]: value } },
          spec: { request: REQUEST, expirationSeconds: 3600 },
        }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidDurationError);
        assert.equal(
          error.message,
          `failed to parse requested duration on annotation "experimental.cert-manager.io/request-duration": ${parseError}`,
        );
        return true;
      },
      value,
    );
  }
});

Deno.test("CertificateSigningRequest details: isCA only for the annotation value exactly true", () => {
  const isCA = (value: string | undefined) =>
    certificateDetailsFromCertificateSigningRequest({
      metadata: { annotations: value === undefined ? {} : { [REQUEST_IS_CA_ANNOTATION]: value } },
      spec: { request: REQUEST },
    }).isCA;
  assert.equal(isCA("true"), true);
  for (const value of [undefined, "True", "TRUE", "yes", "1", " true", ""]) {
    assert.equal(isCA(value), false, String(value));
  }
  assert.equal(REQUEST_IS_CA_ANNOTATION, "experimental.cert-manager.io/request-is-ca");
});

Deno.test("CertificateSigningRequest details: isCA does not add cert sign", () => {
  const details = certificateDetailsFromCertificateSigningRequest({
    metadata: { annotations: { [REQUEST_IS_CA_ANNOTATION]: "true" } },
    spec: { request: REQUEST, usages: ["cert sign", "crl sign", "digital signature"] },
  });
  assert.equal(
    details.keyUsage,
    KeyUsageBit.certSign | KeyUsageBit.crlSign | KeyUsageBit.digitalSignature,
  );
  const defaults = certificateDetailsFromCertificateSigningRequest({
    metadata: { annotations: { [REQUEST_IS_CA_ANNOTATION]: "true" } },
    spec: { request: REQUEST },
  });
  assert.equal(defaults.keyUsage, DEFAULT_KU);
});

Deno.test("CertificateSigningRequest details: unknown usages are a permanent error", () => {
  assert.throws(
    () =>
      certificateDetailsFromCertificateSigningRequest({
        spec: { request: REQUEST, usages: ["server auth", "teleport", "digital signature", "x"] },
      }),
    (error: unknown) =>
      error instanceof UnknownUsageError && error.message === "unknown key usages: [teleport x]",
  );
});

Deno.test("CertificateSigningRequest details: the duration error comes before the usage error", () => {
  assert.throws(
    () =>
      certificateDetailsFromCertificateSigningRequest({
        metadata: { annotations: { [REQUEST_DURATION_ANNOTATION]: "soon" } },
        spec: { request: REQUEST, usages: ["fly"] },
      }),
    InvalidDurationError,
  );
});
