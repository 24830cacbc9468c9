/**
 * Conformance: `dryRun=All` on every write of a custom resource (spec §3, rows X1–X2 of
 * §15.2): the answer is what the write would store, but nothing is stored, the
 * resourceVersion does not move and no watch event is sent. Runs unchanged against the
 * fake and a real kube-apiserver.
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
  detailsOf,
  get,
  managers,
  MERGE,
  must,
  type Obj,
  SECONDS_TIME,
  send,
  Watch,
  widget,
  widgets,
} from "./_write_helpers.ts";

Deno.test({
  name: `DRY RUN conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "dryrun");
    const current = await create(
      target,
      w,
      widget("w1", { metadata: { finalizers: ["example.com/f"] } }),
    );
    await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);

    await t.step("X1 PATCH with dryRun=All → 200 with the result, nothing stored", async () => {
      const out = await must<Obj>(200, target, "PATCH", `${w.item("w1")}?dryRun=All`, {
        spec: { size: 42 },
      }, MERGE);
      assert.deepEqual(out.spec, { size: 42 });
      assert.equal(out.metadata.generation, 2);
      assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
      assert.deepEqual(await get(target, w.item("w1")), current, "stored object unchanged");
    });

    await t.step("X1 create with dryRun=All → 201 with the object, nothing stored", async () => {
      const out = await must<Obj>(201, target, "POST", `${w.coll}?dryRun=All`, widget("w2"));
      assert.equal(out.metadata.name, "w2");
      assert.equal(out.metadata.generation, 1);
      assert.match(out.metadata.uid ?? "", /^[0-9a-f-]{36}$/);
      assert.match(out.metadata.creationTimestamp ?? "", SECONDS_TIME);
      assert.equal(out.metadata.resourceVersion, undefined, "no resourceVersion: never stored");
      assert.deepEqual(managers(out), ["conformance/Update/"]);
      assert.equal((await send(target, "GET", w.item("w2"))).status, 404);
    });

    await t.step("X1 PUT with dryRun=All → 200, nothing stored", async () => {
      const out = await must<Obj>(200, target, "PUT", `${w.item("w1")}?dryRun=All`, {
        ...current,
        spec: { size: 9 },
      });
      assert.deepEqual(out.spec, { size: 9 });
      assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
      assert.deepEqual(await get(target, w.item("w1")), current);
    });

    await t.step("X1 apply creating with dryRun=All → 201, nothing stored", async () => {
      const out = await must<Obj>(
        201,
        target,
        "PATCH",
        `${w.item("w3")}?dryRun=All&fieldManager=a`,
        {
          ...widget("w3"),
          spec: { size: 9 },
        },
        APPLY,
      );
      assert.equal(out.metadata.resourceVersion, undefined);
      assert.deepEqual(managers(out), ["a/Apply/"]);
      assert.equal((await send(target, "GET", w.item("w3"))).status, 404);
    });

    await t.step("X1 /status patch with dryRun=All → 200, nothing stored", async () => {
      const out = await must<Obj>(200, target, "PATCH", `${w.status("w1")}?dryRun=All`, {
        status: { x: 1 },
      }, MERGE);
      assert.deepEqual(out.status, { x: 1 });
      assert.equal((await get(target, w.item("w1"))).status, undefined);
    });

    await t.step(
      "X1 DELETE with dryRun=All of an object with finalizers → marked copy only",
      async () => {
        const out = await must<Obj>(200, target, "DELETE", `${w.item("w1")}?dryRun=All`);
        assert.match(out.metadata.deletionTimestamp ?? "", SECONDS_TIME);
        assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
        assert.deepEqual(await get(target, w.item("w1")), current);
      },
    );

    await t.step("X1 DELETE with dryRun=All → Status Success, still there", async () => {
      const other = await create(target, w, widget("w4"));
      const out = await must<Record<string, unknown>>(
        200,
        target,
        "DELETE",
        `${w.item("w4")}?dryRun=All`,
      );
      assert.deepEqual(out, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name: "w4", group: "example.com", kind: "widgets", uid: other.metadata.uid },
      });
      assert.deepEqual(await get(target, w.item("w4")), other);
      // The create of w4 is the only event since the watch opened.
      const ev = await watch.next();
      assert.equal(ev.type, "ADDED");
      assert.equal(ev.object.metadata.name, "w4");
    });

    await t.step("X1 none of the dry runs emitted a watch event", async () => {
      await assertNoEventBefore(target, watch, w.item("w1"));
    });

    await t.step("X2 dryRun=Foo → 422 Unsupported value, on every verb", async () => {
      const cases = [
        ["POST", w.coll, "CreateOptions", widget("w5"), undefined],
        ["PUT", w.item("w1"), "UpdateOptions", current, undefined],
        ["PATCH", w.item("w1"), "PatchOptions", {}, MERGE],
        ["DELETE", w.item("w1"), "DeleteOptions", undefined, undefined],
      ] as const;
      for (const [method, path, kind, body, type] of cases) {
        const reply = await send(target, method, `${path}?dryRun=Foo`, body, type);
        const status = assertStatus(
          reply,
          422,
          "Invalid",
          `${kind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Foo"]: supported values: "All"`,
          ["FieldValueNotSupported dryRun"],
        );
        assert.deepEqual(detailsOf(status), { group: "meta.k8s.io", kind });
      }
    });
  },
});
