import { strict as assert } from "node:assert";
import {
  type CertificateRequestCondition,
  type CertificateSigningRequestCondition,
  findCondition,
  hasCondition,
  type IssuerCondition,
  setCertificateRequestCondition,
  setCertificateSigningRequestCondition,
  setIssuerCondition,
} from "./conditions.ts";

// Fixture of §13.1: existing and patch conditions carry old reason/message and
// lastTransitionTime T1; the clock reads T2.
const T1 = "2024-05-01T10:00:00Z";
const T2ms = Date.UTC(2024, 4, 1, 14, 0, 0);
const T2 = "2024-05-01T14:00:00Z";
const NEW = { reason: "NewReason", message: "NewMessage" };

function cr(type: string, status: "True" | "False"): CertificateRequestCondition {
  return { type, status, reason: "OldReason", message: "OldMessage", lastTransitionTime: T1 };
}
function csr(type: string, status: "True" | "False"): CertificateSigningRequestCondition {
  return { ...cr(type, status), lastUpdateTime: T1 };
}
function iss(type: string, status: "True" | "False"): IssuerCondition {
  return {
    type,
    status,
    reason: "OldReason",
    message: "OldMessage",
    lastTransitionTime: T1,
    observedGeneration: 7,
  };
}

Deno.test("13.1.1 CR: same status appends with lastTransitionTime kept", () => {
  const r = setCertificateRequestCondition([], [cr("Ready", "True")], {
    type: "Ready",
    status: "True",
    ...NEW,
  }, T2ms);
  assert.deepEqual(r.conditions, [{
    type: "Ready",
    status: "True",
    ...NEW,
    lastTransitionTime: T1,
  }]);
  assert.equal(r.time, T2);
});

Deno.test("13.1.2 CR: status change appends with lastTransitionTime now", () => {
  const r = setCertificateRequestCondition([], [cr("Ready", "True")], {
    type: "Ready",
    status: "False",
    ...NEW,
  }, T2ms);
  assert.deepEqual(r.conditions, [{
    type: "Ready",
    status: "False",
    ...NEW,
    lastTransitionTime: T2,
  }]);
  assert.equal(r.time, T2);
});

Deno.test("13.1.3 CR: an entry already in the patch is replaced in place", () => {
  const patch = [cr("Ready", "True")];
  const r = setCertificateRequestCondition(patch, [cr("Ready", "True")], {
    type: "Ready",
    status: "True",
    ...NEW,
  }, T2ms);
  assert.deepEqual(r.conditions, [{
    type: "Ready",
    status: "True",
    ...NEW,
    lastTransitionTime: T1,
  }]);
  assert.deepEqual(patch, [cr("Ready", "True")], "the input patch is not modified");
});

Deno.test("13.1.4 CR: another type is appended, the patch's Ready untouched", () => {
  const r = setCertificateRequestCondition(
    [cr("Ready", "True")],
    [cr("Ready", "True")],
    { type: "Approved", status: "True", ...NEW },
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    cr("Ready", "True"),
    { type: "Approved", status: "True", ...NEW, lastTransitionTime: T2 },
  ]);
});

Deno.test("13.1.5 CSR: same status keeps lastTransitionTime, lastUpdateTime now", () => {
  const r = setCertificateSigningRequestCondition(
    [],
    [csr("Approved", "True")],
    { type: "Approved", status: "True", ...NEW },
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Approved", status: "True", ...NEW, lastUpdateTime: T2, lastTransitionTime: T1 },
  ]);
  assert.equal(r.time, T2);
});

Deno.test("13.1.6 CSR: status change sets both times now", () => {
  const r = setCertificateSigningRequestCondition(
    [],
    [csr("Approved", "True")],
    { type: "Approved", status: "False", ...NEW },
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Approved", status: "False", ...NEW, lastUpdateTime: T2, lastTransitionTime: T2 },
  ]);
});

Deno.test("13.1.7 CSR: an entry already in the patch is replaced in place", () => {
  const r = setCertificateSigningRequestCondition(
    [csr("Approved", "True")],
    [csr("Approved", "True")],
    { type: "Approved", status: "True", ...NEW },
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Approved", status: "True", ...NEW, lastUpdateTime: T2, lastTransitionTime: T1 },
  ]);
});

