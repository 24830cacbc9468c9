/**
 * Smoke tests of the real kube-apiserver + etcd tier.
 *
 * Skipped when tests/real/bin has no binaries, unless REAL_APISERVER_REQUIRED=1 (then they fail
 * and say to run tests/real/build.sh). Run: `npx deno test --allow-all tests/real/`.
 */

import assert from "node:assert/strict";
import {
  adminRequest,
  createAdminHttpClient,
  createServiceAccountToken,
  DEFAULT_BIN_DIR,
  kubectl,
  realClusterBinariesPresent,
  startRealCluster,
} from "./real_cluster.ts";

const present = realClusterBinariesPresent();
const required = Deno.env.get("REAL_APISERVER_REQUIRED") === "1";
const skip = !present && !required;
const skipNote = " [SKIPPED: no etcd/kube-apiserver in tests/real/bin; run tests/real/build.sh]";
if (skip) {
  console.warn(
    `real cluster tests skipped: ${DEFAULT_BIN_DIR}/{etcd,kube-apiserver} missing. ` +
      "Run tests/real/build.sh (or set REAL_APISERVER_REQUIRED=1 to make this a failure).",
  );
}

function requireBinaries(): void {
  if (!present) {
    throw new Error(
      `REAL_APISERVER_REQUIRED=1 but ${DEFAULT_BIN_DIR}/{etcd,kube-apiserver} are missing: ` +
        "run tests/real/build.sh",
    );
  }
}

function realTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: skip ? name + skipNote : name,
    ignore: skip,
    fn: async (t) => {
      requireBinaries();
      await fn(t);
    },
  });
}

/** Pids of live processes running one of the binaries in tests/real/bin. */
function ourProcesses(): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const exe = Deno.readLinkSync(`/proc/${entry.name}/exe`).replace(/ \(deleted\)$/, "");
      if (exe === `${DEFAULT_BIN_DIR}/etcd` || exe === `${DEFAULT_BIN_DIR}/kube-apiserver`) {
        found.push(Number(entry.name));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}/exe`);
    return Deno.readLinkSync(`/proc/${pid}/exe`).startsWith(DEFAULT_BIN_DIR);
  } catch {
    return false;
  }
}

function get(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

realTest("real cluster: version, kubectl, namespace + secret, service account token", async (t) => {
  const cluster = await startRealCluster();
  try {
    await t.step("/version", async () => {
      const client = createAdminHttpClient(cluster);
      try {
        const res = await fetch(`${cluster.url}/version`, { client });
        assert.equal(res.status, 200);
        const v: unknown = await res.json();
        assert.equal(get(v, "major"), "1");
        assert.equal(get(v, "minor"), "34");
        assert.equal(get(v, "gitVersion"), "v1.34.4");
      } finally {
        client.close();
      }
    });

    await t.step("kubectl get ns lists default", async () => {
      const out = await kubectl(cluster, ["get", "ns"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^default\s+Active\s/m);
    });

    await t.step("create namespace and secret with the admin client certificate", async () => {
      const ns = await adminRequest(cluster, "POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "real-t" },
      });
      assert.equal(ns.status, 201, JSON.stringify(ns.body));

      const secret = await adminRequest(cluster, "POST", "/api/v1/namespaces/real-t/secrets", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s1" },
        type: "kubernetes.io/tls",
        data: { "tls.crt": btoa("cert"), "tls.key": btoa("key") },
      });
      assert.equal(secret.status, 201, JSON.stringify(secret.body));
      assert.equal(get(secret.body, "metadata", "namespace"), "real-t");

      const back = await adminRequest(cluster, "GET", "/api/v1/namespaces/real-t/secrets/s1");
      assert.equal(back.status, 200);
      assert.equal(get(back.body, "data", "tls.crt"), btoa("cert"));

      const again = await adminRequest(cluster, "POST", "/api/v1/namespaces/real-t/secrets", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s1" },
      });
      assert.equal(again.status, 409);
      assert.equal(get(again.body, "message"), 'secrets "s1" already exists');

      const missing = await adminRequest(cluster, "POST", "/api/v1/namespaces/nope/secrets", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s1" },
      });
      assert.equal(missing.status, 404);
      assert.equal(get(missing.body, "message"), 'namespaces "nope" not found');

      const listed = await kubectl(cluster, ["get", "secrets", "-n", "real-t", "-o", "name"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^secret\/s1$/m);
    });

    await t.step("service account token authenticates; RBAC denies by default", async () => {
      const token = await createServiceAccountToken(cluster, "real-sa", "issuer");
      const client = Deno.createHttpClient({ caCerts: [cluster.caPem] });
      try {
        const review = await fetch(
          `${cluster.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
          {
            client,
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              apiVersion: "authentication.k8s.io/v1",
              kind: "SelfSubjectReview",
            }),
          },
        );
        assert.equal(review.status, 201);
        const body: unknown = await review.json();
        assert.equal(
          get(body, "status", "userInfo", "username"),
          "system:serviceaccount:real-sa:issuer",
        );

        const denied = await fetch(`${cluster.url}/api/v1/namespaces/real-t/secrets`, {
          client,
          headers: { Authorization: `Bearer ${token}` },
        });
        assert.equal(denied.status, 403);
        await denied.body?.cancel();

        const anonymous = await fetch(`${cluster.url}/api/v1/namespaces`, { client });
        assert.equal(anonymous.status, 403);
        await anonymous.body?.cancel();
      } finally {
        client.close();
      }
    });
  } finally {
    await cluster.stop();
  }
  assert.ok(!isAlive(cluster.pids.apiserver), "kube-apiserver still running");
  assert.ok(!isAlive(cluster.pids.etcd), "etcd still running");
  await assert.rejects(Deno.stat(cluster.dir), Deno.errors.NotFound);
});

realTest("real cluster: await using stops it; abort cancels a start", async () => {
  let pids: { etcd: number; apiserver: number } | undefined;
  {
    await using cluster = await startRealCluster();
    pids = { ...cluster.pids };
    const res = await adminRequest(cluster, "GET", "/readyz");
    assert.equal(res.body, "ok");
  }
  assert.ok(!isAlive(pids.apiserver) && !isAlive(pids.etcd), "processes left after dispose");

  const controller = new AbortController();
  const reason = new Error("test abort");
  const timer = setTimeout(() => controller.abort(reason), 1500);
  try {
    await assert.rejects(startRealCluster({ signal: controller.signal }), (e) => e === reason);
  } finally {
    clearTimeout(timer);
  }
  assert.deepEqual(ourProcesses(), []);
});

realTest("real cluster: start.sh / stop.sh", async () => {
  const dir = await Deno.makeTempDir({ prefix: "certkit-real-sh-" });
  const here = new URL(".", import.meta.url).pathname;
  const run = async (script: string) => {
    const out = await new Deno.Command(`${here}${script}`, {
      args: [dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  try {
    const started = await run("start.sh");
    assert.equal(started.code, 0, started.stderr);
    const out = await kubectl({ dir, kubeconfigPath: `${dir}/kubeconfig` }, [
      "get",
      "ns",
      "default",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^default\s+Active/m);
  } finally {
    const stopped = await run("stop.sh");
    assert.equal(stopped.code, 0, stopped.stderr);
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(ourProcesses(), []);
});
