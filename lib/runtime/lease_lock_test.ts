import { strict as assert } from "node:assert";
import { isConflict, isNotFound } from "../client/kube_api_error.ts";
import { KubeClient } from "../client/kube_client.ts";
import { FakeApiServer } from "../testing/apiserver/fake_api_server.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  type LeaderElectionRecord,
  LeaseLock,
  type LeaseSpec,
  leaseSpecToRecord,
  recordToLeaseSpec,
} from "./lease_lock.ts";

const T0 = Date.UTC(2024, 0, 1);

function record(holder: string, at: number, transitions = 0): LeaderElectionRecord {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: at,
    renewTime: at,
    leaseTransitions: transitions,
  };
}

function specOf(server: FakeApiServer, name = "issuer"): LeaseSpec | undefined {
  return server.get("leases.coordination.k8s.io", "kube-system", name)?.spec as
    | LeaseSpec
    | undefined;
}

function fixture() {
  const clock = new FakeClock(T0);
  const server = new FakeApiServer({ clock });
  const client = new KubeClient("http://fake", server.fetch, { clock, retry: false });
  return {
    clock,
    server,
    client,
    lock: (name = "issuer") => new LeaseLock(client, { namespace: "kube-system", name }),
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

Deno.test("leaseSpecToRecord reads MicroTimes (six digits) and defaults unset fields", () => {
  assert.deepEqual(
    leaseSpecToRecord({
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      acquireTime: "2024-01-01T00:00:00.123456Z",
      renewTime: "2024-01-01T00:00:05.000000Z",
      leaseTransitions: 3,
    }),
    {
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      acquireTime: T0 + 123,
      renewTime: T0 + 5000,
      leaseTransitions: 3,
    },
  );
  assert.deepEqual(leaseSpecToRecord({ holderIdentity: null, leaseTransitions: null }), {
    holderIdentity: "",
    leaseDurationSeconds: 0,
    acquireTime: undefined,
    renewTime: undefined,
    leaseTransitions: 0,
  });
});

Deno.test("recordToLeaseSpec writes six fractional digits and keeps strategy and preferredHolder", () => {
  const spec = recordToLeaseSpec(record("b", T0 + 7), {
    holderIdentity: "a",
    strategy: "OldestEmulationVersion",
    preferredHolder: "b",
  });
  assert.deepEqual(spec, {
    strategy: "OldestEmulationVersion",
    preferredHolder: "b",
    holderIdentity: "b",
    leaseDurationSeconds: 15,
    acquireTime: "2024-01-01T00:00:00.007000Z",
    renewTime: "2024-01-01T00:00:00.007000Z",
    leaseTransitions: 0,
  });
});

Deno.test("LeaseLock rejects names that are not object names", () => {
  const client = new KubeClient("http://fake", () => Promise.reject(new Error("unused")));
  assert.throws(
    () => new LeaseLock(client, { namespace: "kube-system", name: "My_Lease" }),
    { name: "TypeError", message: /name must be a lower-case DNS subdomain name, got "My_Lease"/ },
  );
  assert.throws(
    () => new LeaseLock(client, { namespace: "", name: "x" }),
    { name: "TypeError", message: /namespace .* got ""/ },
  );
});

Deno.test("LeaseLock: get of a missing Lease is NotFound; create then get round-trips", async () => {
  await using f = fixture();
  const lock = new LeaseLock(f.client, {
    namespace: "kube-system",
    name: "issuer",
    labels: { app: "issuer" },
  });
  await assert.rejects(lock.get(), (e) => isNotFound(e));
  await lock.create(record("a", T0));
  const stored = f.server.get("leases.coordination.k8s.io", "kube-system", "issuer");
  assert.deepEqual(specOf(f.server), {
    holderIdentity: "a",
    leaseDurationSeconds: 15,
    acquireTime: "2024-01-01T00:00:00.000000Z",
    renewTime: "2024-01-01T00:00:00.000000Z",
    leaseTransitions: 0,
  });
  assert.deepEqual((stored?.metadata as { labels?: unknown }).labels, { app: "issuer" });
  const { record: read, raw } = await lock.get();
  assert.deepEqual(read, record("a", T0));
  assert.equal(raw, JSON.stringify(stored?.spec));
  assert.equal(lock.lease?.metadata.name, "issuer");
});

Deno.test("LeaseLock.update needs a read first, then replaces with the cached resourceVersion", async () => {
  await using f = fixture();
  const a = f.lock();
  await assert.rejects(a.update(record("a", T0)), /the lease is not initialized/);
  await a.create(record("a", T0));
  const rv1 = a.lease?.metadata.resourceVersion;
  await a.update(record("a", T0 + 2000));
  const rv2 = a.lease?.metadata.resourceVersion;
  assert.notEqual(rv1, rv2);
  assert.equal(specOf(f.server)?.renewTime, "2024-01-01T00:00:02.000000Z");
  assert.equal(f.server.requests.count({ verb: "update", resource: "leases" }), 1);
});

Deno.test("LeaseLock.update of a stale Lease is a Conflict, and a re-read fixes it", async () => {
  await using f = fixture();
  const a = f.lock();
  const b = f.lock();
  await a.create(record("a", T0));
  await b.get();
  await a.update(record("a", T0 + 2000)); // b's copy is now stale
  await assert.rejects(b.update(record("b", T0 + 2000, 1)), (e) => isConflict(e));
  assert.equal(specOf(f.server)?.holderIdentity, "a");
  await b.get();
  await b.update(record("b", T0 + 2000, 1));
  assert.equal(specOf(f.server)?.holderIdentity, "b");
});

Deno.test("LeaseLock.create of an existing Lease is AlreadyExists", async () => {
  await using f = fixture();
  await f.lock().create(record("a", T0));
  await assert.rejects(
    f.lock().create(record("b", T0)),
    (e) => e instanceof Error && /already exists/.test(e.message),
  );
});
