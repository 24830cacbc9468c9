/**
 * Tests of the protobuf body decoder against bytes a real kube-apiserver 1.34 wrote
 * (`GET` with `Accept: application/vnd.kubernetes.protobuf`) and its JSON answer for the
 * same object, and against what kubectl 1.32 sends for `kubectl create namespace demo`.
 */
import { strict as assert } from "node:assert";
import { decodeProtobufObject, ProtobufDecodeError } from "./_protobuf.ts";

function bytes(...base64: string[]): Uint8Array {
  return Uint8Array.from(atob(base64.join("")), (c) => c.charCodeAt(0));
}

const namespacePb = bytes(
  "azhzAAoPCgJ2MRIJTmFtZXNwYWNlErUCCpoCCgRwYm5zEgAaACIAKiQxNjY4ZWIwMy1kMzQwLTRhYTItYjA1MC0wOT",
  "k2M2Q3YTY2MzgyAzIwNzgAQggIvein2AYQAFoGCgFhEgFiWiMKG2t1YmVybmV0ZXMuaW8vbWV0YWRhdGEubmFtZRIE",
  "cGJuc2IGCgF4EgF5igGeAQoEY3VybBIGVXBkYXRlGgJ2MSIICL3op9gGEAAyCEZpZWxkc1YxOnQKcnsiZjptZXRhZG",
  "F0YSI6eyJmOmFubm90YXRpb25zIjp7Ii4iOnt9LCJmOngiOnt9fSwiZjpsYWJlbHMiOnsiLiI6e30sImY6YSI6e30s",
  "ImY6a3ViZXJuZXRlcy5pby9tZXRhZGF0YS5uYW1lIjp7fX19fUIAEgwKCmt1YmVybmV0ZXMaCAoGQWN0aXZlGgAiAA",
  "==",
);
const namespaceJson = {
  "kind": "Namespace",
  "apiVersion": "v1",
  "metadata": {
    "name": "pbns",
    "uid": "1668eb03-d340-4aa2-b050-09963d7a6638",
    "resourceVersion": "207",
    "creationTimestamp": "2026-11-27T21:21:01Z",
    "labels": { "a": "b", "kubernetes.io/metadata.name": "pbns" },
    "annotations": { "x": "y" },
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "v1",
      "time": "2026-11-27T21:21:01Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:metadata": {
          "f:annotations": { ".": {}, "f:x": {} },
          "f:labels": { ".": {}, "f:a": {}, "f:kubernetes.io/metadata.name": {} },
        },
      },
    }],
  },
  "spec": { "finalizers": ["kubernetes"] },
  "status": { "phase": "Active" },
};

