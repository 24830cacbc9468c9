import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import { Manager } from "../runtime/manager.ts";
import { FakeApiServer } from "../testing/mod.ts";
import { IssuerError, PendingError, PermanentError } from "./errors.ts";
import { IssuerControllers } from "./issuer_controllers.ts";
import { certificateRequestTransform } from "./_request_cache.ts";
import { CERTIFICATE_REQUESTS } from "./_resources.ts";
import {
  conditionOf,
  conditionTypes,
  readyMessages,
  TestEnv,
  testIssuer,
  testPki,
} from "./_test_helpers.ts";

Deno.test("a quick issuance costs exactly one status write on the request", async () => {
  const pki = await testPki();
  let signs = 0;
  await using env = await TestEnv.start({
    controllers: {
      sign: () => {
        signs++;
        return Promise.resolve({ chainPem: pki.chainPem, caPem: pki.caPem });
      },
    },
  });
  await env.createIssuer(testIssuer, "ns1", "issuer-1");
  await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
  await env.createCertificateRequest("ns1", "cr-1", {
    group: testIssuer.group,
    kind: testIssuer.kind,
    name: "issuer-1",
  });
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests"), 0, "nothing written before approval");
  await env.approve("ns1", "cr-1");
  const cr = await env.waitForRequest(
    "ns1",
    "cr-1",
    (o) => conditionOf(o, "Ready")?.status === "True",
  );
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 1);
  assert.equal(signs, 1);
  assert.deepEqual(conditionTypes(cr), ["Approved=True", "Ready=True"]);
  assert.equal(conditionOf(cr, "Ready")?.reason, "Issued");
  assert.equal((cr.status as { certificate?: string }).certificate, btoa(pki.chainPem));
  assert.equal((cr.status as { ca?: string }).ca, undefined, "setCaOnCertificateRequest is off");
  assert.deepEqual(env.recorder.events.filter((e) => e.includes("Issued")), [
    "Normal Issued Succeeded signing the CertificateRequest",
  ]);
});

const issuerRef = { group: testIssuer.group, kind: testIssuer.kind, name: "issuer-1" };

async function readyIssuer(env: TestEnv, type = testIssuer, namespace = "ns1") {
  await env.createIssuer(type, namespace, "issuer-1");
  await env.waitForIssuer(
    type,
    namespace,
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
}

Deno.test("nothing is written, and no event recorded, when a reconcile finds nothing changed", async () => {
  await using env = await TestEnv.start();
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  const message =
    'TestIssuer.testing.cert-manager.io "issuer-1" not found. Waiting for it to be created.';
  await env.waitForReadyMessage("ns1", "cr-1", message);
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 1);
  const events = env.recorder.events.length;
  // An annotation change passes the request predicate: the reconcile runs again, decides the
  // same state, and writes nothing.
  await env.client.performRequest({
    method: "PATCH",
    path: "/apis/cert-manager.io/v1/namespaces/ns1/certificaterequests/cr-1",
    contentType: "application/merge-patch+json",
    bodyJson: { metadata: { annotations: { touched: "1" } } },
    expectJson: true,
  });
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 1);
  assert.equal(env.recorder.events.length, events);
});

Deno.test("race: an approver, another condition writer and the reconciler lose nothing", async () => {
  const pki = await testPki();
  await using env = await TestEnv.start({
    controllers: { sign: () => Promise.resolve({ chainPem: pki.chainPem }) },
  });
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  using history = env.requestHistory("ns1", "cr-1");
  // The approver and another writer apply their own conditions, concurrently, while the
  // reconciler signs and writes Ready.
  await Promise.all([
    env.approve("ns1", "cr-1"),
    env.setRequestCondition(
      "ns1",
      "cr-1",
      { type: "example.com/Audited", status: "True" },
      "auditor",
    ),
  ]);
  const issued = await env.waitForRequest(
    "ns1",
    "cr-1",
    (o) => conditionOf(o, "Ready")?.status === "True",
  );
  // The other writer changes its condition after issuance: Ready stays.
  await env.setRequestCondition(
    "ns1",
    "cr-1",
    { type: "example.com/Audited", status: "False" },
    "auditor",
  );
  await env.quiet();
  const final = env.server.get("certificaterequests.cert-manager.io", "ns1", "cr-1");
  assert.deepEqual(conditionTypes(final).sort(), [
    "Approved=True",
    "Ready=True",
    "example.com/Audited=False",
  ]);
  assert.equal((final?.status as { certificate?: string }).certificate, btoa(pki.chainPem));
  assert.ok(conditionOf(issued, "Approved") !== undefined);
  assert.ok(history.states.length >= 3);
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 1);
  const statusManagers = ((final?.metadata as {
    managedFields?: { manager: string; subresource?: string }[];
  }).managedFields ?? []).filter((m) => m.subresource === "status").map((m) => m.manager).sort();
  assert.deepEqual(statusManagers, ["approver", "auditor", "test-field-manager"]);
});

