import { strict as assert } from "node:assert";
import { parse } from "yaml";
import type { JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { pathToString } from "./field_path.ts";
import type { FieldSet } from "./field_set.ts";
import { ensureNamedFieldsAreMembers, fieldSetOf, unstrippedFieldSetOf } from "./field_set_of.ts";

/** The real cert-manager CertificateRequest v1 schema (shared test data, beside the repository). */
const CRD = parse(
  Deno.readTextFileSync(
    new URL(
      "../../../../testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
      import.meta.url,
    ),
  ),
);
const SCHEMA: SchemaNode = CRD.spec.versions[0].schema.openAPIV3Schema;

const rendered = (set: FieldSet) => set.paths().map(pathToString);

Deno.test("an issuer's status apply owns each condition by type, the element and its fields", () => {
  const applied: JsonObject = {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr", namespace: "t" },
    status: {
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "Issued",
        message: "Certificate issued",
        lastTransitionTime: "2024-05-01T10:00:00Z",
        observedGeneration: 1,
      }],
    },
  };
  assert.deepEqual(fieldSetOf(applied, SCHEMA).toFieldsV1(), {
    "f:status": {
      "f:conditions": {
        'k:{"type":"Ready"}': {
          ".": {},
          "f:lastTransitionTime": {},
          "f:message": {},
          "f:observedGeneration": {},
          "f:reason": {},
          "f:status": {},
          "f:type": {},
        },
      },
    },
  });
});

Deno.test("spec: structs recurse to leaves, atomic lists are one leaf", () => {
  const set = fieldSetOf({
    spec: {
      issuerRef: { name: "ca", kind: "Issuer", group: "cert-manager.io" },
      request: "LS0t",
      usages: ["digital signature", "key encipherment"],
      isCA: false,
    },
  }, SCHEMA);
  assert.deepEqual(rendered(set), [
    ".spec.isCA",
    ".spec.request",
    ".spec.usages",
    ".spec.issuerRef.group",
    ".spec.issuerRef.kind",
    ".spec.issuerRef.name",
  ]);
});

Deno.test("metadata: identity and server-set fields are never owned; labels, finalizers, owners are", () => {
  const set = fieldSetOf({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: {
      name: "cr",
      namespace: "t",
      uid: "u",
      resourceVersion: "7",
      generation: 2,
      creationTimestamp: "2024-05-01T10:00:00Z",
      deletionTimestamp: "2024-05-01T11:00:00Z",
      deletionGracePeriodSeconds: 0,
      selfLink: "/x",
      managedFields: [{ manager: "m" }],
      labels: { app: "web" },
      annotations: { "example.com/note": "n" },
      finalizers: ["example.com/f"],
      ownerReferences: [{ apiVersion: "v1", kind: "Secret", name: "s", uid: "abc" }],
      generateName: "cr-",
    },
  }, SCHEMA);
  assert.deepEqual(set.toFieldsV1(), {
    "f:metadata": {
      "f:annotations": { "f:example.com/note": {} },
      "f:finalizers": { 'v:"example.com/f"': {} },
      "f:generateName": {},
      "f:labels": { "f:app": {} },
      "f:ownerReferences": {
        'k:{"uid":"abc"}': { ".": {}, "f:apiVersion": {}, "f:kind": {}, "f:name": {}, "f:uid": {} },
      },
    },
  });
});

Deno.test("the unstripped set still has the never-owned fields (pruning needs them)", () => {
  const obj = { apiVersion: "v1", kind: "X", metadata: { name: "n", labels: { a: "b" } } };
  assert.deepEqual(rendered(unstrippedFieldSetOf(obj, undefined)), [
    ".apiVersion",
    ".kind",
    ".metadata.name",
    ".metadata.labels.a",
  ]);
});

Deno.test("without a schema every field is a member of a granular map, lists atomic", () => {
  const set = fieldSetOf({ spec: { size: 3, tags: ["a"], nested: { x: 1 } } }, undefined);
  assert.deepEqual(set.toFieldsV1(), {
    "f:spec": { ".": {}, "f:nested": { ".": {}, "f:x": {} }, "f:size": {}, "f:tags": {} },
  });
});

Deno.test("x-kubernetes-map-type: atomic and atomic lists are single leaves; empty structs own nothing", () => {
  const schema: SchemaNode = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          selector: { type: "object", "x-kubernetes-map-type": "atomic" },
          args: { type: "array", items: { type: "string" } },
          empty: { type: "object", properties: { a: { type: "string" } } },
          extra: {
            type: "object",
            "x-kubernetes-preserve-unknown-fields": true,
            properties: { known: { type: "string" } },
          },
        },
      },
    },
  };
  const set = fieldSetOf({
    spec: {
      selector: { a: "b", c: "d" },
      args: ["x", "y"],
      empty: {},
      extra: { known: "k", unknown: "u" },
    },
  }, schema);
  assert.deepEqual(rendered(set), [
    ".spec.args",
    ".spec.selector",
    ".spec.extra.known",
    ".spec.extra.unknown",
  ]);
  assert.deepEqual(set.toFieldsV1(), {
    "f:spec": { "f:args": {}, "f:extra": { "f:known": {}, "f:unknown": {} }, "f:selector": {} },
  });
});

Deno.test("sets own each value; repeated values once", () => {
  const set = fieldSetOf({ metadata: { finalizers: ["a", "b", "a"] } }, undefined);
  assert.deepEqual(rendered(set), ['.metadata.finalizers[="a"]', '.metadata.finalizers[="b"]']);
});

Deno.test("ensureNamedFieldsAreMembers adds declared struct fields, not granular map keys", () => {
  const set = fieldSetOf({
    metadata: { labels: { app: "x" } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  }, SCHEMA);
  const named = ensureNamedFieldsAreMembers(set, SCHEMA);
  assert.deepEqual(rendered(named.difference(set)), [
    ".metadata",
    ".status",
    ".metadata.labels",
    ".status.conditions",
  ]);
  // Nothing beneath a granular map key is named: a label's key is already a member.
  assert(
    !named.difference(set).has([{ field: "metadata" }, { field: "labels" }, { field: "app" }]),
  );
});
