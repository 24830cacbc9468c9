import { strict as assert } from "node:assert";
import { PermanentError } from "./errors.ts";
import { signResultProblem } from "./sign_result.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

Deno.test("difference #8: sign output is checked before it is written", () => {
  const rows: [string, Parameters<typeof signResultProblem>, string | undefined][] = [
    ["a chain", [{ chainPem: PEM }, "CertificateRequest", "", undefined], undefined],
    [
      "empty chain",
      [{ chainPem: "" }, "CertificateRequest", "", undefined],
      "sign returned an empty certificate chain",
    ],
    [
      "blank chain",
      [{ chainPem: " \n" }, "CertificateSigningRequest", "", undefined],
      "sign returned an empty certificate chain",
    ],
    [
      "no certificate block",
      [{ chainPem: "hello" }, "CertificateRequest", "", undefined],
      "sign returned a certificate chain without a PEM CERTIFICATE block",
    ],
    [
      "reserved CR condition",
      [
        {
          chainPem: PEM,
          conditions: [{ type: "Ready", status: "True", reason: "R", message: "" }],
        },
        "CertificateRequest",
        "",
        undefined,
      ],
      'sign returned a condition of type "Ready", which the library or the approver sets on a CertificateRequest',
    ],
    [
      "reserved CSR condition",
      [
        {
          chainPem: PEM,
          conditions: [{ type: "Failed", status: "True", reason: "R", message: "" }],
        },
        "CertificateSigningRequest",
        "",
        undefined,
      ],
      'sign returned a condition of type "Failed", which the library or the approver sets on a CertificateSigningRequest',
    ],
    [
      "bad condition status",
      [
        {
          chainPem: PEM,
          conditions: [{ type: "X", status: "Yes" as "True", reason: "R", message: "" }],
        },
        "CertificateRequest",
        "",
        undefined,
      ],
      'sign returned condition "X" with status "Yes"; want "True", "False" or "Unknown"',
    ],
    [
      "validator rejects the leaf key",
      [{ chainPem: PEM }, "CertificateRequest", "csr", () => {
        throw new Error("the leaf certificate's public key is not the CSR's public key");
      }],
      "sign returned an unusable certificate chain: the leaf certificate's public key is not the CSR's public key",
    ],
    ["validator accepts", [{ chainPem: PEM }, "CertificateRequest", "csr", () => {}], undefined],
  ];
  for (const [name, args, message] of rows) {
    const problem = signResultProblem(...args);
    if (message === undefined) assert.equal(problem, undefined, name);
    else {
      assert.ok(problem instanceof PermanentError, name);
      assert.equal(problem.message, message, name);
    }
  }
});

Deno.test("difference #8: the validator sees the chain and the CSR PEM", () => {
  const seen: string[] = [];
  signResultProblem({ chainPem: PEM }, "CertificateRequest", "CSR-PEM", (chain, csr) => {
    seen.push(chain, csr);
  });
  assert.deepEqual(seen, [PEM, "CSR-PEM"]);
});