Deno.test("a transient sign failure is retried and recovers", async () => {
  const pki = await testPki();
  let signs = 0;
  await using env = await TestEnv.start({
    controllers: {
      sign: () => {
        signs++;
        return signs === 1
          ? Promise.reject(new Error("connection reset"))
          : Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  await readyIssuer(env);
  using history = env.requestHistory("ns1", "cr-1");
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  await env.waitForReadyMessage("ns1", "cr-1", "Succeeded signing the CertificateRequest");
  await env.quiet();
  assert.equal(signs, 2);
  assert.deepEqual(readyMessages(history), [
    "Failed to sign CertificateRequest, will retry: connection reset",
    "Succeeded signing the CertificateRequest",
  ]);
  assert.ok(
    env.recorder.events.includes(
      "Warning RetryableError Failed to sign CertificateRequest, will retry: connection reset",
    ),
  );
});

Deno.test("a permanent sign error fails the request once, with a failure time, and is not retried", async () => {
  let signs = 0;
  await using env = await TestEnv.start({
    controllers: {
      sign: () => {
        signs++;
        return Promise.reject(new PermanentError("the CA refuses example.org"));
      },
    },
  });
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  const failed = await env.waitForReadyMessage(
    "ns1",
    "cr-1",
    "Failed permanently to sign CertificateRequest: the CA refuses example.org",
  );
  await env.clock.advance(60_000);
  await env.quiet();
  assert.equal(signs, 1);
  assert.equal(conditionOf(failed, "Ready")?.reason, "Failed");
  assert.equal((failed.status as { failureTime?: string }).failureTime, "2024-01-01T00:00:00Z");
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 1);
  assert.deepEqual(env.recorder.events.filter((e) => e.includes("PermanentError")), [
    "Warning PermanentError Failed permanently to sign CertificateRequest: the CA refuses example.org",
  ]);
});

Deno.test("an issuer error from sign makes a Ready issuer re-check", async () => {
  const pki = await testPki();
  let checks = 0;
  let signs = 0;
  await using env = await TestEnv.start({
    controllers: {
      check: () => {
        checks++;
        return Promise.resolve();
      },
      sign: () => {
        signs++;
        return signs === 1
          ? Promise.reject(new IssuerError(new Error("the CA token expired")))
          : Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  await readyIssuer(env);
  using issuerHistory = env.history("testissuers.testing.cert-manager.io", "ns1", "issuer-1");
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  await env.waitForReadyMessage("ns1", "cr-1", "Succeeded signing the CertificateRequest");
  await env.quiet();
  assert.equal(checks, 2, "the first check, then the re-check after the reported error");
  assert.deepEqual(readyMessages(issuerHistory), [
    "Succeeded checking the issuer",
    "Not ready yet: the CA token expired",
    "Succeeded checking the issuer",
  ]);
});

Deno.test("the periodic re-check of a Ready issuer writes nothing when unchanged", async () => {
  let checks = 0;
  await using env = await TestEnv.start({
    controllers: {
      recheckIntervalMs: 60_000,
      check: () => {
        checks++;
        return Promise.resolve();
      },
    },
  });
  await readyIssuer(env);
  await env.quiet();
  const writes = env.statusWrites("testissuers");
  const events = env.recorder.events.length;
  assert.equal(checks, 1);
  await env.clock.advance(60_000);
  await env.quiet();
  assert.equal(checks, 2);
  await env.clock.advance(60_000);
  await env.quiet();
  assert.equal(checks, 3);
  assert.equal(env.statusWrites("testissuers"), writes);
  assert.equal(env.recorder.events.length, events);
});

Deno.test("the periodic re-check notices a broken CA before a request fails on it", async () => {
  let broken = false;
  await using env = await TestEnv.start({
    instantRetries: false,
    controllers: {
      recheckIntervalMs: 60_000,
      check: () => broken ? Promise.reject(new Error("the CA key is gone")) : Promise.resolve(),
    },
  });
  await readyIssuer(env);
  broken = true;
  await env.clock.advance(60_000);
  const issuer = await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "False",
  );
  assert.equal(conditionOf(issuer, "Ready")?.message, "Not ready yet: the CA key is gone");
});

Deno.test("a slow sign shows Initializing meanwhile: two writes", async () => {
  const pki = await testPki();
  const release = Promise.withResolvers<void>();
  let started = false;
  await using env = await TestEnv.start({
    controllers: {
      slowSignAfterMs: 2000,
      sign: async () => {
        started = true;
        await release.promise;
        return { chainPem: pki.chainPem };
      },
    },
  });
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  await env.quiet();
  assert.ok(started);
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 0);
  await env.clock.advance(2000);
  const initializing = await env.waitForReadyMessage(
    "ns1",
    "cr-1",
    "test-field-manager has started reconciling this CertificateRequest",
  );
  assert.equal(conditionOf(initializing, "Ready")?.status, "Unknown");
  release.resolve();
  await env.waitForReadyMessage("ns1", "cr-1", "Succeeded signing the CertificateRequest");
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests", "cr-1"), 2);
});

Deno.test("annotations from a PendingError are persisted and seen by the next sign", async () => {
  const pki = await testPki();
  const seen: (string | undefined)[] = [];
  await using env = await TestEnv.start({
    controllers: {
      sign: (request) => {
        const order = request.metadata.annotations?.["ca.example.com/order"];
        seen.push(order);
        if (order === undefined) {
          return Promise.reject(
            new PendingError("order placed", {
              requeueAfterMs: 10_000,
              annotations: { "ca.example.com/order": "17" },
            }),
          );
        }
        return Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  await env.waitForReadyMessage("ns1", "cr-1", "Signing still in progress. Reason: order placed");
  await env.clock.advance(10_000);
  await env.waitForReadyMessage("ns1", "cr-1", "Succeeded signing the CertificateRequest");
  assert.deepEqual(seen.slice(0, 1), [undefined]);
  assert.equal(seen.at(-1), "17");
});

Deno.test("a CR denied by an approver ends Denied with a failure time (difference 1)", async () => {
  await using env = await TestEnv.start();
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.setRequestCondition("ns1", "cr-1", { type: "Denied", status: "True" });
  const denied = await env.waitForReadyMessage(
    "ns1",
    "cr-1",
    "Detected that the CertificateRequest is denied, so it will never be Ready.",
  );
  await env.quiet();
  assert.equal(conditionOf(denied, "Ready")?.reason, "Denied");
  assert.ok((denied.status as { failureTime?: string }).failureTime);
  assert.ok(env.recorder.events.some((e) => e.startsWith("Warning PermanentError Detected")));
});

Deno.test("ignoreIssuer and ignoreCertificateRequest leave requests alone before anything is written", async () => {
  await using env = await TestEnv.start({
    controllers: {
      ignoreIssuer: (issuer) => Promise.resolve(issuer.metadata.name === "not-mine"),
      ignoreCertificateRequest: (request) =>
        Promise.resolve(request.metadata.annotations?.["shard"] === "b"),
    },
  });
  await env.createIssuer(testIssuer, "ns1", "not-mine");
  await env.createCertificateRequest("ns1", "cr-1", { ...issuerRef, name: "not-mine" });
  await env.createCertificateRequest("ns1", "cr-2", issuerRef, { annotations: { shard: "b" } });
  await env.approve("ns1", "cr-1");
  await env.approve("ns1", "cr-2");
  await env.quiet();
  assert.equal(env.statusWrites("certificaterequests"), 0);
  assert.equal(env.statusWrites("testissuers"), 0);
});

Deno.test("bounded memory: the cache keeps an issued request without managedFields, CSR, certificate or CA", async () => {
  const pki = await testPki();
  await using env = await TestEnv.start({
    controllers: {
      setCaOnCertificateRequest: true,
      sign: () => Promise.resolve({ chainPem: pki.chainPem, caPem: pki.caPem }),
    },
  });
  await readyIssuer(env);
  await env.createCertificateRequest("ns1", "cr-1", issuerRef);
  await env.approve("ns1", "cr-1");
  const stored = await env.waitForRequest(
    "ns1",
    "cr-1",
    (o) => conditionOf(o, "Ready")?.status === "True",
  );
  await env.quiet();
  const informer = env.manager.informerFor(CERTIFICATE_REQUESTS, {
    transform: certificateRequestTransform,
  });
  const cached = informer.store.get("ns1/cr-1");
  assert.ok(cached !== undefined);
  assert.equal(cached.metadata.managedFields, undefined);
  assert.equal(cached.spec.request, undefined);
  assert.equal(cached.status?.certificate, undefined);
  assert.equal(cached.status?.ca, undefined);
  assert.equal((stored.status as { ca?: string }).ca, btoa(pki.caPem));
  const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o)).length;
  console.log(
    `bytes per cached issued CertificateRequest: ${bytes(stored)} as stored, ${
      bytes(cached)
    } cached`,
  );
  assert.ok(bytes(cached) * 4 < bytes(stored));
});

async function controllersWith(workers: number, issuerTypes = [testIssuer]) {
  await using server = new FakeApiServer();
  using client = new KubeClient("http://fake", server.fetch);
  await using manager = new Manager({ client });
  const controllers = new IssuerControllers({
    issuerTypes,
    fieldManager: "test",
    check: () => Promise.resolve(),
    sign: () => Promise.reject(new Error("unused")),
    eventRecorder: { record() {} },
    workers,
  });
  controllers.addTo(manager);
  return controllers.controllers.map((c) => `${c.name}:${c.workers}`);
}

Deno.test("119. workers 0 with no issuer types: setup succeeds and every controller runs 1 worker", async () => {
  assert.deepEqual(await controllersWith(0, []), [
    "certificaterequests.cert-manager.io:1",
    "certificatesigningrequests.certificates.k8s.io:1",
  ]);
});

Deno.test("120. workers 5: setup succeeds and every controller, requests included, runs 5 (difference 5)", async () => {
  assert.deepEqual(await controllersWith(5), [
    "testissuers.testing.cert-manager.io:5",
    "certificaterequests.cert-manager.io:5",
    "certificatesigningrequests.certificates.k8s.io:5",
  ]);
});
