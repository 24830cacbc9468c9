import { strict as assert } from "node:assert";
import {
  approvalTime,
  creationTime,
  isApproved,
  isDeniedByApprover,
  isFailed,
  isFinishedDenied,
  isReady,
  requestCsrPem,
  requestKey,
} from "./request.ts";
import { cr1, csr1, CSR_PEM, T1, T1ms, T2 } from "./_test_fixtures.ts";

const c = (type: string, status: "True" | "False" | "Unknown", reason?: string) => ({
  type,
  status,
  ...(reason !== undefined ? { reason } : {}),
});

Deno.test("§6.1 predicates for CertificateRequests", () => {
  type P = (r: ReturnType<typeof cr1>) => boolean;
  const rows: [string, ReturnType<typeof c>[], P, boolean][] = [
    ["approved: Approved=True", [c("Approved", "True")], isApproved, true],
    ["approved: Approved=False is not", [c("Approved", "False")], isApproved, false],
    ["denied by approver: Denied=True", [c("Denied", "True")], isDeniedByApprover, true],
    ["denied by approver: Denied=False is not", [c("Denied", "False")], isDeniedByApprover, false],
    [
      "finished denied: Ready=False/Denied",
      [c("Ready", "False", "Denied")],
      isFinishedDenied,
      true,
    ],
    ["finished denied: not the approver's Denied", [c("Denied", "True")], isFinishedDenied, false],
    ["ready: Ready=True, any reason", [c("Ready", "True", "Whatever")], isReady, true],
    ["ready: Ready=False is not", [c("Ready", "False", "Pending")], isReady, false],
    ["failed: Ready=False/Failed", [c("Ready", "False", "Failed")], isFailed, true],
    ["failed: Ready=False/Pending is not", [c("Ready", "False", "Pending")], isFailed, false],
  ];
  for (const [name, conditions, predicate, want] of rows) {
    assert.equal(predicate(cr1({ conditions })), want, name);
  }
});

Deno.test("§6.1 predicates for CertificateSigningRequests (any status counts)", () => {
  type P = (r: ReturnType<typeof csr1>) => boolean;
  const rows: [string, ReturnType<typeof c>[], string | undefined, P, boolean][] = [
    ["approved: Approved of any status", [c("Approved", "False")], undefined, isApproved, true],
    ["approved: none", [], undefined, isApproved, false],
    ["denied: Denied of any status", [c("Denied", "False")], undefined, isFinishedDenied, true],
    [
      "never denied by approver (CR only)",
      [c("Denied", "True")],
      undefined,
      isDeniedByApprover,
      false,
    ],
    ["failed: Failed of any status", [c("Failed", "Unknown")], undefined, isFailed, true],
    ["ready: a certificate", [], "Y2VydA==", isReady, true],
    ["ready: an empty certificate is not", [], "", isReady, false],
  ];
  for (const [name, conditions, certificate, predicate, want] of rows) {
    const request = csr1({ conditions, ...(certificate !== undefined ? { certificate } : {}) });
    assert.equal(predicate(request), want, name);
  }
});

Deno.test("request times, key and CSR", () => {
  assert.equal(creationTime(cr1()), undefined);
  assert.equal(creationTime(cr1({ creationTimestamp: T1 })), T1ms);
  assert.equal(approvalTime(cr1()), T1ms);
  assert.equal(
    approvalTime(
      cr1({ conditions: [{ type: "Approved", status: "False", lastTransitionTime: T2 }] }),
    ),
    undefined,
  );
  assert.equal(
    approvalTime(csr1({ conditions: [{ type: "Approved", status: "True", lastUpdateTime: T1 }] })),
    T1ms,
  );
  assert.equal(requestKey(cr1()), "ns1/cr1");
  assert.equal(requestKey(csr1()), "/cr1");
  assert.equal(requestCsrPem(cr1()), CSR_PEM);
  const broken = cr1();
  broken.object.spec.request = "%%%";
  assert.equal(requestCsrPem(broken), "");
});
