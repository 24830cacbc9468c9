/**
 * The Kubernetes client (lib/client) against a real kube-apiserver: client-certificate
 * authentication from a kubeconfig, bound service-account token rotation through a token file,
 * and watch resume from a resourceVersion (plus a too-old one answering 410). Deno's TLS server
 * does not verify client certificates, so the fake API server cannot cover the first.
 *
 * One cluster for the whole file, started once. Runs under `CONFORMANCE_TARGET=real`
 * (`deno task test:real`); ignored otherwise. Without binaries in tests/real/bin it is ignored
 * too, unless REAL_APISERVER_REQUIRED=1 (then it fails and says to run tests/real/build.sh).
 */
import assert from "node:assert/strict";
import {
  type ClusterConnection,
  type CredentialSource,
  fetchTransport,
  isGone,
  isNotFound,
  isUnauthorized,
  KubeApiError,
  KubeClient,
  type KubeObject,
  loadConnection,
  type RequestMetrics,
  ResourceClient,
  type ResourceDescriptor,
  TokenFileCredentials,
  type WatchEvent,
  type WatchObjectEvent,
} from "../../lib/client/mod.ts";
import { FakeClock } from "../../lib/testing/fake_clock.ts";
import {
  adminRequest,
  createServiceAccountToken,
  type RealCluster,
  startRealCluster,
} from "./real_cluster.ts";
import { realTest } from "./_real_test.ts";

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const NAMESPACES: ResourceDescriptor<KubeObject> = {
  group: "",
  version: "v1",
  plural: "namespaces",
  kind: "Namespace",
  namespaced: false,
};

const SECRETS: ResourceDescriptor<Secret> = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};

interface Condition {
  type: string;
  status: string;
}

interface Crd extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { conditions?: Condition[] };
}

const CRDS: ResourceDescriptor<Crd> = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

const WIDGETS: ResourceDescriptor<KubeObject> = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  namespaced: true,
};

/** Creates the `widgets.example.com` CRD and waits until its resource answers a list. */
async function establishedCrd(client: KubeClient): Promise<ResourceClient<KubeObject>> {
  const crds = new ResourceClient(client, CRDS);
  await crds.create({
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [{
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      }],
    },
  });
  const widgets = new ResourceClient(client, WIDGETS);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const crd = await crds.get("widgets.example.com");
    const established = (crd.status?.conditions ?? []).some((c) =>
      c.type === "Established" && c.status === "True"
    );
    // Right after Established the new resource may still answer 404 while its handler starts.
    if (established && await widgets.listPage({ limit: 1 }).then(() => true, () => false)) {
      return widgets;
    }
    if (Date.now() > deadline) {
      assert.fail(`CRD widgets.example.com not served after ${WAIT_MS} ms`);
    }
    await sleep(100);
  }
}

/** How long any single wait on the real cluster may take before the test fails. */
const WAIT_MS = 30_000;

function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles like `work`, or rejects after `ms` naming `what`; the timer never outlives it. */
async function within<T>(work: Promise<T>, what: string, ms: number = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function openssl(args: readonly string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `openssl ${args.slice(0, 2).join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** A self-signed client certificate claiming CN=admin, O=system:masters: not from the cluster CA. */
async function rogueClientCertificate(dir: string): Promise<{ certPem: string; keyPem: string }> {
  const key = `${dir}/rogue.key`;
  const cert = `${dir}/rogue.crt`;
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/O=system:masters/CN=admin",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-addext",
    "extendedKeyUsage=clientAuth",
  ]);
  return { certPem: await Deno.readTextFile(cert), keyPem: await Deno.readTextFile(key) };
}

/** Status of a SelfSubjectReview sent straight with `token` (outside the client under test). */
async function reviewStatus(cluster: RealCluster, token: string): Promise<number> {
  const client = Deno.createHttpClient({ caCerts: [cluster.caPem] });
  try {
    const res = await fetch(`${cluster.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      client,
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }),
    });
    await res.body?.cancel();
    return res.status;
  } finally {
    client.close();
  }
}

