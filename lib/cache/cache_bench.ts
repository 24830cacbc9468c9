/**
 * Cache benchmarks: heap bytes per cached CertificateRequest (10,000 issued requests of
 * realistic size, with and without the default `managedFields` transform), and the
 * throughput of {@linkcode Store.apply}.
 *
 * Run: `deno bench -A lib/cache/cache_bench.ts` (garbage collection is forced through
 * `node:v8`, or `--v8-flags=--expose-gc` when given).
 *
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { JsonObject } from "../core/json.ts";
import type { KubeObject } from "../client/object.ts";
import { Store } from "./store.ts";

const N = 10_000;

/** A random base64 string of `length` characters: unique content, as real certificates are. */
function base64(length: number): string {
  const bytes = new Uint8Array(Math.ceil(length * 3 / 4));
  crypto.getRandomValues(bytes);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).slice(0, length);
}

/** An issued CertificateRequest as the API server sends it (RSA-2048 CSR, leaf and CA). */
function issuedRequest(i: number, rv: number): JsonObject {
  const name = `cert-${i}-${base64(5).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  const time = "2024-05-01T10:00:00Z";
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: {
      name,
      namespace: `team-${i % 20}`,
      uid: crypto.randomUUID(),
      resourceVersion: String(rv),
      generation: 1,
      creationTimestamp: time,
      annotations: {
        "cert-manager.io/certificate-name": name,
        "cert-manager.io/certificate-revision": "1",
        "cert-manager.io/private-key-secret-name": `${name}-abcde`,
      },
      labels: { "app.kubernetes.io/name": name },
      ownerReferences: [{
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        name,
        uid: crypto.randomUUID(),
        controller: true,
        blockOwnerDeletion: true,
      }],
      managedFields: [
        {
          manager: "cert-manager-certificates-request-manager",
          operation: "Update",
          apiVersion: "cert-manager.io/v1",
          time,
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:annotations": {
                ".": {},
                "f:cert-manager.io/certificate-name": {},
                "f:cert-manager.io/certificate-revision": {},
                "f:cert-manager.io/private-key-secret-name": {},
              },
              "f:ownerReferences": { ".": {}, [`k:{"uid":"${crypto.randomUUID()}"}`]: {} },
            },
            "f:spec": {
              ".": {},
              "f:duration": {},
              "f:issuerRef": { ".": {}, "f:group": {}, "f:kind": {}, "f:name": {} },
              "f:request": {},
              "f:usages": {},
            },
          },
        },
        {
          manager: "my-issuer",
          operation: "Apply",
          apiVersion: "cert-manager.io/v1",
          time,
          fieldsType: "FieldsV1",
          subresource: "status",
          fieldsV1: {
            "f:status": {
              "f:ca": {},
              "f:certificate": {},
              "f:conditions": {
                'k:{"type":"Approved"}': {
                  ".": {},
                  "f:lastTransitionTime": {},
                  "f:message": {},
                  "f:reason": {},
                  "f:status": {},
                  "f:type": {},
                },
                'k:{"type":"Ready"}': {
                  ".": {},
                  "f:lastTransitionTime": {},
                  "f:message": {},
                  "f:reason": {},
                  "f:status": {},
                  "f:type": {},
                },
              },
            },
          },
        },
      ],
    },
    spec: {
      duration: "2160h0m0s",
      issuerRef: { group: "example.com", kind: "ClusterIssuer", name: "my-ca" },
      request: base64(1_420),
      usages: ["digital signature", "key encipherment"],
      username: "system:serviceaccount:cert-manager:cert-manager",
      groups: [
        "system:serviceaccounts",
        "system:serviceaccounts:cert-manager",
        "system:authenticated",
      ],
      uid: crypto.randomUUID(),
    },
    status: {
      ca: base64(1_800),
      certificate: base64(2_400),
      conditions: [
        {
          type: "Approved",
          status: "True",
          reason: "cert-manager.io",
          message: "Certificate request has been approved by cert-manager.io",
          lastTransitionTime: time,
        },
        {
          type: "Ready",
          status: "True",
          reason: "Issued",
          message: "Certificate fetched from issuer successfully",
          lastTransitionTime: time,
        },
      ],
    },
  };
}

function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

const gc = collectGarbage();

/** Heap bytes per object kept by a store, measured around parsing and applying `texts`. */
function bytesPerObject(
  texts: readonly string[],
  transform?: (o: KubeObject) => KubeObject,
): number {
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const store = new Store<KubeObject>(transform ? { transform } : {});
  store.addIndex("issuerRef", (o) => [`${o.metadata.namespace}/my-ca`]);
  for (const text of texts) store.apply({ type: "applied", object: JSON.parse(text) });
  gc();
  const after = Deno.memoryUsage().heapUsed;
  if (store.size !== texts.length) {
    throw new Error(`expected ${texts.length} objects, got ${store.size}`);
  }
  return Math.round((after - before) / texts.length);
}

const texts = Array.from({ length: N }, (_, i) => JSON.stringify(issuedRequest(i, i + 1)));
const jsonBytes = Math.round(texts.reduce((sum, t) => sum + t.length, 0) / N);
// A first run warms up the code paths so the figures measure data, not compiled code.
bytesPerObject(texts.slice(0, 500));
const kept = bytesPerObject(texts, (o) => o);
const stripped = bytesPerObject(texts);
console.log(
  `cache memory, ${N} issued CertificateRequests (${jsonBytes} bytes of JSON each): ` +
    `${kept} bytes/object with managedFields, ${stripped} bytes/object without ` +
    `(default transform, ${Math.round(100 * (1 - stripped / kept))}% less)`,
);

const objects = texts.map((t) => JSON.parse(t) as KubeObject);
const updates = objects.map((o, i) => ({
  ...o,
  metadata: { ...o.metadata, resourceVersion: String(N + i + 1) },
}));

Deno.bench(`Store.apply: ${N} added objects (default transform, one index)`, {
  group: "apply",
  baseline: true,
}, () => {
  const store = new Store<KubeObject>();
  store.addIndex("issuerRef", (o) => [`${o.metadata.namespace}/my-ca`]);
  for (const object of objects) store.apply({ type: "applied", object });
});

Deno.bench(`Store.apply: ${N} added then ${N} updated objects`, { group: "apply" }, () => {
  const store = new Store<KubeObject>();
  store.addIndex("issuerRef", (o) => [`${o.metadata.namespace}/my-ca`]);
  for (const object of objects) store.apply({ type: "applied", object });
  for (const object of updates) store.apply({ type: "applied", object });
});

Deno.bench(`Store.apply: re-list of ${N} objects over ${N} (swap and diff)`, {
  group: "relist",
}, (b) => {
  const store = new Store<KubeObject>();
  store.addIndex("issuerRef", (o) => [`${o.metadata.namespace}/my-ca`]);
  store.apply({ type: "restarted", objects, resourceVersion: String(N) });
  b.start();
  store.apply({ type: "restarted", objects: updates, resourceVersion: String(2 * N) });
  b.end();
});

const indexed = new Store<KubeObject>();
indexed.addIndex("issuerRef", (o) => [`${o.metadata.namespace}/my-ca`]);
indexed.apply({ type: "restarted", objects, resourceVersion: String(N) });

Deno.bench(`Store.byIndex: requests of one issuer among ${N} (500 match)`, {
  group: "read",
}, () => {
  if (indexed.byIndex("issuerRef", "team-7/my-ca").length !== N / 20) throw new Error("index");
});
