/**
 * Conformance: PATCH of a custom resource with merge and JSON patches (spec §6, §7.3,
 * rows P1–P7 of §15.2): preconditions carried in the patch, the generic 422 of a failed
 * JSON-patch operation, unsupported patch types, malformed and non-object bodies, and
 * what the patched object must still satisfy. Runs unchanged against the fake and a real
 * kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, TARGET_KIND } from "./_target.ts";
import {
  assertNoEventBefore,
  assertStatus,
  conditionsByType,
  CR_PATCH_415,
  create,
  detailsOf,
  get,
  JSON_PATCH,
  MERGE,
  mergePatch,
  must,
  type Obj,
  rvOf,
  send,
  SMP,
  type StatusBody,
  Watch,
  widget,
  widgets,
} from "./_write_helpers.ts";

const CONFLICT =
  'Operation cannot be fulfilled on widgets.example.com "w1": the object has been modified; please apply your changes to the latest version and try again';
const REJECTED = "the server rejected our request due to an error in our request";

/** Go's `encoding/json` rendering of an object: keys sorted, no spaces. */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${goJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

Deno.test({
  name: `PATCH conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "patch");
    const patch = (body: unknown, type: string, name = "w1", query = "") =>
      send(target, "PATCH", `${w.item(name)}${query}`, body, type);
    let current = await create(target, w, widget("w1", { spec: { size: 1, items: ["a"] } }));
    const first = structuredClone(current);

    await t.step("P1 merge patch of spec → 200, generation +1, RV up", async () => {
      const out = await mergePatch(target, w.item("w1"), { spec: { size: 2 } });
      assert.deepEqual(out.spec, { size: 2, items: ["a"] });
      assert.equal(out.metadata.generation, 2);
      assert.ok(rvOf(out) > rvOf(current));
      current = out;
    });

    await t.step("P1 merge patch: null deletes, arrays are replaced wholesale", async () => {
      const out = await mergePatch(target, w.item("w1"), {
        spec: { items: ["b", "c"], color: "red" },
      });
      assert.deepEqual(out.spec, { size: 2, items: ["b", "c"], color: "red" });
      const out2 = await mergePatch(target, w.item("w1"), { spec: { color: null } });
      assert.deepEqual(out2.spec, { size: 2, items: ["b", "c"] });
      current = out2;
    });

    await t.step("P1 merge patch of status.conditions replaces the whole list", async () => {
      await mergePatch(target, w.status("w1"), {
        status: { conditions: [{ type: "Approved", status: "True" }] },
      });
      const out = await mergePatch(target, w.status("w1"), {
        status: { conditions: [{ type: "Ready", status: "True" }] },
      });
      assert.deepEqual(Object.keys(conditionsByType(out)), ["Ready"], "Approved is lost");
      current = out;
    });

    await t.step("P1 merge patch that changes nothing → RV unchanged, no event", async () => {
      await using watch = await Watch.open(target, w.coll, current.metadata.resourceVersion!);
      const out = await mergePatch(target, w.item("w1"), { spec: { size: 2 } });
      assert.equal(out.metadata.resourceVersion, current.metadata.resourceVersion);
      const empty = await mergePatch(target, w.item("w1"), {});
      assert.equal(empty.metadata.resourceVersion, current.metadata.resourceVersion);
      await assertNoEventBefore(target, watch, w.item("w1"));
      current = await get(target, w.item("w1"));
    });

    await t.step("P1 JSON patch add/replace/remove → 200", async () => {
      const reply = await patch([
        { op: "add", path: "/spec/items/-", value: "d" },
        { op: "replace", path: "/spec/size", value: 3 },
        { op: "add", path: "/metadata/labels/x~1y", value: "z" },
      ], JSON_PATCH);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.spec, { size: 3, items: ["b", "c", "d"] });
      assert.equal(reply.body.metadata.labels?.["x/y"], "z");
      current = reply.body;
    });

    await t.step("P2 merge patch with a stale metadata.resourceVersion → 409", async () => {
      const reply = await patch({
        metadata: { resourceVersion: first.metadata.resourceVersion },
        spec: { size: 5 },
      }, MERGE);
      const body = assertStatus(reply, 409, "Conflict", CONFLICT);
      assert.deepEqual(body.details, { name: "w1", group: "example.com", kind: "widgets" });
    });

    await t.step("P2 merge patch with the current resourceVersion → 200", async () => {
      const out = await mergePatch(target, w.item("w1"), {
        metadata: { resourceVersion: current.metadata.resourceVersion },
        spec: { size: 4 },
      });
      assert.equal(out.spec?.size, 4);
      current = out;
    });

    await t.step("P3 JSON patch test that fails → 422 with the generic message", async () => {
      const reply = await patch([{ op: "test", path: "/spec/size", value: 999 }], JSON_PATCH);
      const body = assertStatus(reply, 422, "Invalid", REJECTED);
      assert.deepEqual(body.details, {});
    });

    await t.step("P3 JSON patch of a missing path, or an unknown op → 422 generic", async () => {
      for (
        const ops of [
          [{ op: "remove", path: "/spec/nope" }],
          [{ op: "replace", path: "/spec/nope/deeper", value: 1 }],
          [{ op: "bogus", path: "/spec/size" }],
        ]
      ) {
        const reply = await patch(ops, JSON_PATCH);
        assertStatus(reply, 422, "Invalid", REJECTED);
      }
    });

    await t.step(
      "P4 JSON patch replacing metadata.resourceVersion with a stale value → 409",
      async () => {
        const reply = await patch([
          {
            op: "replace",
            path: "/metadata/resourceVersion",
            value: first.metadata.resourceVersion,
          },
          { op: "replace", path: "/spec/size", value: 6 },
        ], JSON_PATCH);
        assertStatus(reply, 409, "Conflict", CONFLICT);
        assert.deepEqual(await get(target, w.item("w1")), current);
      },
    );

    await t.step("P5 strategic merge patch on a custom resource → 415", async () => {
      const reply = await patch({ spec: { size: 1 } }, SMP);
      const body = assertStatus(reply, 415, "UnsupportedMediaType", CR_PATCH_415);
      assert.equal(body.details, undefined);
    });

    await t.step("P5 a strategic merge patch that is not an object → still 415", async () => {
      assertStatus(await patch([1], SMP), 415, "UnsupportedMediaType", CR_PATCH_415);
    });

    await t.step("P6 Content-Type application/json on PATCH → 415", async () => {
      assertStatus(await patch({}, "application/json"), 415, "UnsupportedMediaType", CR_PATCH_415);
    });

    await t.step("P7 merge or JSON patch of a missing object → 404", async () => {
      for (const [body, type] of [[{ spec: { size: 1 } }, MERGE], [[], JSON_PATCH]] as const) {
        const reply = await patch(body, type, "nope");
        const status = assertStatus(reply, 404, "NotFound", 'widgets.example.com "nope" not found');
        assert.deepEqual(status.details, { name: "nope", group: "example.com", kind: "widgets" });
      }
    });

    await t.step("P7 a malformed or non-object patch of a missing object → 404 first", async () => {
      assertStatus(await patch("{", MERGE, "nope"), 404, "NotFound");
      assertStatus(await patch("[1]", MERGE, "nope"), 404, "NotFound");
    });

    await t.step("malformed patch body → 400 error decoding patch", async () => {
      for (const type of [MERGE, JSON_PATCH]) {
        assertStatus(
          await patch("{", type),
          400,
          "BadRequest",
          "error decoding patch: unexpected end of JSON input",
        );
      }
      assertStatus(
        await patch('{"spec": x}', MERGE),
        400,
        "BadRequest",
        "error decoding patch: invalid character 'x' looking for beginning of value",
      );
    });

    await t.step("non-object merge patch → 400 cannot unmarshal into a map", async () => {
      assertStatus(
        await patch("[1]", MERGE),
        400,
        "BadRequest",
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
      );
      assertStatus(
        await patch('"x"', MERGE),
        400,
        "BadRequest",
        "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}",
      );
      assertStatus(await patch("null", MERGE), 400, "BadRequest", "Invalid JSON Patch");
    });

    await t.step("JSON patch that is an object → 400", async () => {
      assertStatus(
        await patch({ op: "add" }, JSON_PATCH),
        400,
        "BadRequest",
        "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp",
      );
    });

    await t.step("force on a non-apply patch, even force=false → 422", async () => {
      for (const force of ["true", "false"]) {
        const reply = await patch({}, MERGE, "w1", `?force=${force}`);
        const body = assertStatus(
          reply,
          422,
          "Invalid",
          'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
          ["FieldValueForbidden force"],
        );
        assert.deepEqual(detailsOf(body), { group: "meta.k8s.io", kind: "PatchOptions" });
      }
    });

    await t.step("patch changing kind or apiVersion → 422 on that field", async () => {
      assertStatus(
        await patch({ kind: "Gadget" }, MERGE),
        422,
        "Invalid",
        'Gadget.example.com "w1" is invalid: kind: Invalid value: "Gadget": must be Widget',
        ["FieldValueInvalid kind"],
      );
      assertStatus(
        await patch({ apiVersion: "example.com/v2" }, MERGE),
        422,
        "Invalid",
        'Widget.example.com "w1" is invalid: apiVersion: Invalid value: "example.com/v2": must be example.com/v1',
        ["FieldValueInvalid apiVersion"],
      );
    });

    await t.step("patch changing name or namespace → 400", async () => {
      assertStatus(
        await patch({ metadata: { name: "w2" } }, MERGE),
        400,
        "BadRequest",
        "the name of the object (w2) does not match the name on the URL (w1)",
      );
      assertStatus(
        await patch({ metadata: { namespace: "other" } }, MERGE),
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    });

    await t.step("patch changing uid → 422 field is immutable", async () => {
      assertStatus(
        await patch({ metadata: { uid: "x" } }, MERGE),
        422,
        "Invalid",
        'Widget.example.com "w1" is invalid: metadata.uid: Invalid value: "x": field is immutable',
        ["FieldValueInvalid metadata.uid"],
      );
    });

    await t.step("patch changing creationTimestamp or generation → silently restored", async () => {
      const out = await mergePatch(target, w.item("w1"), {
        metadata: { creationTimestamp: "2020-01-01T00:00:00Z", generation: 99 },
      });
      assert.deepEqual(out, current);
    });

    await t.step("patch breaking the schema → 422", async () => {
      assertStatus(
        await patch({ spec: { size: "big" } }, MERGE),
        422,
        "Invalid",
        'Widget.example.com "w1" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
        ["FieldValueTypeInvalid spec.size"],
      );
    });

    await t.step("patch giving a label a number → 422 on the patched object", async () => {
      const reply = await patch({ metadata: { labels: { n: 1 } } }, MERGE);
      const live = await get(target, w.item("w1"));
      const patched = goJson({
        ...live,
        metadata: { ...live.metadata, labels: { ...live.metadata.labels, n: 1 } },
      });
      const detail =
        "json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string";
      const body: StatusBody = assertStatus(
        reply,
        422,
        "Invalid",
        ` "" is invalid: patch: Invalid value: ${JSON.stringify(patched)}: ${detail}`,
        ["FieldValueInvalid patch"],
      );
      assert.deepEqual(detailsOf(body), {});
    });

    await t.step("patch with an unknown field: warned by default, 422 under Strict", async () => {
      const warned = await patch({ spec: { bogus: 1 } }, MERGE);
      assert.equal(warned.status, 200, JSON.stringify(warned.body));
      assert.equal(warned.headers.get("warning"), '299 - "unknown field \\"spec.bogus\\""');
      assert.equal(warned.body.metadata.resourceVersion, current.metadata.resourceVersion);
      const strict = await patch({ spec: { bogus: 1 } }, MERGE, "w1", "?fieldValidation=Strict");
      const live = await get(target, w.item("w1"));
      const patched = goJson({ ...live, spec: { ...live.spec, bogus: 1 } });
      assertStatus(
        strict,
        422,
        "Invalid",
        ` "" is invalid: patch: Invalid value: ${
          JSON.stringify(patched)
        }: strict decoding error: unknown field "spec.bogus"`,
        ["FieldValueInvalid patch"],
      );
    });

    await t.step("patch ownership: the patcher owns what it changed", async () => {
      const out = await must<Obj>(200, target, "PATCH", `${w.item("w1")}?fieldManager=patcher`, {
        spec: { color: "green" },
      }, MERGE);
      const entry = out.metadata.managedFields?.find((e) => e.manager === "patcher");
      assert.equal(entry?.operation, "Update");
      assert.ok(JSON.stringify(entry?.fieldsV1).includes('"f:color"'));
    });
  },
});
