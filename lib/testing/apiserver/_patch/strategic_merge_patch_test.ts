import { strict as assert } from "node:assert";
import fc from "fast-check";
import { canonicalJson, type JsonObject } from "../../../core/json.ts";
import { applyMergePatch } from "./merge_patch.ts";
import { PatchError, type PatchErrorKind } from "./patch_error.ts";
import {
  applyStrategicMergePatch,
  BUILTIN_SMP_STRATEGY,
  type SmpStrategy,
} from "./strategic_merge_patch.ts";

function smp(
  doc: JsonObject,
  patch: JsonObject,
  strategy: SmpStrategy = BUILTIN_SMP_STRATEGY,
): JsonObject {
  return applyStrategicMergePatch(doc, patch, strategy);
}

function fails(doc: JsonObject, patch: unknown, kind: PatchErrorKind, message?: string): void {
  assert.throws(() => smp(doc, patch as JsonObject), (e: unknown) => {
    assert(e instanceof PatchError, `expected a PatchError, got ${e}`);
    assert.equal(e.kind, kind);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

Deno.test("applyStrategicMergePatch merges maps like a merge patch", () => {
  const doc = {
    metadata: { name: "s", labels: { a: "1", b: "2" } },
    data: { k: "dg==" },
    type: "Opaque",
  };
  const out = smp(doc, {
    metadata: { labels: { b: null, c: "3" }, annotations: { x: "y" } },
    data: { k2: "dw==" },
  });
  assert.deepEqual(out, {
    metadata: { name: "s", labels: { a: "1", c: "3" }, annotations: { x: "y" } },
    data: { k: "dg==", k2: "dw==" },
    type: "Opaque",
  });
});

Deno.test("applyStrategicMergePatch updates a repeated core/v1 Event the way client-go's recorder does", () => {
  const event = {
    metadata: { name: "cr.17a", namespace: "t" },
    involvedObject: { kind: "CertificateRequest", name: "cr", namespace: "t" },
    reason: "Issued",
    message: "old",
    count: 1,
    firstTimestamp: "2025-01-01T00:00:00Z",
    lastTimestamp: "2025-01-01T00:00:00Z",
  };
  const out = smp(event, { count: 2, lastTimestamp: "2025-01-01T00:05:00Z", message: "new" });
  assert.deepEqual(out, {
    ...event,
    count: 2,
    lastTimestamp: "2025-01-01T00:05:00Z",
    message: "new",
  });
});

Deno.test("applyStrategicMergePatch unions finalizers in apimachinery's order", () => {
  const doc = (finalizers: string[]) => ({ metadata: { finalizers } });
  assert.deepEqual(smp(doc(["a"]), doc(["b"])), doc(["b", "a"]));
  assert.deepEqual(smp(doc(["a", "b"]), doc(["b", "c"])), doc(["a", "b", "c"]));
  assert.deepEqual(smp(doc(["a", "b"]), doc(["a"])), doc(["a", "b"]));
  assert.deepEqual(smp(doc(["a", "a"]), doc(["c", "a"])), doc(["c", "a"]));
  assert.deepEqual(smp({ metadata: {} }, doc(["x", "y"])), doc(["x", "y"]));
});

Deno.test("applyStrategicMergePatch removes finalizers with $deleteFromPrimitiveList", () => {
  const doc = { metadata: { finalizers: ["a", "b", "c"] } };
  assert.deepEqual(
    smp(doc, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a", "c", "z"] } }),
    {
      metadata: { finalizers: ["b"] },
    },
  );
  assert.deepEqual(
    smp({ metadata: {} }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } }),
    {
      metadata: {},
    },
  );
  fails(
    doc,
    { metadata: { "$deleteFromPrimitiveList/finalizers": "a" } },
    "decode",
    "invalid patch format of primitive list",
  );
  fails(
    doc,
    { metadata: { "$deleteFromPrimitiveListfinalizers": ["a"] } },
    "decode",
    "invalid patch format of primitive list",
  );
});

Deno.test("applyStrategicMergePatch merges ownerReferences by uid", () => {
  const doc = {
    metadata: {
      ownerReferences: [{ uid: "1", name: "x", controller: true }, { uid: "2", name: "y" }],
    },
  };
  const out = smp(doc, {
    metadata: {
      ownerReferences: [{ uid: "1", name: "x2", controller: null }, { uid: "3", name: "z" }],
    },
  });
  assert.deepEqual(out.metadata, {
    ownerReferences: [{ uid: "1", name: "x2" }, { uid: "3", name: "z" }, { uid: "2", name: "y" }],
  });
});

Deno.test("applyStrategicMergePatch deletes and replaces list elements with $patch", () => {
  const doc = { metadata: { ownerReferences: [{ uid: "1", name: "x" }, { uid: "2", name: "y" }] } };
  assert.deepEqual(
    smp(doc, { metadata: { ownerReferences: [{ uid: "1", $patch: "delete" }] } }).metadata,
    {
      ownerReferences: [{ uid: "2", name: "y" }],
    },
  );
  assert.deepEqual(
    smp(doc, {
      metadata: {
        ownerReferences: [{ $patch: "replace" }, { uid: "9", name: "n", $retainKeys: ["x"] }],
      },
    }).metadata,
    { ownerReferences: [{ uid: "9", name: "n" }] },
  );
  fails(
    doc,
    { metadata: { ownerReferences: [{ $patch: "delete", name: "x" }] } },
    "decode",
    "map: map[$patch:delete name:x] does not contain declared merge key: uid",
  );
  fails(
    doc,
    { metadata: { ownerReferences: [{ name: "x" }] } },
    "decode",
    "map: map[name:x] does not contain declared merge key: uid",
  );
  fails(
    doc,
    { metadata: { ownerReferences: [{ $patch: "merge" }] } },
    "decode",
    "merging lists cannot yet be specified in the patch",
  );
  fails(
    doc,
    { metadata: { ownerReferences: [{ uid: "1", $patch: "bogus" }] } },
    "decode",
    "unknown patch type: bogus in map: map[$patch:bogus uid:1]",
  );
});

Deno.test("applyStrategicMergePatch keeps another manager's CSR condition when adding one", () => {
  const approved = { type: "Approved", status: "True", reason: "AutoApproved" };
  const doc = { status: { conditions: [approved] } };
  const out = smp(doc, {
    status: { conditions: [{ type: "Failed", status: "True", message: "no" }] },
  });
  assert.deepEqual(out, {
    status: { conditions: [{ type: "Failed", status: "True", message: "no" }, approved] },
  });
  const updated = smp(doc, { status: { conditions: [{ type: "Approved", message: "ok" }] } });
  assert.deepEqual(updated, { status: { conditions: [{ ...approved, message: "ok" }] } });
});

Deno.test("applyStrategicMergePatch replaces lists the strategy does not name", () => {
  const doc = {
    spec: { usages: ["digital signature", "key encipherment"] },
    metadata: { managedFields: [{ manager: "a" }] },
  };
  assert.deepEqual(
    smp(doc, {
      spec: { usages: ["server auth"] },
      metadata: { managedFields: [{ manager: "b" }] },
    }),
    {
      spec: { usages: ["server auth"] },
      metadata: { managedFields: [{ manager: "b" }] },
    },
  );
  const custom: SmpStrategy = {
    listMerge: {
      "spec.containers": { mergeKey: "name" },
      "spec.containers.ports": { mergeKey: "containerPort" },
    },
  };
  const pod = {
    spec: {
      containers: [{ name: "c", ports: [{ containerPort: 80, name: "http" }], args: ["a"] }],
    },
  };
  const patched = smp(pod, {
    spec: { containers: [{ name: "c", ports: [{ containerPort: 443 }], args: ["b"] }] },
  }, custom);
  assert.deepEqual(patched, {
    spec: {
      containers: [{
        name: "c",
        ports: [{ containerPort: 443 }, { containerPort: 80, name: "http" }],
        args: ["b"],
      }],
    },
  });
});

Deno.test("applyStrategicMergePatch honours $patch on maps", () => {
  const doc = { metadata: { name: "s", labels: { a: "1", b: "2" } }, data: { k: "v" } };
  assert.deepEqual(smp(doc, { metadata: { labels: { $patch: "replace", c: "3" } } }).metadata, {
    name: "s",
    labels: { c: "3" },
  });
  assert.deepEqual(smp(doc, { metadata: { labels: { $patch: "delete" } } }).metadata, {
    name: "s",
    labels: {},
  });
  assert.deepEqual(smp(doc, { $patch: "delete" }), {});
  assert.deepEqual(smp(doc, { $patch: "replace", data: { z: "y" } }), { data: { z: "y" } });
  assert.deepEqual(
    smp(doc, { metadata: { annotations: { $patch: "delete" } } }).metadata,
    doc.metadata,
  );
  assert.deepEqual(
    smp(doc, { metadata: { annotations: { $patch: "replace", x: "y" } } }).metadata,
    {
      ...doc.metadata,
      annotations: { x: "y" },
    },
  );
  fails(
    doc,
    { metadata: { labels: { $patch: "merge" } } },
    "decode",
    "unknown patch type: merge in map: map[$patch:merge]",
  );
});

Deno.test("applyStrategicMergePatch honours $retainKeys", () => {
  const doc = { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } };
  const out = smp(doc, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } });
  assert.deepEqual(out, { spec: { strategy: { type: "Recreate" } } });
  fails(
    doc,
    { spec: { strategy: { $retainKeys: ["type"], other: 1 } } },
    "decode",
    "invalid patch format of retainKeys",
  );
  fails(
    doc,
    { spec: { strategy: { $retainKeys: "type" } } },
    "decode",
    "invalid patch format of retainKeys",
  );
});

