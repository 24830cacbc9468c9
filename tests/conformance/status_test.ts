/**
 * Conformance: the status subresource of a custom resource (spec §5, rows S1–S4 of
 * §15.2): main-resource writes never change `status`, `/status` writes change nothing
 * but `status`, `/status` never bumps `generation`, and the optimistic-concurrency and
 * verb rules of the subresource. Runs unchanged against the fake and a real
 * kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, TARGET_KIND } from "./_target.ts";
import {
  APPLY,
  assertNoEventBefore,
  assertStatus,
  create,
  get,
  managers,
  MERGE,
  mergePatch,
  must,
  type Obj,
  rvOf,
  send,
  Watch,
  widget,
  widgets,
  withoutVolatile,
} from "./_write_helpers.ts";

Deno.test({
  name: `STATUS subresource conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "status");
    let current = await create(
      target,
      w,
      widget("w1", { metadata: { labels: { keep: "me" } }, spec: { size: 1, color: "blue" } }),
    );

    await t.step(
      "S1 merge patch on /status with spec and labels → only status changes",
      async () => {
        await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);
        const out = await must<Obj>(200, target, "PATCH", w.status("w1"), {
          status: { x: 1 },
          spec: { size: 9 },
          metadata: { labels: { a: "b" } },
        }, MERGE);
        assert.deepEqual(out.status, { x: 1 });
        assert.deepEqual(out.spec, current.spec, "spec unchanged");
        assert.deepEqual(out.metadata.labels, { keep: "me" }, "labels unchanged");
        assert.equal(out.metadata.generation, current.metadata.generation, "generation unchanged");
        assert.ok(rvOf(out) > rvOf(current));
        assert.ok(
          managers(out).includes("conformance/Update/status"),
          `a status manager: ${managers(out)}`,
        );
        const ev = await watch.next();
        assert.equal(ev.type, "MODIFIED");
        assert.equal(ev.object.metadata.resourceVersion, out.metadata.resourceVersion);
        current = out;
      },
    );

    await t.step("S1 GET /status returns the whole object", async () => {
      assert.deepEqual(await get(target, w.status("w1")), await get(target, w.item("w1")));
    });

    await t.step("S2 PUT /status with a stale resourceVersion → 409 Conflict", async () => {
      const stale = { ...current, metadata: { ...current.metadata, resourceVersion: "1" } };
      const reply = await send(target, "PUT", w.status("w1"), { ...stale, status: { x: 2 } });
      const body = assertStatus(
        reply,
        409,
        "Conflict",
        'Operation cannot be fulfilled on widgets.example.com "w1": the object has been modified; please apply your changes to the latest version and try again',
      );
      assert.deepEqual(body.details, { name: "w1", group: "example.com", kind: "widgets" });
    });

    await t.step("S2 PUT /status without resourceVersion → 422 must be specified", async () => {
      const { resourceVersion: _rv, ...meta } = current.metadata;
      const reply = await send(target, "PUT", w.status("w1"), {
        ...current,
        metadata: meta,
        status: { x: 2 },
      });
      assertStatus(
        reply,
        422,
        "Invalid",
        'widgets.example.com "w1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
        ["FieldValueInvalid metadata.resourceVersion"],
      );
    });

    await t.step("S3 DELETE /status → 405 MethodNotAllowed", async () => {
      const reply = await send(target, "DELETE", w.status("w1"));
      const body = assertStatus(
        reply,
        405,
        "MethodNotAllowed",
        'delete is not supported on resources of kind "widgets.example.com"',
      );
      assert.deepEqual(body.details, { group: "example.com", kind: "widgets" });
    });

    await t.step("S3 POST /status → 405 MethodNotAllowed", async () => {
      const reply = await send(target, "POST", w.status("w1"), widget("w1"));
      assertStatus(
        reply,
        405,
        "MethodNotAllowed",
        'create is not supported on resources of kind "widgets.example.com"',
      );
    });

    await t.step("S4 apply on /status of a missing object → 404", async () => {
      const reply = await send(target, "PATCH", `${w.status("nope")}?fieldManager=issuer`, {
        ...widget("nope"),
        status: { x: 1 },
      }, APPLY);
      const body = assertStatus(reply, 404, "NotFound", 'widgets.example.com "nope" not found');
      assert.deepEqual(body.details, { name: "nope", group: "example.com", kind: "widgets" });
      assert.equal((await send(target, "GET", w.item("nope"))).status, 404, "not created");
    });

    await t.step("S4 PUT and merge patch on /status of a missing object → 404", async () => {
      const put = await send(target, "PUT", w.status("nope"), {
        ...widget("nope", { metadata: { resourceVersion: "1" } }),
        status: { x: 1 },
      });
      assertStatus(put, 404, "NotFound", 'widgets.example.com "nope" not found');
      const patch = await send(target, "PATCH", w.status("nope"), { status: { x: 1 } }, MERGE);
      assertStatus(patch, 404, "NotFound", 'widgets.example.com "nope" not found');
    });

    await t.step("§5 PUT /status changes nothing but status", async () => {
      const reply = await send(target, "PUT", w.status("w1"), {
        ...current,
        metadata: {
          ...current.metadata,
          labels: { other: "x" },
          annotations: { a: "b" },
          finalizers: ["example.com/f"],
          ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "o", uid: "u1" }],
        },
        spec: { size: 77 },
        status: { x: 5, phase: "Put" },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const out = reply.body;
      assert.deepEqual(out.status, { x: 5, phase: "Put" });
      const expected = withoutVolatile({ ...current, status: { x: 5, phase: "Put" } });
      assert.deepEqual(withoutVolatile(out), expected, "only status changed");
      assert.ok(rvOf(out) > rvOf(current));
      current = out;
    });

    await t.step("§5 PUT /status without status removes it, spec untouched", async () => {
      const { status: _s, ...rest } = current;
      const out = await must<Obj>(200, target, "PUT", w.status("w1"), rest);
      assert.equal(out.status, undefined);
      assert.deepEqual(out.spec, current.spec);
      current = out;
    });

    await t.step("§5 JSON patch on /status touching spec → only status changes", async () => {
      const out = await must<Obj>(200, target, "PATCH", w.status("w1"), [
        { op: "add", path: "/status", value: { phase: "J" } },
        { op: "replace", path: "/spec/size", value: 99 },
      ], "application/json-patch+json");
      assert.deepEqual(out.status, { phase: "J" });
      assert.deepEqual(out.spec, current.spec);
      assert.equal(out.metadata.generation, current.metadata.generation);
      current = out;
    });

    await t.step("§5 main-resource merge patch of status → status unchanged", async () => {
      const out = await mergePatch(target, w.item("w1"), { status: { phase: "Main" } });
      assert.deepEqual(out.status, { phase: "J" });
      assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion, "a no-op");
    });

    await t.step(
      "§5 main-resource PUT with status and spec → spec only, generation +1",
      async () => {
        const reply = await send(target, "PUT", w.item("w1"), {
          ...current,
          spec: { size: 2, color: "blue" },
          status: { phase: "Main" },
        });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body.status, { phase: "J" });
        assert.equal(reply.body.metadata.generation, (current.metadata.generation ?? 0) + 1);
        current = reply.body;
      },
    );

    await t.step(
      "§5 main-resource apply with status → status neither changed nor owned",
      async () => {
        const out = await must<Obj>(
          200,
          target,
          "PATCH",
          `${w.item("w1")}?fieldManager=main-applier`,
          {
            ...widget("w1"),
            spec: { size: 2, color: "blue" },
            status: { phase: "Applied" },
          },
          APPLY,
        );
        assert.deepEqual(out.status, { phase: "J" });
        const entry = out.metadata.managedFields?.find((e) => e.manager === "main-applier");
        assert.ok(entry, "the applier has an entry");
        assert.equal(JSON.stringify(entry.fieldsV1).includes("f:status"), false);
        current = out;
      },
    );

    await t.step("§5 /status writes never change generation", async () => {
      const before = current.metadata.generation;
      for (const x of [10, 11, 12]) {
        current = await mergePatch(target, w.status("w1"), { status: { x } });
        assert.equal(current.metadata.generation, before);
      }
    });

    await t.step("§5 a /status write that changes nothing → RV unchanged, no event", async () => {
      await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);
      const out = await mergePatch(target, w.status("w1"), {
        status: { x: 12 },
        spec: { size: 1000 },
      });
      assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
      await assertNoEventBefore(target, watch, w.item("w1"));
      current = await get(target, w.item("w1"));
    });

    await t.step("§5 /status writes are validated against the schema → 422", async () => {
      const reply = await send(target, "PATCH", w.status("w1"), {
        status: { conditions: [{ type: "Ready" }] },
      }, MERGE);
      assertStatus(
        reply,
        422,
        "Invalid",
        'Widget.example.com "w1" is invalid: status.conditions[0].status: Required value',
        ["FieldValueRequired status.conditions[0].status"],
      );
    });

    await t.step(
      "§5 a /status manager and a main manager of the same name are distinct",
      async () => {
        await must(200, target, "PATCH", `${w.item("w1")}?fieldManager=twin`, {
          metadata: { annotations: { twin: "main" } },
        }, MERGE);
        const out = await must<Obj>(200, target, "PATCH", `${w.status("w1")}?fieldManager=twin`, {
          status: { phase: "Twin" },
        }, MERGE);
        const twins = managers(out).filter((m) => m.startsWith("twin/"));
        assert.deepEqual(twins, ["twin/Update/", "twin/Update/status"]);
      },
    );
  },
});