const secretPb = bytes(
  "azhzAAoMCgJ2MRIGU2VjcmV0EsIECooECgJzMRIAGgRwYm5zIgAqJGRhM2YzMjYyLTNhM2EtNGY2Yy05MjQ3LWFmYT",
  "VhNjAxZDY4MTIDMjA4OABCCAi96KfYBhAAWgYKAWESAWJaBgoBYxIBZGIGCgF4EgF5aj0KCUNvbmZpZ01hcBoCY20i",
  "JDBiN2Y0YzJlLTExMTEtMjIyMi0zMzMzLTQ0NDQ1NTU1NjY2NioCdjEwATgAcg1leGFtcGxlLmNvbS9migHbAgoEY3",
  "VybBIGVXBkYXRlGgJ2MSIICL3op9gGEAAyCEZpZWxkc1YxOrACCq0CeyJmOmRhdGEiOnsiLiI6e30sImY6dGxzLmNy",
  "dCI6e30sImY6dGxzLmtleSI6e319LCJmOmltbXV0YWJsZSI6e30sImY6bWV0YWRhdGEiOnsiZjphbm5vdGF0aW9ucy",
  "I6eyIuIjp7fSwiZjp4Ijp7fX0sImY6ZmluYWxpemVycyI6eyIuIjp7fSwidjpcImV4YW1wbGUuY29tL2ZcIiI6e319",
  "LCJmOmxhYmVscyI6eyIuIjp7fSwiZjphIjp7fSwiZjpjIjp7fX0sImY6b3duZXJSZWZlcmVuY2VzIjp7Ii4iOnt9LC",
  "JrOntcInVpZFwiOlwiMGI3ZjRjMmUtMTExMS0yMjIyLTMzMzMtNDQ0NDU1NTU2NjY2XCJ9Ijp7fX19LCJmOnR5cGUi",
  "Ont9fUIAEg4KB3Rscy5jcnQSA2NydBIOCgd0bHMua2V5EgNrZXkaEWt1YmVybmV0ZXMuaW8vdGxzKAAaACIA",
);
const secretJson = {
  "kind": "Secret",
  "apiVersion": "v1",
  "metadata": {
    "name": "s1",
    "namespace": "pbns",
    "uid": "da3f3262-3a3a-4f6c-9247-afa5a601d681",
    "resourceVersion": "208",
    "creationTimestamp": "2026-11-27T21:21:01Z",
    "labels": { "a": "b", "c": "d" },
    "annotations": { "x": "y" },
    "ownerReferences": [{
      "apiVersion": "v1",
      "kind": "ConfigMap",
      "name": "cm",
      "uid": "0b7f4c2e-1111-2222-3333-444455556666",
      "controller": true,
      "blockOwnerDeletion": false,
    }],
    "finalizers": ["example.com/f"],
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "v1",
      "time": "2026-11-27T21:21:01Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:data": { ".": {}, "f:tls.crt": {}, "f:tls.key": {} },
        "f:immutable": {},
        "f:metadata": {
          "f:annotations": { ".": {}, "f:x": {} },
          "f:finalizers": { ".": {}, 'v:"example.com/f"': {} },
          "f:labels": { ".": {}, "f:a": {}, "f:c": {} },
          "f:ownerReferences": { ".": {}, 'k:{"uid":"0b7f4c2e-1111-2222-3333-444455556666"}': {} },
        },
        "f:type": {},
      },
    }],
  },
  "immutable": false,
  "data": { "tls.crt": "Y3J0", "tls.key": "a2V5" },
  "type": "kubernetes.io/tls",
};

const configMapPb = bytes(
  "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEpACCvIBCgNjbTESAngtGgRwYm5zIgAqJGRlZDdlZDZmLTEyMTMtNDAyZS04Nz",
  "E3LWIxM2FlNjgzZjIwMDIDMjA5OABCCAi96KfYBhAAigGmAQoEY3VybBIGVXBkYXRlGgJ2MSIICL3op9gGEAAyCEZp",
  "ZWxkc1YxOnwKensiZjpiaW5hcnlEYXRhIjp7Ii4iOnt9LCJmOmIiOnt9fSwiZjpkYXRhIjp7Ii4iOnt9LCJmOmUiOn",
  "t9LCJmOmsiOnt9fSwiZjppbW11dGFibGUiOnt9LCJmOm1ldGFkYXRhIjp7ImY6Z2VuZXJhdGVOYW1lIjp7fX19QgAS",
  "BQoBZRIAEgYKAWsSAXYaCAoBYhIDAAECIAEaACIA",
);
const configMapJson = {
  "kind": "ConfigMap",
  "apiVersion": "v1",
  "metadata": {
    "name": "cm1",
    "generateName": "x-",
    "namespace": "pbns",
    "uid": "ded7ed6f-1213-402e-8717-b13ae683f200",
    "resourceVersion": "209",
    "creationTimestamp": "2026-11-27T21:21:01Z",
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "v1",
      "time": "2026-11-27T21:21:01Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:binaryData": { ".": {}, "f:b": {} },
        "f:data": { ".": {}, "f:e": {}, "f:k": {} },
        "f:immutable": {},
        "f:metadata": { "f:generateName": {} },
      },
    }],
  },
  "immutable": true,
  "data": { "e": "", "k": "v" },
  "binaryData": { "b": "AAEC" },
};