Deno.test("applyStrategicMergePatch ignores $setElementOrder and strips every directive", () => {
  const doc = { metadata: { finalizers: ["a", "b"], labels: { x: "1" } } };
  const out = smp(doc, {
    metadata: {
      "$setElementOrder/finalizers": ["b", "a", "c"],
      finalizers: ["c"],
      labels: { "$unknown": 1, y: "2" },
      annotations: { "$setElementOrder/x": [], k: "v", gone: null },
    },
  });
  assert.deepEqual(out, {
    metadata: { finalizers: ["c", "a", "b"], labels: { x: "1", y: "2" }, annotations: { k: "v" } },
  });
  assert(!canonicalJson(out).includes("$"));
  fails(
    doc,
    { metadata: { "$setElementOrder/finalizers": "a" } },
    "decode",
    "invalid patch format of setElementOrder list",
  );
});

Deno.test("applyStrategicMergePatch drops nulls from values it takes from the patch", () => {
  const doc = { spec: { a: 1 } };
  assert.deepEqual(
    smp(doc, { spec: { b: { c: null, d: [{ e: null, f: 1 }] }, a: null }, status: null }),
    {
      spec: { b: { d: [{ f: 1 }] } },
    },
  );
});

Deno.test("applyStrategicMergePatch rejects malformed lists and patches", () => {
  const doc = { metadata: { finalizers: ["a"], ownerReferences: [{ uid: "1" }] } };
  fails(doc, { metadata: { finalizers: [["x"]] } }, "apply", "lists of lists are not supported");
  fails(
    doc,
    { metadata: { finalizers: [1] } },
    "decode",
    "list element types are not identical: [[a] [1]]",
  );
  fails(doc, { metadata: { ownerReferences: ["x"] } }, "decode");
  fails(
    doc,
    ["x"],
    "decode",
    "json: cannot unmarshal array into Go value of type map[string]interface {}",
  );
  fails(
    { metadata: { ownerReferences: [{ name: "no-uid" }] } },
    { metadata: { ownerReferences: [{ uid: "1" }] } },
    "decode",
    "map: map[name:no-uid] does not contain declared merge key: uid",
  );
  assert.throws(
    () =>
      smp({ spec: { l: [{ k: 1 }] } }, { spec: { l: [{ a: 1.5e7, b: 0.5, c: null }] } }, {
        listMerge: { "spec.l": { mergeKey: "k" } },
      }),
    {
      name: "PatchError",
      message: "map: map[a:1.5e+07 b:0.5 c:<nil>] does not contain declared merge key: k",
    },
  );
  assert.throws(
    () =>
      applyStrategicMergePatch({ spec: { l: [{ a: 1 }] } }, { spec: { l: [{ a: 2 }] } }, {
        listMerge: { "spec.l": {} },
      }),
    /cannot merge lists without merge key for spec.l/,
  );
});

