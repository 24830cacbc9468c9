/**
 * Conformance: Namespaces (spec §12.1, row C5 of §15.2): the default namespaces, what a
 * create and an update may set, NamespaceLifecycle admission (404 in a missing namespace,
 * 403 in a terminating one) and deletion. Runs unchanged against the fake and a real
 * kube-apiserver.
 *
 * Documented exception: the real tier runs kube-apiserver without
 * kube-controller-manager, so nothing empties and removes a terminating namespace there;
 * the fake emulates the namespace controller. The last step pins both behaviours.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { json, openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name?: string; labels?: Record<string, string> };
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
};
interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason: string; message: string; field?: string }[];
  };
}

const NAMESPACES = "/api/v1/namespaces";

function secret(name: string): Obj {
  return { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { k: "v" } };
}

async function expectStatus(res: Response, code: number): Promise<Status> {
  const body = await json<Status>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  assert.equal(body.kind, "Status");
  assert.equal(body.code, code);
  return body;
}

async function expectObject(res: Response, code: number): Promise<Obj> {
  const body = await json<Obj>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  return body;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

async function createNamespace(target: Target, body: Obj): Promise<Obj> {
  return await expectObject(await target.request("POST", NAMESPACES, { body }), 201);
}

Deno.test({
  name: `Namespace conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const real = target.kind === "real";

    await t.step(
      "§12.1 the default namespaces exist: Active, finalizer kubernetes, name label",
      async () => {
        for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
          const ns = await expectObject(await target.request("GET", `${NAMESPACES}/${name}`), 200);
          assert.equal(ns.status?.phase, "Active", name);
          assert.deepEqual(ns.spec?.finalizers, ["kubernetes"], name);
          assert.equal(ns.metadata.labels?.["kubernetes.io/metadata.name"], name);
        }
      },
    );

    await t.step(
      "§12.1 create: status forced Active, kubernetes finalizer appended, name label forced",
      async () => {
        const name = uniqueName("ns-create");
        const ns = await createNamespace(target, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name, labels: { "kubernetes.io/metadata.name": "other", a: "b" } },
          spec: { finalizers: ["example.com/foo"] },
          status: { phase: "Terminating" },
        });
        assert.equal(ns.status?.phase, "Active");
        assert.deepEqual(ns.spec?.finalizers, ["example.com/foo", "kubernetes"]);
        assert.deepEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": name, a: "b" });
      },
    );

    await t.step("§12.1 a finalizer name must be standard or qualified → 422", async () => {
      const res = await target.request("POST", NAMESPACES, {
        body: {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: "ns-bad-finalizer" },
          spec: { finalizers: ["foo"] },
        },
      });
      const status = await expectStatus(res, 422);
      assert.equal(
        status.message,
        'Namespace "ns-bad-finalizer" is invalid: spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
      );
      assert.deepEqual(status.details?.causes?.map((c) => c.field), ["spec.finalizers"]);
    });

    await t.step(
      "§12.1 update cannot change spec.finalizers or status; the name label comes back",
      async () => {
        const name = uniqueName("ns-update");
        const created = await createNamespace(target, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
        });
        const res = await target.request("PUT", `${NAMESPACES}/${name}`, {
          body: {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
              name,
              resourceVersion: created.metadata.resourceVersion,
              labels: { a: "b" },
            },
            spec: { finalizers: [] },
            status: { phase: "Terminating" },
          },
        });
        const ns = await expectObject(res, 200);
        assert.deepEqual(ns.spec?.finalizers, ["kubernetes"]);
        assert.equal(ns.status?.phase, "Active");
        assert.deepEqual(ns.metadata.labels, { a: "b", "kubernetes.io/metadata.name": name });
      },
    );

    await t.step('C5 create in a missing namespace → 404 namespaces "nope" not found', async () => {
      const res = await target.request("POST", "/api/v1/namespaces/nope/secrets", {
        body: secret("s"),
      });
      const status = await expectStatus(res, 404);
      assert.equal(status.reason, "NotFound");
      assert.equal(status.message, 'namespaces "nope" not found');
      assert.deepEqual(status.details, { name: "nope", kind: "namespaces" });
    });

    await t.step(
      "§12.1 reads in a missing namespace: an empty list, 404 for the object",
      async () => {
        const list = await expectObject(
          await target.request("GET", "/api/v1/namespaces/nope/secrets"),
          200,
        );
        assert.deepEqual(list.items, []);
        const status = await expectStatus(
          await target.request("GET", "/api/v1/namespaces/nope/secrets/s"),
          404,
        );
        assert.equal(status.message, 'secrets "s" not found');
      },
    );

    const doomed = await target.namespace("ns-doomed");
    const kept = await expectObject(
      await target.request("POST", `/api/v1/namespaces/${doomed}/secrets`, {
        body: secret("content"),
      }),
      201,
    );

    await t.step(
      "§12.1 DELETE a namespace → 200 with it: Terminating, deletionTimestamp, no grace period",
      async () => {
        const ns = await expectObject(
          await target.request("DELETE", `${NAMESPACES}/${doomed}`),
          200,
        );
        assert.equal(ns.kind, "Namespace");
        assert.equal(ns.status?.phase, "Terminating");
        assert.equal(typeof ns.metadata.deletionTimestamp, "string");
        assert.equal(ns.metadata.deletionGracePeriodSeconds, undefined);
        assert.deepEqual(ns.spec?.finalizers, ["kubernetes"]);
      },
    );

    await t.step(
      "§12.1 create in a terminating namespace → 403 … because it is being terminated",
      async () => {
        const res = await target.request("POST", `/api/v1/namespaces/${doomed}/secrets`, {
          body: secret("late"),
        });
        const status = await expectStatus(res, 403);
        assert.equal(status.reason, "Forbidden");
        assert.equal(
          status.message,
          `secrets "late" is forbidden: unable to create new content in namespace ${doomed} because it is being terminated`,
        );
        assert.deepEqual(status.details, {
          name: "late",
          kind: "secrets",
          causes: [{
            reason: "NamespaceTerminating",
            message: `namespace ${doomed} is being terminated`,
            field: "metadata.namespace",
          }],
        });
      },
    );

    await t.step(
      real
        ? "§12.1 no namespace controller on the real tier: the namespace stays Terminating with its content (documented exception)"
        : "§12.1 the fake's namespace controller deletes the content, then the namespace",
      async () => {
        if (real) {
          const ns = await expectObject(
            await target.request("GET", `${NAMESPACES}/${doomed}`),
            200,
          );
          assert.equal(ns.status?.phase, "Terminating");
          const still = await expectObject(
            await target.request("GET", `/api/v1/namespaces/${doomed}/secrets/content`),
            200,
          );
          assert.equal(still.metadata.uid, kept.metadata.uid);
          return;
        }
        const fake = target.fake!;
        await fake.waitFor("namespaces", "", doomed, (o) => o === undefined, { timeoutMs: 5000 });
        assert.equal(fake.get("secrets", doomed, "content"), undefined);
        await expectStatus(await target.request("GET", `${NAMESPACES}/${doomed}`), 404);
      },
    );
  },
});
