/**
 * Conformance: DELETE of a custom resource and finalizers (spec §4, §6, §7.6, rows F1–F4
 * of §15.2): deletion marking, no new finalizers while deleting, the object vanishing
 * with the last finalizer (a DELETED event with a newer resourceVersion), the Status
 * answer of an immediate delete, and delete preconditions. Runs unchanged against the
 * fake and a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, TARGET_KIND } from "./_target.ts";
import {
  assertStatus,
  create,
  get,
  JSON_PATCH,
  MERGE,
  mergePatch,
  must,
  type Obj,
  rvOf,
  SECONDS_TIME,
  send,
  Watch,
  widget,
  widgets,
} from "./_write_helpers.ts";

Deno.test({
  name: `DELETE conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "delete");
    const created = await create(
      target,
      w,
      widget("f1", { metadata: { finalizers: ["example.com/a"] } }),
    );
    await using watch = await Watch.open(target, w.coll, created.metadata.resourceVersion!);
    let current: Obj = created;

    await t.step(
      "F1 DELETE with a finalizer → 200 with the object, marked for deletion",
      async () => {
        const out = await must<Obj>(200, target, "DELETE", w.item("f1"));
        assert.equal(out.kind, "Widget");
        assert.match(out.metadata.deletionTimestamp ?? "", SECONDS_TIME);
        assert.equal(out.metadata.deletionGracePeriodSeconds, 0);
        assert.equal(out.metadata.generation, 2, "deletion marking bumps generation");
        assert.deepEqual(out.metadata.finalizers, ["example.com/a"]);
        assert.ok(rvOf(out) > rvOf(current));
        const ev = await watch.next();
        assert.equal(ev.type, "MODIFIED");
        assert.equal(ev.object.metadata.resourceVersion, out.metadata.resourceVersion);
        assert.equal(ev.object.metadata.deletionTimestamp, out.metadata.deletionTimestamp);
        current = out;
      },
    );

    await t.step("F1 a second DELETE changes nothing and answers the object again", async () => {
      const out = await must<Obj>(200, target, "DELETE", w.item("f1"));
      assert.deepEqual(out, current);
    });

    await t.step("F2 patch adding a finalizer while deleting → 422", async () => {
      const reply = await send(target, "PATCH", w.item("f1"), {
        metadata: { finalizers: ["example.com/a", "example.com/b"] },
      }, MERGE);
      assertStatus(
        reply,
        422,
        "Invalid",
        'Widget.example.com "f1" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
        ["FieldValueForbidden metadata.finalizers"],
      );
    });

    await t.step("F2 a PUT dropping deletionTimestamp restores it (no-op)", async () => {
      const { deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...meta } = current.metadata;
      const out = await must<Obj>(200, target, "PUT", w.item("f1"), { ...current, metadata: meta });
      assert.deepEqual(out, current);
    });

    await t.step("F2 spec and status can still change while deleting", async () => {
      const status = await mergePatch(target, w.status("f1"), { status: { x: 1 } });
      assert.equal(status.metadata.generation, 2);
      const spec = await mergePatch(target, w.item("f1"), { spec: { size: 5 } });
      assert.equal(spec.metadata.generation, 3);
      for (const out of [status, spec]) {
        const ev = await watch.next();
        assert.equal(ev.type, "MODIFIED");
        assert.equal(ev.object.metadata.resourceVersion, out.metadata.resourceVersion);
      }
      current = spec;
    });

    await t.step(
      "F3 patch removing the last finalizer → 200, gone, DELETED with a newer RV",
      async () => {
        const reply = await send(target, "PATCH", w.item("f1"), [
          { op: "remove", path: "/metadata/finalizers" },
        ], JSON_PATCH);
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        const out = reply.body;
        assert.equal(out.metadata.finalizers, undefined);
        assert.equal(out.metadata.deletionTimestamp, current.metadata.deletionTimestamp);
        assert.deepEqual(out.spec, { size: 5 });
        // The update is never stored: the answer carries the last stored resourceVersion.
        assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
        const gone = await send(target, "GET", w.item("f1"));
        assertStatus(gone, 404, "NotFound", 'widgets.example.com "f1" not found');
        const ev = await watch.next();
        assert.equal(ev.type, "DELETED");
        assert.equal(ev.object.metadata.name, "f1");
        assert.equal(ev.object.kind, "Widget");
        assert.ok(rvOf(ev.object) > rvOf(current), "the DELETED event carries the deletion's RV");
        // It carries the last stored state (still with the finalizer).
        assert.deepEqual(ev.object.metadata.finalizers, ["example.com/a"]);
        assert.deepEqual(ev.object.status, { x: 1 });
      },
    );

    await t.step("F3 PUT removing the last finalizer deletes as well", async () => {
      await create(target, w, widget("f5", { metadata: { finalizers: ["example.com/a"] } }));
      const marked = await must<Obj>(200, target, "DELETE", w.item("f5"));
      const out = await must<Obj>(200, target, "PUT", w.item("f5"), {
        ...marked,
        metadata: { ...marked.metadata, finalizers: [] },
      });
      assert.equal(out.metadata.name, "f5");
      assert.equal((await send(target, "GET", w.item("f5"))).status, 404);
    });

    await t.step("F4 DELETE without finalizers → 200 Status Success with details", async () => {
      const c = await create(target, w, widget("f2"));
      const out = await must<Record<string, unknown>>(200, target, "DELETE", w.item("f2"));
      assert.deepEqual(out, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name: "f2", group: "example.com", kind: "widgets", uid: c.metadata.uid },
      });
      assert.equal((await send(target, "GET", w.item("f2"))).status, 404);
    });

    await t.step("F4 DELETE with a body of DeleteOptions (as kubectl sends) → 200", async () => {
      await create(target, w, widget("f3"));
      const out = await must<Record<string, unknown>>(200, target, "DELETE", w.item("f3"), {
        propagationPolicy: "Background",
      });
      assert.equal(out.status, "Success");
    });

    await t.step("F4 DELETE of a missing object → 404", async () => {
      const reply = await send(target, "DELETE", w.item("f2"));
      const body = assertStatus(reply, 404, "NotFound", 'widgets.example.com "f2" not found');
      assert.deepEqual(body.details, { name: "f2", group: "example.com", kind: "widgets" });
    });

    await t.step("DELETE preconditions that do not match → 409 naming the Kind", async () => {
      const c = await create(target, w, widget("f4"));
      const uid = await send(target, "DELETE", w.item("f4"), { preconditions: { uid: "x" } });
      const body = assertStatus(
        uid,
        409,
        "Conflict",
        `Operation cannot be fulfilled on Widget.example.com "f4": the UID in the precondition (x) does not match the UID in record (${c.metadata.uid}). The object might have been deleted and then recreated`,
      );
      assert.deepEqual(body.details, { name: "f4", group: "example.com", kind: "Widget" });
      const rv = await send(target, "DELETE", w.item("f4"), {
        preconditions: { resourceVersion: "1" },
      });
      assertStatus(
        rv,
        409,
        "Conflict",
        `Operation cannot be fulfilled on Widget.example.com "f4": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${c.metadata.resourceVersion}). The object might have been modified`,
      );
      assert.deepEqual(await get(target, w.item("f4")), c, "still there");
    });

    await t.step("DELETE preconditions that match → deleted", async () => {
      const c = await get(target, w.item("f4"));
      const out = await must<Record<string, unknown>>(200, target, "DELETE", w.item("f4"), {
        preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion },
      });
      assert.equal(out.status, "Success");
    });

    await t.step(
      "DELETE with a body that is not DeleteOptions JSON → 500, nothing deleted",
      async () => {
        await create(target, w, widget("f8"));
        const malformed = await send(target, "DELETE", w.item("f8"), "{");
        const body = malformed.body as unknown as Record<string, unknown>;
        assert.equal(malformed.status, 500, JSON.stringify(body));
        assert.equal(
          body.message,
          "couldn't get version/kind; json parse error: unexpected end of JSON input",
        );
        assert.equal(body.reason, undefined);
        const array = await send(target, "DELETE", w.item("f8"), "[1]");
        assert.equal(array.status, 500, JSON.stringify(array.body));
        assert.equal((await send(target, "GET", w.item("f8"))).status, 200, "still there");
      },
    );

    await t.step(
      "DELETE with an unknown propagationPolicy → 422, in the body or the query",
      async () => {
        await create(target, w, widget("f7"));
        const message =
          'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"';
        assertStatus(
          await send(target, "DELETE", w.item("f7"), { propagationPolicy: "Bogus" }),
          422,
          "Invalid",
          message,
          ["FieldValueNotSupported propagationPolicy"],
        );
        assertStatus(
          await send(target, "DELETE", `${w.item("f7")}?propagationPolicy=Bogus`),
          422,
          "Invalid",
          message,
        );
        assert.equal((await send(target, "GET", w.item("f7"))).status, 200, "still there");
      },
    );

    await t.step("DELETE with propagationPolicy=Orphan adds the orphan finalizer", async () => {
      const out = await must<Obj>(200, target, "DELETE", w.item("f7"), {
        propagationPolicy: "Orphan",
      });
      assert.deepEqual(out.metadata.finalizers, ["orphan"]);
    });

    await t.step("DELETE with propagationPolicy=Foreground adds foregroundDeletion", async () => {
      await create(target, w, widget("f6"));
      const out = await must<Obj>(200, target, "DELETE", w.item("f6"), {
        propagationPolicy: "Foreground",
      });
      assert.deepEqual(out.metadata.finalizers, ["foregroundDeletion"]);
      assert.match(out.metadata.deletionTimestamp ?? "", SECONDS_TIME);
    });
  },
});