Deno.test("applyStrategicMergePatch does not mutate its inputs and shares nothing with them", () => {
  const doc = {
    metadata: { finalizers: ["a"], ownerReferences: [{ uid: "1", name: "x" }], labels: { l: "1" } },
  };
  const patch = {
    metadata: {
      finalizers: ["b"],
      ownerReferences: [{ uid: "2", name: "y" }],
      annotations: { a: "1" },
    },
  };
  const before = [canonicalJson(doc), canonicalJson(patch)];
  const out = smp(doc, patch) as {
    metadata: {
      finalizers: string[];
      ownerReferences: JsonObject[];
      labels: JsonObject;
      annotations: JsonObject;
    };
  };
  out.metadata.finalizers.push("z");
  for (const ref of out.metadata.ownerReferences) ref.name = "changed";
  out.metadata.labels.l = "changed";
  out.metadata.annotations.a = "changed";
  assert.deepEqual([canonicalJson(doc), canonicalJson(patch)], before);
});

Deno.test("BUILTIN_SMP_STRATEGY names the built-in merging lists and cannot be changed", () => {
  assert.deepEqual(BUILTIN_SMP_STRATEGY.listMerge, {
    "metadata.finalizers": {},
    "metadata.ownerReferences": { mergeKey: "uid" },
    "status.conditions": { mergeKey: "type" },
  });
  assert(Object.isFrozen(BUILTIN_SMP_STRATEGY.listMerge));
  assert.deepEqual(applyStrategicMergePatch({ constructor: [1] }, { constructor: [2] }), {
    constructor: [2],
  });
});

