import { strict as assert } from "node:assert";
import { issuerType, type IssuerTypeOptions } from "./issuer_type.ts";

const base: IssuerTypeOptions = {
  group: "testing.cert-manager.io",
  version: "api",
  kind: "TestIssuer",
  plural: "testissuers",
  namespaced: true,
};

Deno.test("issuerType derives apiVersion, typeIdentifier and the Go GVK text", () => {
  const t = issuerType(base);
  assert.equal(t.apiVersion, "testing.cert-manager.io/api");
  assert.equal(t.typeIdentifier, "testissuers.testing.cert-manager.io");
  assert.equal(t.gvkString, "testing.cert-manager.io/api, Kind=TestIssuer");
  assert.equal(t.namespaced, true);
  assert.equal(t.maxRetryDurationMs, undefined);
  assert.ok(Object.isFrozen(t));
});

Deno.test("issuerType keeps the per-type timings", () => {
  const t = issuerType({ ...base, maxRetryDurationMs: 60_000, recheckIntervalMs: 0 });
  assert.equal(t.maxRetryDurationMs, 60_000);
  assert.equal(t.recheckIntervalMs, 0);
});

Deno.test("issuerType refuses malformed names with the argument and value", () => {
  const rows: [Partial<IssuerTypeOptions>, RegExp][] = [
    [{ group: "" }, /group must be a non-empty DNS subdomain, got ""/],
    [{ group: "Bad_Group" }, /group must be/],
    [{ version: "" }, /version must be/],
    [{ kind: "" }, /kind must be/],
    [{ plural: "test.issuers" }, /plural must be a lowercase resource name, got "test.issuers"/],
    [{ namespaced: "yes" as unknown as boolean }, /namespaced must be a boolean, got "yes"/],
  ];
  for (const [patch, message] of rows) {
    assert.throws(() => issuerType({ ...base, ...patch }), TypeError);
    assert.throws(() => issuerType({ ...base, ...patch }), message);
  }
  assert.throws(() => issuerType({ ...base, maxRetryDurationMs: -1 }), RangeError);
  assert.throws(() => issuerType({ ...base, recheckIntervalMs: Infinity }), /recheckIntervalMs/);
});

Deno.test("IssuerType.is tells issuers of the type from other objects", () => {
  const t = issuerType(base);
  assert.ok(t.is({ apiVersion: "testing.cert-manager.io/api", kind: "TestIssuer", metadata: {} }));
  assert.ok(t.is({ metadata: {} }), "no type meta: trusted to be of the watched type");
  assert.ok(!t.is({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }));
  assert.ok(!t.is({ apiVersion: "other/api", kind: "TestIssuer", metadata: {} }));
  assert.ok(!t.is({ kind: "TestIssuer", metadata: {}, status: "broken" } as never));
  assert.ok(!t.is({ kind: "TestIssuer", metadata: {}, status: { conditions: {} } } as never));
  assert.ok(!t.is(undefined));
});