const csrPb = bytes(
  "azhzAAozChZjZXJ0aWZpY2F0ZXMuazhzLmlvL3YxEhlDZXJ0aWZpY2F0ZVNpZ25pbmdSZXF1ZXN0ErgFCkQKBXBiY3",
  "NyEgAaACIAKiRmNjg3Y2I5ZC1kMWNlLTQwNzQtYmZkOC04YWQ1YzgyNzY5ODYyAzIxMTgAQggIvein2AYQABLBBArf",
  "Ai0tLS0tQkVHSU4gQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCk1JSE1NSFFDQVFBd0VqRVFNQTRHQTFVRUF3d0hjR0",
  "l0ZEdWemREQlpNQk1HQnlxR1NNNDlBZ0VHQ0NxR1NNNDkKQXdFSEEwSUFCUGlwczNIOHdYNWFINEJubmxEdUt4YXBv",
  "RVE4bnRCOXE3V1JrbjQ1ODB4N0h5NzkrTlB6WVgwcQo4SXJyYTdnL1J0dEZyY1BvZDlDUXVuVkd2S0NzT3FpZ0FEQU",
  "tCZ2dxaGtqT1BRUURBZ05JQURCRkFpRUFqSVVyCldaMnp0OTZ2cUN6VUJDZndaRW1FMGZvS2JhcUY1K3V6MzNadnJX",
  "WUNJRGdaaEVGNzhyTnordFVXQ0c1NitWTSsKSnA5VGppQmJsVFFzQXhrcWZSY0IKLS0tLS1FTkQgQ0VSVElGSUNBVE",
  "UgUkVRVUVTVC0tLS0tChIFYWRtaW4aACIOc3lzdGVtOm1hc3RlcnMiFHN5c3RlbTphdXRoZW50aWNhdGVkKhFkaWdp",
  "dGFsIHNpZ25hdHVyZSoLY2xpZW50IGF1dGgyewoqYXV0aGVudGljYXRpb24ua3ViZXJuZXRlcy5pby9jcmVkZW50aW",
  "FsLWlkEk0KS1g1MDlTSEEyNTY9MzAzYjk3NGNkNGYzYTczMWJlYjM4YTM4ZWI2YWZiYjJiYjBlYjU5Y2MyYTRlZTZk",
  "MDY4MDc2ODI5ZTM1MTIxYjoOZXhhbXBsZS5jb20vcGJAkBwaLAoqCghBcHByb3ZlZBIBUhoBTSIICL7op9gGEAAqCA",
  "i+6KfYBhAAMgRUcnVlGgAiAA==",
);
const csrJson = {
  "kind": "CertificateSigningRequest",
  "apiVersion": "certificates.k8s.io/v1",
  "metadata": {
    "name": "pbcsr",
    "uid": "f687cb9d-d1ce-4074-bfd8-8ad5c8276986",
    "resourceVersion": "211",
    "creationTimestamp": "2026-11-27T21:21:01Z",
  },
  "spec": {
    "request":
      "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlITU1IUUNBUUF3RWpFUU1BNEdBMVVFQXd3SGNHSXRkR1Z6ZERCWk1CTUdCeXFHU000OUFnRUdDQ3FHU000OQpBd0VIQTBJQUJQaXBzM0g4d1g1YUg0Qm5ubER1S3hhcG9FUThudEI5cTdXUmtuNDU4MHg3SHk3OStOUHpZWDBxCjhJcnJhN2cvUnR0RnJjUG9kOUNRdW5WR3ZLQ3NPcWlnQURBS0JnZ3Foa2pPUFFRREFnTklBREJGQWlFQWpJVXIKV1oyenQ5NnZxQ3pVQkNmd1pFbUUwZm9LYmFxRjUrdXozM1p2cldZQ0lEZ1poRUY3OHJOeit0VVdDRzU2K1ZNKwpKcDlUamlCYmxUUXNBeGtxZlJjQgotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
    "signerName": "example.com/pb",
    "expirationSeconds": 3600,
    "usages": ["digital signature", "client auth"],
    "username": "admin",
    "groups": ["system:masters", "system:authenticated"],
    "extra": {
      "authentication.kubernetes.io/credential-id": [
        "X509SHA256=303b974cd4f3a731beb38a38eb6afbb2bb0eb59cc2a4ee6d068076829e35121b",
      ],
    },
  },
  "status": {
    "conditions": [{
      "type": "Approved",
      "status": "True",
      "reason": "R",
      "message": "M",
      "lastUpdateTime": "2026-11-27T21:21:02Z",
      "lastTransitionTime": "2026-11-27T21:21:02Z",
    }],
  },
};