const patchKey = fc.string({ maxLength: 4 }).filter((k) => !k.startsWith("$"));
const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean());
const { patchObject } = fc.letrec((tie) => ({
  patchValue: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    tie("patchObject"),
  ),
  patchObject: fc.dictionary(patchKey, tie("patchValue"), { maxKeys: 4 }),
}));
const docObject = fc.dictionary(
  fc.string({ maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
) as fc.Arbitrary<JsonObject>;

Deno.test("applyStrategicMergePatch without merging lists equals a merge patch (property)", () => {
  fc.assert(
    fc.property(docObject, patchObject as fc.Arbitrary<JsonObject>, (doc, patch) => {
      const out = applyStrategicMergePatch(doc, patch, { listMerge: {} });
      assert.equal(canonicalJson(out), canonicalJson(applyMergePatch(doc, patch)));
    }),
  );
});

Deno.test("applyStrategicMergePatch unions finalizers idempotently (property)", () => {
  const names = fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 5 });
  fc.assert(
    fc.property(names, names, (current, added) => {
      const patch = { metadata: { finalizers: added } };
      const once = smp({ metadata: { finalizers: current } }, patch);
      const finalizers = (once.metadata as { finalizers: string[] }).finalizers;
      assert.deepEqual([...finalizers].sort(), [...new Set([...current, ...added])].sort());
      assert.equal(canonicalJson(smp(once, patch)), canonicalJson(once));
    }),
  );
});

Deno.test("applyStrategicMergePatch keeps every owner reference uid (property)", () => {
  const refs = fc.uniqueArray(
    fc.record({ uid: fc.constantFrom("1", "2", "3", "4"), name: fc.string({ maxLength: 3 }) }),
    {
      selector: (r) => r.uid,
      maxLength: 4,
    },
  );
  fc.assert(
    fc.property(refs, refs, (current, patch) => {
      const out = smp({ metadata: { ownerReferences: current } }, {
        metadata: { ownerReferences: patch },
      });
      const merged =
        (out.metadata as { ownerReferences: { uid: string; name: string }[] }).ownerReferences;
      assert.deepEqual(
        merged.map((r) => r.uid).sort(),
        [...new Set([...current, ...patch].map((r) => r.uid))].sort(),
      );
      for (const ref of patch) assert.equal(merged.find((r) => r.uid === ref.uid)?.name, ref.name);
    }),
  );
});
