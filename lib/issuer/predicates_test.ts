// The predicate scenarios of spec §13.7 (update events only), one test each.
import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import {
  certificateRequestPredicate,
  certificateSigningRequestPredicate,
  issuerPredicate,
  linkedIssuerPredicate,
  resourceVersionChanged,
} from "./predicates.ts";
import { testIssuer } from "./_test_fixtures.ts";

type Cond = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
};

function cr(conditions: Cond[] = [], meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr", namespace: "ns", ...meta },
    status: { conditions },
  } as KubeObject;
}
function csr(conditions: Cond[] = [], meta: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: "csr", ...meta },
    status: { conditions },
  } as KubeObject;
}
function iss(
  conditions: Cond[] | undefined,
  meta: Partial<KubeObject["metadata"]> = {},
): KubeObject {
  return {
    apiVersion: testIssuer.apiVersion,
    kind: testIssuer.kind,
    metadata: { name: "issuer-1", namespace: "ns", generation: 80, ...meta },
    ...(conditions !== undefined ? { status: { conditions } } : {}),
  } as KubeObject;
}
const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } };
const c = (type: string, status: string, reason = "r", message = "m"): Cond => ({
  type,
  status,
  reason,
  message,
});

Deno.test("resourceVersionChanged drops resyncs and events missing an object (§1.5)", () => {
  const a = cr([], { resourceVersion: "1" });
  assert.equal(resourceVersionChanged(a, cr([], { resourceVersion: "2" })), true);
  assert.equal(resourceVersionChanged(a, cr([], { resourceVersion: "1" })), false);
  assert.equal(resourceVersionChanged(undefined, a), false);
  assert.equal(resourceVersionChanged(a, undefined), false);
});

const pCR = certificateRequestPredicate;
const crRows: [string, KubeObject | undefined, KubeObject | undefined, boolean][] = [
  ["88 new object missing", cr(), undefined, true],
  ["89 new object of another kind", cr(), configMap, true],
  ["90 only a label removed", cr([], { labels: { a: "b" } }), cr(), false],
  ["91 an annotation added", cr(), cr([], { annotations: { a: "b" } }), true],
  [
    "92 Ready False/Pending → True/Issued",
    cr([c("Ready", "False", "Pending")]),
    cr([c("Ready", "True", "Issued")]),
    false,
  ],
  ["93 Ready added", cr(), cr([c("Ready", "False")]), true],
  [
    "94 [Approved=False] → [Ready=False]",
    cr([c("Approved", "False")]),
    cr([c("Ready", "False")]),
    true,
  ],
  ["95 Approved False → True", cr([c("Approved", "False")]), cr([c("Approved", "True")]), true],
  [
    "96 Approved reason test1 → test2",
    cr([c("Approved", "True", "test1")]),
    cr([c("Approved", "True", "test2")]),
    false,
  ],
];
for (const [name, o, n, want] of crRows) {
  Deno.test(`13.7.${name} (CertificateRequestPredicate) → ${want ? "reconcile" : "no"}`, () =>
    assert.equal(pCR(o, n), want));
}

const pCSR = certificateSigningRequestPredicate;
const csrRows: [string, KubeObject | undefined, KubeObject | undefined, boolean][] = [
  ["97 new object missing", csr(), undefined, true],
  ["98 other kind", csr(), configMap, true],
  ["99 label-only change", csr([], { labels: { a: "b" } }), csr(), false],
  ["100 annotation added", csr(), csr([], { annotations: { a: "b" } }), true],
  [
    "101 Failed False → True, reasons change",
    csr([c("Failed", "False", "a")]),
    csr([c("Failed", "True", "b")]),
    true,
  ],
  [
    "102 Failed added",
    csr([c("Approved", "True")]),
    csr([c("Approved", "True"), c("Failed", "True")]),
    true,
  ],
  [
    "103 [Approved=True] → [Failed=True]",
    csr([c("Approved", "True")]),
    csr([c("Failed", "True")]),
    true,
  ],
  ["104 Approved False → True", csr([c("Approved", "False")]), csr([c("Approved", "True")]), true],
  [
    "105 Approved reason-only change",
    csr([c("Approved", "True", "a")]),
    csr([c("Approved", "True", "b")]),
    false,
  ],
];
for (const [name, o, n, want] of csrRows) {
  Deno.test(`13.7.${name} (CertificateSigningRequestPredicate) → ${want ? "reconcile" : "no"}`, () =>
    assert.equal(pCSR(o, n), want));
}

const pLinked = linkedIssuerPredicate(testIssuer);
const ready = (status: string, observedGeneration: number, reason = "r", message = "m"): Cond => ({
  type: "Ready",
  status,
  reason,
  message,
  observedGeneration,
});
const linkedRows: [string, KubeObject | undefined, KubeObject | undefined, boolean][] = [
  ["106 old object missing", undefined, iss([]), true],
  [
    "107 non-Ready condition random False → True",
    iss([c("random", "False")]),
    iss([c("random", "True")]),
    false,
  ],
  ["108 no status at all → Ready=False", iss(undefined), iss([ready("False", 80)]), true],
  ["109 Ready added", iss([]), iss([ready("False", 80)]), true],
  [
    "110 Ready False in both, other reason/message",
    iss([ready("False", 1, "a", "x")]),
    iss([ready("False", 1, "b", "y")]),
    false,
  ],
  [
    "111 Ready False in both, generation 2 observed 2",
    iss([ready("False", 1)], { generation: 1 }),
    iss([ready("False", 2)], { generation: 2 }),
    true,
  ],
  ["112 Ready False → True", iss([ready("False", 80)]), iss([ready("True", 80)]), true],
  ["(not an issuer) ConfigMap", iss([]), configMap, true],
  ["(no Ready in either)", iss([]), iss([c("random", "True")]), false],
];
for (const [name, o, n, want] of linkedRows) {
  Deno.test(`13.7.${name} (LinkedIssuerPredicate) → ${want ? "reconcile" : "no"}`, () =>
    assert.equal(pLinked(o, n), want));
}

const pIssuer = issuerPredicate(testIssuer);
const issuerRows: [string, KubeObject | undefined, KubeObject | undefined, boolean][] = [
  ["113 old object missing", undefined, iss([]), true],
  ["114 new object a ConfigMap", iss([]), {
    ...configMap,
    metadata: { name: "cm", generation: 80 },
  }, true],
  ["115 generation 80 in both, nothing else", iss([]), iss([]), false],
  ["116 generation 80 → 2", iss([]), iss([], { generation: 2 }), true],
  [
    "117 annotation removed",
    iss([], { annotations: { a: "b" } }),
    iss([], { annotations: {} }),
    true,
  ],
  ["118 Ready added", iss([]), iss([c("Ready", "False")]), true],
  [
    "(own Ready update)",
    iss([c("Ready", "False", "Pending")]),
    iss([c("Ready", "True", "Checked")]),
    false,
  ],
  ["(absent vs empty annotations differ, as in Go)", iss([]), iss([], { annotations: {} }), true],
];
for (const [name, o, n, want] of issuerRows) {
  Deno.test(`13.7.${name} (IssuerPredicate) → ${want ? "reconcile" : "no"}`, () =>
    assert.equal(pIssuer(o, n), want));
}