const leasePb = bytes(
  "azhzAAofChZjb29yZGluYXRpb24uazhzLmlvL3YxEgVMZWFzZRKoAgqDAgoCbDESABoEcGJucyIAKiQ2ZDlhYWYyOC",
  "00Yjc2LTQ4NGMtYmYyYS0wMTA0ZjIyM2U4MTUyAzI3MjgAQggIweyn2AYQAIoBugEKBGN1cmwSBlVwZGF0ZRoWY29v",
  "cmRpbmF0aW9uLms4cy5pby92MSIICMHsp9gGEAAyCEZpZWxkc1YxOnwKensiZjpzcGVjIjp7ImY6YWNxdWlyZVRpbW",
  "UiOnt9LCJmOmhvbGRlcklkZW50aXR5Ijp7fSwiZjpsZWFzZUR1cmF0aW9uU2Vjb25kcyI6e30sImY6bGVhc2VUcmFu",
  "c2l0aW9ucyI6e30sImY6cmVuZXdUaW1lIjp7fX19QgASIAoCbWUQDxoLCNDep9gGEICU7zoiCQjV3qfYBhDoBygAGg",
  "AiAA==",
);
const leaseJson = {
  "kind": "Lease",
  "apiVersion": "coordination.k8s.io/v1",
  "metadata": {
    "name": "l1",
    "namespace": "pbns",
    "uid": "6d9aaf28-4b76-484c-bf2a-0104f223e815",
    "resourceVersion": "272",
    "creationTimestamp": "2026-11-27T21:29:37Z",
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "coordination.k8s.io/v1",
      "time": "2026-11-27T21:29:37Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:spec": {
          "f:acquireTime": {},
          "f:holderIdentity": {},
          "f:leaseDurationSeconds": {},
          "f:leaseTransitions": {},
          "f:renewTime": {},
        },
      },
    }],
  },
  "spec": {
    "holderIdentity": "me",
    "leaseDurationSeconds": 15,
    "acquireTime": "2026-11-27T21:00:00.123456Z",
    "renewTime": "2026-11-27T21:00:05.000001Z",
    "leaseTransitions": 0,
  },
};

const selfSubjectAccessReviewPb = bytes(
  "azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSvwIK6wEKABIAGg",
  "AiACoAMgA4AEIAigHXAQoEY3VybBIGVXBkYXRlGhdhdXRob3JpemF0aW9uLms4cy5pby92MSIICP3zp9gGEAAyCEZp",
  "ZWxkc1YxOpcBCpQBeyJmOnNwZWMiOnsiZjpyZXNvdXJjZUF0dHJpYnV0ZXMiOnsiLiI6e30sImY6Z3JvdXAiOnt9LC",
  "JmOm5hbWUiOnt9LCJmOm5hbWVzcGFjZSI6e30sImY6cmVzb3VyY2UiOnt9LCJmOnN1YnJlc291cmNlIjp7fSwiZjp2",
  "ZXJiIjp7fSwiZjp2ZXJzaW9uIjp7fX19fUIAEkUKQwoDbnMxEgZjcmVhdGUaD2NlcnQtbWFuYWdlci5pbyICdjEqE2",
  "NlcnRpZmljYXRlcmVxdWVzdHMyBnN0YXR1czoCbjEaCAgBEgAaACAAGgAiAA==",
);
const selfSubjectAccessReviewJson = {
  "kind": "SelfSubjectAccessReview",
  "apiVersion": "authorization.k8s.io/v1",
  "metadata": {
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "authorization.k8s.io/v1",
      "time": "2026-11-27T21:45:33Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:spec": {
          "f:resourceAttributes": {
            ".": {},
            "f:group": {},
            "f:name": {},
            "f:namespace": {},
            "f:resource": {},
            "f:subresource": {},
            "f:verb": {},
            "f:version": {},
          },
        },
      },
    }],
  },
  "spec": {
    "resourceAttributes": {
      "namespace": "ns1",
      "verb": "create",
      "group": "cert-manager.io",
      "version": "v1",
      "resource": "certificaterequests",
      "subresource": "status",
      "name": "n1",
    },
  },
  "status": { "allowed": true },
};

