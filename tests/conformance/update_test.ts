/**
 * Conformance: UPDATE (PUT) of a custom resource (spec §4, §6, §7.2, rows U1–U6 of
 * §15.2): optimistic concurrency, generation, immutable metadata and no-op writes that
 * neither bump the resourceVersion nor emit a watch event. Runs unchanged against the
 * fake and a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, TARGET_KIND } from "./_target.ts";
import {
  assertNoEventBefore,
  assertStatus,
  create,
  detailsOf,
  get,
  managers,
  mergePatch,
  must,
  type Obj,
  rvOf,
  send,
  Watch,
  widget,
  widgets,
} from "./_write_helpers.ts";

const CONFLICT =
  'Operation cannot be fulfilled on widgets.example.com "w1": the object has been modified; please apply your changes to the latest version and try again';

Deno.test({
  name: `UPDATE conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "update");
    const put = (body: Obj, name = "w1", query = "") =>
      send(target, "PUT", `${w.item(name)}${query}`, body);
    let current = await create(target, w, widget("w1"));
    const first = structuredClone(current);

    await t.step(
      "U1 PUT with the current RV changing spec → 200, RV up, generation 2",
      async () => {
        const reply = await put({ ...current, spec: { size: 2 } });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body.spec, { size: 2 });
        assert.ok(rvOf(reply.body) > rvOf(current));
        assert.equal(reply.body.metadata.generation, 2);
        assert.equal(reply.body.metadata.uid, current.metadata.uid);
        assert.equal(reply.body.metadata.creationTimestamp, current.metadata.creationTimestamp);
        current = reply.body;
      },
    );

    await t.step("U2 PUT with a stale resourceVersion → 409 Conflict", async () => {
      const reply = await put({ ...first, spec: { size: 3 } });
      const body = assertStatus(reply, 409, "Conflict", CONFLICT);
      assert.deepEqual(body.details, { name: "w1", group: "example.com", kind: "widgets" });
      assert.deepEqual(await get(target, w.item("w1")), current, "nothing changed");
    });

    await t.step("U3 PUT without resourceVersion → 422 must be specified", async () => {
      const { resourceVersion: _rv, ...meta } = current.metadata;
      const reply = await put({ ...current, metadata: meta, spec: { size: 4 } });
      // kube-apiserver 1.32 printed the zero as 0x0; 1.34 prints 0. The real server wins.
      const body = assertStatus(
        reply,
        422,
        "Invalid",
        'widgets.example.com "w1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
        ["FieldValueInvalid metadata.resourceVersion"],
      );
      assert.deepEqual(detailsOf(body), { name: "w1", group: "example.com", kind: "widgets" });
      assert.equal(
        body.details?.causes?.[0]?.message,
        "Invalid value: 0: must be specified for an update",
      );
    });

    await t.step('U3 PUT with resourceVersion "0" → 422 as if unset', async () => {
      const reply = await put({
        ...current,
        metadata: { ...current.metadata, resourceVersion: "0" },
        spec: { size: 4 },
      });
      assertStatus(
        reply,
        422,
        "Invalid",
        'widgets.example.com "w1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
      );
    });

    await t.step("U4 PUT changing only labels → generation unchanged, RV up", async () => {
      const reply = await put({
        ...current,
        metadata: { ...current.metadata, labels: { app: "demo" } },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.metadata.labels, { app: "demo" });
      assert.equal(reply.body.metadata.generation, 2);
      assert.ok(rvOf(reply.body) > rvOf(current));
      current = reply.body;
    });

    await t.step(
      "U4 PUT changing only annotations and finalizers → generation unchanged",
      async () => {
        const reply = await put({
          ...current,
          metadata: { ...current.metadata, annotations: { a: "b" }, finalizers: ["example.com/f"] },
        });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.metadata.generation, 2);
        assert.ok(rvOf(reply.body) > rvOf(current));
        const { annotations: _a, finalizers: _f, ...meta } = reply.body.metadata;
        const back = await put({ ...reply.body, metadata: meta });
        assert.equal(back.status, 200, JSON.stringify(back.body));
        assert.equal(back.body.metadata.finalizers, undefined);
        current = back.body;
      },
    );

    await t.step(
      "U6 PUT adding empty annotations, finalizers, ownerReferences → a no-op",
      async () => {
        const reply = await put({
          ...current,
          metadata: { ...current.metadata, annotations: {}, finalizers: [], ownerReferences: [] },
        });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.deepEqual(reply.body, current);
      },
    );

    await t.step(
      "U5 PUT changing only status → status ignored, RV unchanged, no event",
      async () => {
        await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);
        const reply = await put({ ...current, status: { phase: "Ignored", x: 3 } });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.status, undefined, "status unchanged (absent)");
        assert.equal(reply.body.metadata.resourceVersion, current.metadata.resourceVersion);
        assert.deepEqual(reply.body, current);
        await assertNoEventBefore(target, watch, w.item("w1"));
        current = await get(target, w.item("w1"));
      },
    );

    await t.step("U5 PUT changing status and spec → spec applied, stored status kept", async () => {
      const withStatus = await mergePatch(target, w.status("w1"), { status: { phase: "Kept" } });
      const reply = await put({ ...withStatus, spec: { size: 5 }, status: { phase: "Lost" } });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.status, { phase: "Kept" });
      assert.deepEqual(reply.body.spec, { size: 5 });
      assert.equal(reply.body.metadata.generation, (withStatus.metadata.generation ?? 0) + 1);
      const { status: _s, ...withoutStatus } = reply.body;
      const noStatus = await put(withoutStatus);
      assert.equal(noStatus.status, 200);
      assert.deepEqual(noStatus.body.status, { phase: "Kept" }, "a PUT without status keeps it");
      current = noStatus.body;
    });

    await t.step("U6 PUT of the identical object → 200, RV unchanged, no event", async () => {
      await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);
      const reply = await put(current);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body, current);
      await assertNoEventBefore(target, watch, w.item("w1"));
      current = await get(target, w.item("w1"));
    });

    await t.step("U6 PUT by another manager that changes nothing → RV unchanged", async () => {
      const reply = await put(current, "w1", "?fieldManager=someone-else");
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.metadata.resourceVersion, current.metadata.resourceVersion);
      assert.deepEqual(managers(reply.body), managers(current), "no entry for a no-op");
    });

    await t.step("immutable metadata: creationTimestamp and generation are restored", async () => {
      const reply = await put({
        ...current,
        metadata: {
          ...current.metadata,
          creationTimestamp: "2020-01-01T00:00:00Z",
          generation: 42,
        },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body, current, "a no-op once restored");
    });

    await t.step("immutable metadata: a different uid is a failed precondition → 409", async () => {
      const reply = await put({ ...current, metadata: { ...current.metadata, uid: "x" } });
      assertStatus(
        reply,
        409,
        "Conflict",
        `Operation cannot be fulfilled on widgets.example.com "w1": StorageError: invalid object, Code: 4, Key: /registry/example.com/widgets/${w.ns}/w1, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: x, UID in object meta: ${current.metadata.uid}`,
      );
    });

    await t.step("a resourceVersion that is not a number → 500", async () => {
      const reply = await put({
        ...current,
        metadata: { ...current.metadata, resourceVersion: "abc" },
      });
      const body = reply.body as unknown as Record<string, unknown>;
      assert.equal(reply.status, 500, JSON.stringify(body));
      assert.equal(body.message, 'strconv.ParseUint: parsing "abc": invalid syntax');
      assert.equal(body.reason, undefined);
    });

    await t.step("PUT a missing object → 404", async () => {
      const reply = await put({
        ...widget("nope"),
        metadata: { name: "nope", resourceVersion: "1" },
      }, "nope");
      const body = assertStatus(reply, 404, "NotFound", 'widgets.example.com "nope" not found');
      assert.deepEqual(body.details, { name: "nope", group: "example.com", kind: "widgets" });
    });

    await t.step("PUT with a different name in the body → 400", async () => {
      const reply = await put({ ...current, metadata: { ...current.metadata, name: "w2" } });
      assertStatus(
        reply,
        400,
        "BadRequest",
        "the name of the object (w2) does not match the name on the URL (w1)",
      );
    });

    await t.step("PUT changing kind → 422 on field kind", async () => {
      const reply = await put({ ...current, kind: "Gadget" });
      assertStatus(
        reply,
        422,
        "Invalid",
        'Gadget.example.com "w1" is invalid: kind: Invalid value: "Gadget": must be Widget',
        ["FieldValueInvalid kind"],
      );
    });

    await t.step("PUT with a label value that is a number → 400 before the RV check", async () => {
      const { resourceVersion: _rv, ...meta } = current.metadata;
      const reply = await put(
        { ...current, metadata: { ...meta, labels: { a: 1 } } } as unknown as Obj,
      );
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
      );
    });

    await t.step("PUT with an invalid label value → 422", async () => {
      const reply = await put({
        ...current,
        metadata: { ...current.metadata, labels: { a: "b c" } },
      });
      assertStatus(
        reply,
        422,
        "Invalid",
        /^Widget\.example\.com "w1" is invalid: metadata\.labels: Invalid value: "b c": a valid label must be/,
        ["FieldValueInvalid metadata.labels"],
      );
    });

    await t.step("PUT breaking the schema → 422", async () => {
      const reply = await put({ ...current, spec: { size: 1.5 } });
      assertStatus(
        reply,
        422,
        "Invalid",
        'Widget.example.com "w1" is invalid: spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"',
        ["FieldValueTypeInvalid spec.size"],
      );
    });

    await t.step("PUT with fieldValidation=Strict and an unknown field → 400", async () => {
      const reply = await send(target, "PUT", `${w.item("w1")}?fieldValidation=Strict`, {
        ...current,
        spec: { size: 1, bogus: 2 },
      });
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"',
      );
    });

    await t.step("PUT ownership: the writer takes over the changed fields", async () => {
      const other = await must<Obj>(
        200,
        target,
        "PUT",
        `${w.item("w1")}?fieldManager=editor`,
        { ...current, spec: { size: 8, color: "red" } },
      );
      const entries = other.metadata.managedFields ?? [];
      const editor = entries.find((e) => e.manager === "editor");
      assert.equal(editor?.operation, "Update");
      assert.equal(editor?.subresource, undefined);
      assert.ok(JSON.stringify(editor?.fieldsV1).includes('"f:color"'));
    });
  },
});
