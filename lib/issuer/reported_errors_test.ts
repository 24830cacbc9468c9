import { strict as assert } from "node:assert";
import type { IssuerKey } from "./matching.ts";
import { ReportedErrors } from "./reported_errors.ts";
import { testClusterIssuer, testIssuer } from "./_test_fixtures.ts";

const key: IssuerKey = { namespace: "ns1", name: "issuer-1" };

Deno.test("§8 registering a type twice fails with the exact text", () => {
  const channel = new ReportedErrors();
  channel.register(testIssuer, () => {});
  assert.throws(
    () => channel.register(testIssuer, () => {}),
    { message: "consumer for testing.cert-manager.io/api, Kind=TestIssuer already registered" },
  );
});

Deno.test("§8 reporting for an unregistered type fails with the exact text", () => {
  const channel = new ReportedErrors();
  assert.throws(
    () => channel.report(testClusterIssuer, key, new Error("x")),
    { message: "consumer for testing.cert-manager.io/api, Kind=TestClusterIssuer does not exist" },
  );
});

Deno.test("§8 report stores (last write wins) and queues; take returns and deletes", () => {
  const channel = new ReportedErrors();
  const queued: IssuerKey[] = [];
  channel.register(testIssuer, (k) => queued.push(k));
  const first = new Error("first");
  const second = new Error("second");
  channel.report(testIssuer, key, first);
  channel.report(testIssuer, key, second);
  assert.deepEqual(queued, [key, key]);
  assert.deepEqual(channel.take(testIssuer, key), { error: second });
  assert.equal(channel.take(testIssuer, key), undefined, "taken once");
  assert.equal(channel.take(testClusterIssuer, key), undefined, "other type");
  channel.report(testIssuer, key, undefined);
  assert.deepEqual(
    channel.take(testIssuer, key),
    { error: undefined },
    "a reported undefined is still a report",
  );
});

Deno.test("§8 unregistering frees the type", () => {
  const channel = new ReportedErrors();
  const unregister = channel.register(testIssuer, () => {});
  channel.report(testIssuer, key, new Error("x"));
  unregister();
  assert.throws(() => channel.report(testIssuer, key, new Error("x")), /does not exist/);
  assert.equal(channel.take(testIssuer, key), undefined);
  channel.register(testIssuer, () => {});
});