const subjectAccessReviewPb = bytes(
  "azhzAAouChdhdXRob3JpemF0aW9uLms4cy5pby92MRITU3ViamVjdEFjY2Vzc1JldmlldxKfAgrfAQoAEgAaACIAKg",
  "AyADgAQgCKAcsBCgRjdXJsEgZVcGRhdGUaF2F1dGhvcml6YXRpb24uazhzLmlvL3YxIggI/fOn2AYQADIIRmllbGRz",
  "VjE6iwEKiAF7ImY6c3BlYyI6eyJmOmV4dHJhIjp7Ii4iOnt9LCJmOmsiOnt9fSwiZjpncm91cHMiOnt9LCJmOm5vbl",
  "Jlc291cmNlQXR0cmlidXRlcyI6eyIuIjp7fSwiZjpwYXRoIjp7fSwiZjp2ZXJiIjp7fX0sImY6dWlkIjp7fSwiZjp1",
  "c2VyIjp7fX19QgASMRIPCggvaGVhbHRoehIDZ2V0GgNib2IiAmcxIgJnMioNCgFrEggKAnYxCgJ2MjICdTEaCAgAEg",
  "AaACAAGgAiAA==",
);
const subjectAccessReviewJson = {
  "kind": "SubjectAccessReview",
  "apiVersion": "authorization.k8s.io/v1",
  "metadata": {
    "managedFields": [{
      "manager": "curl",
      "operation": "Update",
      "apiVersion": "authorization.k8s.io/v1",
      "time": "2026-11-27T21:45:33Z",
      "fieldsType": "FieldsV1",
      "fieldsV1": {
        "f:spec": {
          "f:extra": { ".": {}, "f:k": {} },
          "f:groups": {},
          "f:nonResourceAttributes": { ".": {}, "f:path": {}, "f:verb": {} },
          "f:uid": {},
          "f:user": {},
        },
      },
    }],
  },
  "spec": {
    "nonResourceAttributes": { "path": "/healthz", "verb": "get" },
    "user": "bob",
    "groups": ["g1", "g2"],
    "extra": { "k": ["v1", "v2"] },
    "uid": "u1",
  },
  "status": { "allowed": false },
};

/** `kubectl create namespace demo` (kubectl 1.32.4, typed client). */
const kubectlNamespacePb = bytes(
  "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEZGVtbxIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==",
);

Deno.test("decodeProtobufObject decodes what a real server encodes, to its JSON form", () => {
  const cases: [string, Uint8Array, unknown][] = [
    ["Namespace", namespacePb, namespaceJson],
    ["Secret", secretPb, secretJson],
    ["ConfigMap", configMapPb, configMapJson],
    ["CertificateSigningRequest", csrPb, csrJson],
    ["Lease (MicroTime)", leasePb, leaseJson],
    ["SelfSubjectAccessReview", selfSubjectAccessReviewPb, selfSubjectAccessReviewJson],
    ["SubjectAccessReview", subjectAccessReviewPb, subjectAccessReviewJson],
  ];
  for (const [name, pb, expected] of cases) {
    assert.deepEqual(decodeProtobufObject(pb), expected, name);
  }
});

Deno.test("decodeProtobufObject decodes kubectl's create namespace body", () => {
  assert.deepEqual(decodeProtobufObject(kubectlNamespacePb), {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "demo" },
    spec: {},
    status: {},
  });
});

Deno.test("decodeProtobufObject rejects bodies it cannot read", () => {
  const fail = (body: Uint8Array, kind: string, message: RegExp) =>
    assert.throws(
      () => decodeProtobufObject(body),
      (e: unknown) =>
        e instanceof ProtobufDecodeError && e.kind === kind && message.test(e.message),
    );
  fail(new TextEncoder().encode("{}"), "malformed", /expected prefix \[107 56 115 0\]/);
  fail(kubectlNamespacePb.subarray(0, 20), "malformed", /truncated/);
  // A Pod: a kind without a schema here.
  const enc = (text: string) => new TextEncoder().encode(text);
  const field = (n: number, payload: Uint8Array) => [(n << 3) | 2, payload.length, ...payload];
  const typeMeta = Uint8Array.from([...field(1, enc("v1")), ...field(2, enc("Pod"))]);
  const pod = Uint8Array.from([
    ...enc("k8s\0"),
    ...field(1, typeMeta),
    ...field(2, new Uint8Array()),
  ]);
  fail(pod, "unsupported", /cannot decode v1 Pod from protobuf/);
});
