import { strict as assert } from "node:assert";
import {
  type CurrentStatus,
  patchChangesStatus,
  requestApplyBody,
  statusApplyBody,
  type StatusPatch,
} from "./status_patch.ts";
import { cr1, csr1, T1, T2 } from "./_test_fixtures.ts";

const pending = {
  type: "Ready",
  status: "False" as const,
  reason: "Pending",
  message: "m",
  lastTransitionTime: T1,
};

Deno.test("patchChangesStatus: table of changes", () => {
  const rows: [
    string,
    (CurrentStatus & Record<string, unknown>) | undefined,
    StatusPatch,
    boolean,
  ][] = [
    ["empty patch", { conditions: [pending] }, {}, false],
    ["same condition", { conditions: [pending] }, { conditions: [pending] }, false],
    ["new condition", { conditions: [] }, { conditions: [pending] }, true],
    ["no current status", undefined, { conditions: [pending] }, true],
    [
      "message differs",
      { conditions: [pending] },
      { conditions: [{ ...pending, message: "n" }] },
      true,
    ],
    ["reason differs", { conditions: [pending] }, {
      conditions: [{ ...pending, reason: "Failed" }],
    }, true],
    [
      "status differs",
      { conditions: [pending] },
      { conditions: [{ ...pending, status: "True" }] },
      true,
    ],
    ["transition time differs", { conditions: [pending] }, {
      conditions: [{ ...pending, lastTransitionTime: T2 }],
    }, true],
    [
      "lastUpdateTime alone is not a change",
      { conditions: [{ ...pending, lastUpdateTime: T1 }] },
      { conditions: [{ ...pending, lastUpdateTime: T2 }] },
      false,
    ],
    [
      "absent and empty reason are equal",
      { conditions: [{ type: "X", status: "True", reason: "", lastTransitionTime: T1 }] },
      { conditions: [{ type: "X", status: "True", lastTransitionTime: T1 }] },
      false,
    ],
    [
      "observedGeneration 0 and absent are equal",
      { conditions: [{ ...pending, observedGeneration: 0 }] },
      { conditions: [{ ...pending }] },
      false,
    ],
    [
      "observedGeneration differs",
      { conditions: [{ ...pending, observedGeneration: 1 }] },
      { conditions: [{ ...pending, observedGeneration: 2 }] },
      true,
    ],
    ["same certificate", { certificate: "Y2VydA==" }, { certificate: "Y2VydA==" }, false],
    ["new certificate", {}, { certificate: "Y2VydA==" }, true],
    [
      "a condition the patch omits is not considered",
      { conditions: [pending, { type: "Custom", status: "True" }] },
      { conditions: [pending] },
      false,
    ],
  ];
  for (const [name, current, patch, want] of rows) {
    assert.equal(patchChangesStatus(current, patch), want, name);
  }
});

Deno.test("statusApplyBody holds only identity and the status patch (§5.1)", () => {
  assert.deepEqual(
    statusApplyBody("testing.cert-manager.io/api", "TestIssuer", { name: "i", namespace: "ns1" }, {
      conditions: [],
    }),
    {
      apiVersion: "testing.cert-manager.io/api",
      kind: "TestIssuer",
      metadata: { name: "i", namespace: "ns1" },
      status: { conditions: [] },
    },
  );
  assert.deepEqual(requestApplyBody(cr1(), { certificate: "eA==" }), {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr1", namespace: "ns1" },
    status: { certificate: "eA==" },
  });
  assert.deepEqual(requestApplyBody(csr1(), {}), {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: "cr1" },
    status: {},
  });
});