Deno.test("13.1.8 CSR: another type is appended with both times now", () => {
  const r = setCertificateSigningRequestCondition(
    [csr("Approved", "True")],
    [csr("Approved", "True")],
    { type: "Denied", status: "True", ...NEW },
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    csr("Approved", "True"),
    { type: "Denied", status: "True", ...NEW, lastUpdateTime: T2, lastTransitionTime: T2 },
  ]);
});

Deno.test("13.1.9 Issuer: same status keeps lastTransitionTime, new observedGeneration", () => {
  const r = setIssuerCondition(
    [],
    [iss("Ready", "True")],
    { type: "Ready", status: "True", ...NEW },
    8,
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Ready", status: "True", observedGeneration: 8, lastTransitionTime: T1, ...NEW },
  ]);
  assert.equal(r.time, T2);
});

Deno.test("13.1.10 Issuer: status change sets lastTransitionTime now", () => {
  const r = setIssuerCondition(
    [],
    [iss("Ready", "True")],
    { type: "Ready", status: "False", ...NEW },
    8,
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Ready", status: "False", observedGeneration: 8, lastTransitionTime: T2, ...NEW },
  ]);
});

Deno.test("13.1.11 Issuer: an entry already in the patch is replaced in place", () => {
  const r = setIssuerCondition(
    [iss("Ready", "True")],
    [iss("Ready", "True")],
    { type: "Ready", status: "True", ...NEW },
    8,
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    { type: "Ready", status: "True", observedGeneration: 8, lastTransitionTime: T1, ...NEW },
  ]);
});

Deno.test("13.1.12 Issuer: another type is appended, Ready unchanged", () => {
  const r = setIssuerCondition(
    [iss("Ready", "True")],
    [iss("Ready", "True")],
    { type: "AnotherCondition", status: "True", ...NEW },
    8,
    T2ms,
  );
  assert.deepEqual(r.conditions, [
    iss("Ready", "True"),
    {
      type: "AnotherCondition",
      status: "True",
      observedGeneration: 8,
      lastTransitionTime: T2,
      ...NEW,
    },
  ]);
});

Deno.test("conditions: observedGeneration 0 and empty reason/message are omitted (§5.1)", () => {
  const i = setIssuerCondition(
    [],
    [],
    { type: "Ready", status: "Unknown", reason: "R", message: "M" },
    0,
    T2ms,
  );
  assert.equal("observedGeneration" in i.condition, false);
  const c = setCertificateRequestCondition([], [], {
    type: "X",
    status: "True",
    reason: "",
    message: "",
  }, T2ms);
  assert.deepEqual(c.condition, { type: "X", status: "True", lastTransitionTime: T2 });
  const s = setCertificateSigningRequestCondition([], [], {
    type: "X",
    status: "True",
    reason: "",
    message: "",
  }, T2ms);
  assert.deepEqual(s.condition, {
    type: "X",
    status: "True",
    lastUpdateTime: T2,
    lastTransitionTime: T2,
  });
});

Deno.test("conditions: a current condition without a transition time gets now", () => {
  const r = setCertificateRequestCondition([], [{ type: "Ready", status: "True" }], {
    type: "Ready",
    status: "True",
    ...NEW,
  }, T2ms);
  assert.equal(r.condition.lastTransitionTime, T2);
});

Deno.test("conditions: a reason or message change alone keeps the transition time", () => {
  const r = setCertificateRequestCondition([], [cr("Ready", "False")], {
    type: "Ready",
    status: "False",
    reason: "Failed",
    message: "other",
  }, T2ms);
  assert.equal(r.condition.lastTransitionTime, T1);
});

Deno.test("findCondition and hasCondition look conditions up by type, status and reason", () => {
  const list = [cr("Approved", "True"), cr("Ready", "False")];
  assert.equal(findCondition(list, "Ready")?.status, "False");
  assert.equal(findCondition(list, "Denied"), undefined);
  assert.ok(hasCondition(list, "Ready", "False"));
  assert.ok(hasCondition(list, "Ready", "False", "OldReason"));
  assert.ok(!hasCondition(list, "Ready", "False", "Failed"));
  assert.ok(!hasCondition(undefined, "Ready", "False"));
});