/** The SelfSubjectReview body the client posts with the service-account token. */
const SELF_SUBJECT_REVIEW = { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" };

/** Next ADDED/MODIFIED/DELETED event, skipping bookmarks; fails if the watch ends or stalls. */
async function nextObjectEvent(
  events: AsyncIterator<WatchEvent<Secret>>,
  what: string,
): Promise<WatchObjectEvent<Secret>> {
  for (;;) {
    const next = await within(events.next(), `watch event (${what})`);
    if (next.done) throw new Error(`watch ended while waiting for ${what}`);
    if (next.value.type !== "BOOKMARK") return next.value;
  }
}

function summary(event: WatchObjectEvent<Secret>): string {
  return `${event.type} ${event.object.metadata.name}`;
}

realTest(
  "client on a real kube-apiserver: client certificates, token rotation, watch resume",
  async (t) => {
    await using cluster = await startRealCluster();

    await t.step("client certificate from the kubeconfig: list, create, get, delete", async () => {
      const connection = await loadConnection({ kubeconfig: cluster.kubeconfigPath });
      assert.equal(connection.server, cluster.url);
      assert.equal(connection.namespace, "default");
      assert.ok(connection.clientCertPem?.includes("BEGIN CERTIFICATE"));
      assert.equal(connection.credentials, undefined, "the admin kubeconfig has no token");

      using client = new KubeClient(connection.server, fetchTransport(connection), {
        defaultNamespace: connection.namespace,
      });
      const namespaces = new ResourceClient(client, NAMESPACES);
      const names = (await namespaces.list()).items.map((ns) => ns.metadata.name);
      for (const name of ["default", "kube-system", "kube-public"]) {
        assert.ok(names.includes(name), `namespaces ${JSON.stringify(names)} lack ${name}`);
      }

      await namespaces.create({ metadata: { name: "client-cert" } });
      const secrets = new ResourceClient(client, SECRETS, { namespace: "client-cert" });
      const created = await secrets.create({
        metadata: { name: "s1", labels: { app: "certkit" } },
        type: "Opaque",
        stringData: { "tls.crt": "cert" },
      });
      assert.equal(created.metadata.namespace, "client-cert");
      assert.equal(created.apiVersion, "v1");
      assert.equal(created.kind, "Secret");
      assert.ok(created.metadata.uid);

      const read = await secrets.get("s1");
      assert.equal(read.metadata.uid, created.metadata.uid);
      assert.equal(read.data?.["tls.crt"], btoa("cert"));
      assert.equal(read.metadata.labels?.app, "certkit");

      const again = await secrets.create({ metadata: { name: "s1" } }).then(
        () => assert.fail("a second create of s1 succeeded"),
        (e: unknown) => e,
      );
      assert.ok(again instanceof KubeApiError, String(again));
      assert.equal(again.code, 409);
      assert.equal(again.reason, "AlreadyExists");

      await secrets.delete("s1");
      const gone = await secrets.get("s1").then(
        () => assert.fail("s1 is still there after delete"),
        (e: unknown) => e,
      );
      assert.ok(isNotFound(gone), String(gone));
      assert.ok(gone instanceof KubeApiError);
      assert.equal(gone.message.includes('secrets "s1" not found'), true, gone.message);
    });

    await t.step("a client certificate the cluster CA did not sign: 401 Unauthorized", async () => {
      const connection = await loadConnection({ kubeconfig: cluster.kubeconfigPath });
      const rogue = await rogueClientCertificate(cluster.dir);
      const rogueConnection: ClusterConnection = {
        ...connection,
        clientCertPem: rogue.certPem,
        clientKeyPem: rogue.keyPem,
      };
      using client = new KubeClient(rogueConnection.server, fetchTransport(rogueConnection));
      const namespaces = new ResourceClient(client, NAMESPACES);
      const error = await namespaces.list().then(
        () => assert.fail("listing namespaces with a rogue certificate succeeded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KubeApiError, `expected a KubeApiError, got ${String(error)}`);
      assert.ok(isUnauthorized(error), `expected 401, got ${error.code} ${error.reason}`);
      assert.equal(error.code, 401);
      assert.equal(error.reason, "Unauthorized");
    });

    await t.step("token file rotation: re-read on the interval and after a 401", async () => {
      const ns = "token-rotation";
      const sa = "issuer";
      const tokenA = await createServiceAccountToken(cluster, ns, sa);
      const tokenB = await createServiceAccountToken(cluster, ns, sa);
      assert.notEqual(tokenA, tokenB);

      const tokenFile = `${cluster.dir}/token`;
      await Deno.writeTextFile(tokenFile, `${tokenA}\n`);
      const clock = new FakeClock();
      const source = new TokenFileCredentials(tokenFile, { clock });
      // What the transport asks the source for, and how often it reports a 401 (fetchTransport
      // calls invalidate() exactly when the server answered 401).
      const handedOut: string[] = [];
      let invalidations = 0;
      const counted: CredentialSource = {
        async authorization(signal) {
          const value = await source.authorization(signal);
          handedOut.push(value ?? "<none>");
          return value;
        },
        invalidate() {
          invalidations++;
          source.invalidate();
        },
      };
      const connection: ClusterConnection = {
        server: cluster.url,
        caCertsPem: [cluster.caPem],
        credentials: counted,
        namespace: ns,
      };
      const codes: string[] = [];
      using client = new KubeClient(connection.server, fetchTransport(connection), {
        onResponse: (m: RequestMetrics) => codes.push(m.code),
      });
      const review = async () =>
        await client.performRequest({
          method: "POST",
          path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
          bodyJson: SELF_SUBJECT_REVIEW,
          expectJson: true,
        });

      const saPath = `/api/v1/namespaces/${ns}/serviceaccounts/${sa}`;
      const oldSa = await adminRequest(cluster, "GET", saPath);
      assert.equal(oldSa.status, 200);
      const oldUid = get(oldSa.body, "metadata", "uid");
      assert.equal(typeof oldUid, "string");

      // 1. The first request reads the file.
      const first = await review();
      assert.equal(
        get(first, "status", "userInfo", "username"),
        `system:serviceaccount:${ns}:${sa}`,
      );
      assert.equal(get(first, "status", "userInfo", "uid"), oldUid);
      assert.deepEqual(handedOut, [`Bearer ${tokenA}`]);

      // 2. A new token on disk is not read before the interval (by the fake clock) ...
      await Deno.writeTextFile(tokenFile, `${tokenB}\n`);
      await review();
      assert.deepEqual(handedOut.slice(1), [`Bearer ${tokenA}`]);
      // ... and is read once it is due.
      await clock.advance(60_000);
      await review();
      assert.deepEqual(handedOut.slice(2), [`Bearer ${tokenB}`]);
      assert.equal(invalidations, 0);

      // 3. Delete and recreate the service account: its old tokens (A, B) stop working. Write a
      // token C of the new account to the file; the clock does not move, so only a 401 can make
      // the source re-read it.
      const deleted = await adminRequest(cluster, "DELETE", saPath);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      const tokenC = await createServiceAccountToken(cluster, ns, sa);
      const newSa = await adminRequest(cluster, "GET", saPath);
      const newUid = get(newSa.body, "metadata", "uid");
      assert.equal(typeof newUid, "string");
      assert.notEqual(newUid, oldUid);
      // The apiserver caches successful token authentications (10 s by default) and looks service
      // accounts up through an informer: wait, outside the client, until B fails and C works.
      const deadline = Date.now() + WAIT_MS;
      let states: [number, number] = [0, 0];
      for (;;) {
        states = [await reviewStatus(cluster, tokenB), await reviewStatus(cluster, tokenC)];
        if (states[0] === 401 && states[1] === 201) break;
        if (Date.now() > deadline) {
          assert.fail(
            `token B still answers ${states[0]}, token C ${states[1]} after ${WAIT_MS} ms`,
          );
        }
        await sleep(250);
      }
      await Deno.writeTextFile(tokenFile, `${tokenC}\n`);

      const before = handedOut.length;
      codes.length = 0;
      const rotated = await review();
      assert.equal(invalidations, 1, "exactly one 401");
      assert.deepEqual(handedOut.slice(before), [`Bearer ${tokenB}`, `Bearer ${tokenC}`]);
      assert.deepEqual(codes, ["201"], "the client sees only the retried request's answer");
      assert.equal(get(rotated, "status", "userInfo", "uid"), newUid);
      assert.equal(
        get(rotated, "status", "userInfo", "username"),
        `system:serviceaccount:${ns}:${sa}`,
      );

      // 4. With the fresh token, no further 401.
      await review();
      assert.equal(invalidations, 1);
      assert.deepEqual(handedOut.slice(before + 2), [`Bearer ${tokenC}`]);
    });

    await t.step(
      "watch: abort, resume from the last resourceVersion; too old is Gone",
      async () => {
        const ns = "watch-resume";
        const connection = await loadConnection({ kubeconfig: cluster.kubeconfigPath });
        using client = new KubeClient(connection.server, fetchTransport(connection));
        await new ResourceClient(client, NAMESPACES).create({ metadata: { name: ns } });
        const secrets = new ResourceClient(client, SECRETS, { namespace: ns });
        const listed = await secrets.list();
        assert.deepEqual(listed.items, []);
        const startRv = listed.metadata.resourceVersion;
        assert.ok(startRv);

        // First watch, from the list: s1 and s2 arrive, then abort.
        const firstStop = new AbortController();
        const first = secrets.watch({ resourceVersion: startRv, signal: firstStop.signal })[
          Symbol.asyncIterator
        ]();
        let lastRv: string | undefined;
        try {
          const pending = nextObjectEvent(first, "ADDED s1");
          await secrets.create({ metadata: { name: "s1" }, stringData: { n: "1" } });
          await secrets.create({ metadata: { name: "s2" }, stringData: { n: "2" } });
          const a = await pending;
          const b = await nextObjectEvent(first, "ADDED s2");
          assert.deepEqual([summary(a), summary(b)], ["ADDED s1", "ADDED s2"]);
          lastRv = b.object.metadata.resourceVersion;
          assert.ok(lastRv);
          firstStop.abort();
          const after = await within(first.next(), "the aborted watch to end");
          assert.equal(after.done, true, "an aborted watch ends without more events");
        } finally {
          firstStop.abort();
          await first.return?.();
        }

        // While nobody watches: modify s1, delete s2, create s3.
        await secrets.patch("s1", { type: "merge", body: { metadata: { labels: { v: "2" } } } });
        await secrets.delete("s2");
        await secrets.create({ metadata: { name: "s3" } });

        // Resume from s2's resourceVersion: exactly the three changes, then a sentinel; nothing
        // from before (no ADDED s1/s2 again).
        const resumeStop = new AbortController();
        const resumed = secrets.watch({ resourceVersion: lastRv, signal: resumeStop.signal })[
          Symbol.asyncIterator
        ]();
        try {
          const seen: WatchObjectEvent<Secret>[] = [];
          for (let i = 0; i < 3; i++) {
            seen.push(
              await nextObjectEvent(resumed, `event ${i + 1} of 3`),
            );
          }
          assert.deepEqual(seen.map(summary), ["MODIFIED s1", "DELETED s2", "ADDED s3"]);
          assert.equal(seen[0]?.object.metadata.labels?.v, "2");
          await secrets.create({ metadata: { name: "sentinel" } });
          const next = await nextObjectEvent(resumed, "ADDED sentinel");
          assert.equal(summary(next), "ADDED sentinel");
        } finally {
          resumeStop.abort();
          await resumed.return?.();
        }

        // A resourceVersion older than the server's watch history: 410 as a KubeApiError. Secrets
        // cannot show it on a fresh cluster: their watch cache started with etcd at revision ~1 and
        // still holds every event, so "1" is a valid start. A CRD's watch cache starts when the CRD
        // is established, so "1" predates it (as the conformance suite's W6 does with widgets).
        const widgets = await establishedCrd(client);
        const oldStop = new AbortController();
        const tooOld = widgets.watch({
          namespace: ns,
          resourceVersion: "1",
          signal: oldStop.signal,
        })[
          Symbol.asyncIterator
        ]();
        try {
          const error = await within(tooOld.next(), "the watch from resourceVersion 1 to fail")
            .then(
              (r) => assert.fail(`watch from resourceVersion 1 gave ${JSON.stringify(r)}`),
              (e: unknown) => e,
            );
          assert.ok(error instanceof KubeApiError, `expected a KubeApiError, got ${String(error)}`);
          assert.ok(isGone(error), `expected 410, got ${error.code} ${error.reason}`);
          assert.equal(error.code, 410);
          assert.equal(error.reason, "Expired");
          assert.match(error.message, /too old resource version: 1 \(\d+\)/);
        } finally {
          oldStop.abort();
          await tooOld.return?.();
        }
      },
    );
  },
);
