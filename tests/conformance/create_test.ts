/**
 * Conformance: CREATE of a custom resource (spec §4, §7.1, rows C1–C6 of §15.2), plus
 * the decode errors in front of it (malformed bodies, wrong types in `metadata`, unknown
 * fields) and the CRD schema checks behind it. Runs unchanged against the fake and a
 * real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, TARGET_KIND } from "./_target.ts";
import {
  assertStatus,
  create,
  detailsOf,
  get,
  managers,
  type Obj,
  SECONDS_TIME,
  send,
  widget,
  widgets,
} from "./_write_helpers.ts";

const SUBDOMAIN_ERROR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const UNRECOGNIZED = "the object provided is unrecognized (must be of type Widget): ";

Deno.test({
  name: `CREATE conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "create");

    await t.step("C1 POST with status set → 201, status dropped, server-set metadata", async () => {
      const out = await create(target, w, widget("w1", { status: { phase: "Set", x: 1 } }));
      assert.equal(out.apiVersion, "example.com/v1");
      assert.equal(out.kind, "Widget");
      assert.equal(out.status, undefined, "status is dropped on create");
      assert.deepEqual(out.spec, { size: 1 });
      const m = out.metadata;
      assert.equal(m.name, "w1");
      assert.equal(m.namespace, w.ns);
      assert.equal(m.generation, 1);
      assert.match(m.uid ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.match(m.creationTimestamp ?? "", SECONDS_TIME);
      assert.match(m.resourceVersion ?? "", /^[0-9]+$/);
      // No manager given: the User-Agent up to the first "/" ("conformance/v1").
      assert.deepEqual(managers(out), ["conformance/Update/"]);
      const entry = m.managedFields?.[0];
      assert.equal(entry?.apiVersion, "example.com/v1");
      assert.equal(entry?.fieldsType, "FieldsV1");
      assert.match(entry?.time ?? "", SECONDS_TIME);
      assert.deepEqual(await get(target, w.item("w1")), out, "GET returns what POST returned");
    });

    await t.step("C1 POST with fieldManager → managedFields[0] is that manager", async () => {
      const out = await create(target, w, widget("w1-m"), "?fieldManager=my-manager");
      assert.deepEqual(managers(out), ["my-manager/Update/"]);
    });

    await t.step(
      "C1 client values of uid, creationTimestamp, generation, deletion are ignored",
      async () => {
        const out = await create(
          target,
          w,
          widget("w1-c", {
            metadata: {
              uid: "client-uid",
              creationTimestamp: "2020-01-01T00:00:00Z",
              generation: 7,
              deletionTimestamp: "2020-01-01T00:00:00Z",
              deletionGracePeriodSeconds: 30,
              selfLink: "/x",
            },
          }),
        );
        assert.notEqual(out.metadata.uid, "client-uid");
        assert.notEqual(out.metadata.creationTimestamp, "2020-01-01T00:00:00Z");
        assert.equal(out.metadata.generation, 1);
        assert.equal(out.metadata.deletionTimestamp, undefined);
        assert.equal(out.metadata.deletionGracePeriodSeconds, undefined);
        assert.equal(out.metadata.selfLink, undefined);
      },
    );

    await t.step("C2 POST w1 again → 409 AlreadyExists", async () => {
      const reply = await send(target, "POST", w.coll, widget("w1"));
      const body = assertStatus(
        reply,
        409,
        "AlreadyExists",
        'widgets.example.com "w1" already exists',
      );
      assert.deepEqual(body.details, { name: "w1", group: "example.com", kind: "widgets" });
    });

    await t.step(
      "C2 a taken name with generateName also set → 409 naming the name generator",
      async () => {
        const reply = await send(target, "POST", w.coll, {
          ...widget("w1"),
          metadata: { name: "w1", generateName: "w-" },
        });
        const body = assertStatus(
          reply,
          409,
          "AlreadyExists",
          'widgets.example.com "w1" already exists, the server was not able to generate a unique name for the object',
        );
        assert.deepEqual(body.details, {
          name: "w1",
          group: "example.com",
          kind: "widgets",
          retryAfterSeconds: 1,
        });
        assert.equal(reply.headers.get("retry-after"), "1");
      },
    );

    await t.step("C3 POST name Bad_Name → 422 Invalid naming the Kind", async () => {
      const reply = await send(target, "POST", w.coll, widget("Bad_Name"));
      const body = assertStatus(
        reply,
        422,
        "Invalid",
        `Widget.example.com "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_ERROR}`,
        ["FieldValueInvalid metadata.name"],
      );
      assert.deepEqual(detailsOf(body), { name: "Bad_Name", group: "example.com", kind: "Widget" });
    });

    await t.step("C3 POST without name or generateName → 422 Required", async () => {
      const reply = await send(target, "POST", w.coll, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: {},
      });
      assertStatus(
        reply,
        422,
        "Invalid",
        'Widget.example.com "" is invalid: metadata.name: Required value: name or generateName is required',
        ["FieldValueRequired metadata.name"],
      );
    });

    await t.step("C4 POST with generateName w- → 201 with 5 random characters", async () => {
      const out = await create(target, w, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { generateName: "w-" },
      });
      assert.match(out.metadata.name ?? "", /^w-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(out.metadata.generateName, "w-");
    });

    await t.step("C4 a generateName prefix longer than 58 characters is cut", async () => {
      const prefix = "g".repeat(70);
      const out = await create(target, w, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { generateName: prefix },
      });
      assert.match(out.metadata.name ?? "", /^g{58}[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    });

    await t.step("C5 POST into a missing namespace → 404", async () => {
      const reply = await send(
        target,
        "POST",
        "/apis/example.com/v1/namespaces/nope/widgets",
        widget("w1"),
      );
      const body = assertStatus(reply, 404, "NotFound", 'namespaces "nope" not found');
      assert.deepEqual(body.details, { name: "nope", kind: "namespaces" });
    });

    await t.step("C6 POST apiVersion example.com/v2 at the v1 endpoint → 400", async () => {
      const reply = await send(target, "POST", w.coll, {
        ...widget("w6"),
        apiVersion: "example.com/v2",
      });
      const body = assertStatus(
        reply,
        400,
        "BadRequest",
        "the API version in the data (example.com/v2) does not match the expected API version (example.com/v1)",
      );
      assert.equal(body.details, undefined);
    });

    await t.step("C6 POST without apiVersion → 400 naming an empty version", async () => {
      const reply = await send(target, "POST", w.coll, {
        kind: "Widget",
        metadata: { name: "x" },
      });
      assertStatus(
        reply,
        400,
        "BadRequest",
        "the API version in the data () does not match the expected API version (example.com/v1)",
      );
    });

    await t.step("C6 POST without kind → 400 unrecognized object", async () => {
      const reply = await send(target, "POST", w.coll, {
        apiVersion: "example.com/v1",
        metadata: { name: "x" },
      });
      assertStatus(
        reply,
        400,
        "BadRequest",
        `${UNRECOGNIZED}Object 'Kind' is missing in '{"apiVersion":"example.com/v1","metadata":{"name":"x"}}' ({"apiVersion":"example.com/v1" ...)`,
      );
    });

    await t.step("C6 POST kind Gadget at the widgets endpoint → 422 on field kind", async () => {
      const reply = await send(target, "POST", w.coll, { ...widget("x"), kind: "Gadget" });
      const body = assertStatus(
        reply,
        422,
        "Invalid",
        'Gadget.example.com "x" is invalid: kind: Invalid value: "Gadget": must be Widget',
        ["FieldValueInvalid kind"],
      );
      assert.deepEqual(detailsOf(body), { name: "x", group: "example.com", kind: "Gadget" });
    });

    await t.step(
      "decode: malformed JSON → 400 with Go's error and a summary of the body",
      async () => {
        const reply = await send(target, "POST", w.coll, "{");
        assertStatus(
          reply,
          400,
          "BadRequest",
          `${UNRECOGNIZED}couldn't get version/kind; json parse error: unexpected end of JSON input ({)`,
        );
      },
    );

    await t.step("decode: a JSON array → 400 with the body in hex", async () => {
      const reply = await send(target, "POST", w.coll, "[1]");
      assertStatus(
        reply,
        400,
        "BadRequest",
        `${UNRECOGNIZED}couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b315d)`,
      );
    });

    await t.step("decode: a label value that is a number → 400 BadRequest, not 422", async () => {
      const reply = await send(
        target,
        "POST",
        w.coll,
        widget("w-lbl", { metadata: { labels: { a: 1 } } } as unknown as Partial<Obj>),
      );
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
      );
    });

    await t.step("decode: an annotation value that is a bool → 400", async () => {
      const reply = await send(
        target,
        "POST",
        w.coll,
        widget("w-ann", { metadata: { annotations: { a: true } } } as unknown as Partial<Obj>),
      );
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal bool into Go struct field ObjectMeta.annotations of type string',
      );
    });

    await t.step("decode: metadata that is a string → 400", async () => {
      const reply = await send(target, "POST", w.coll, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: "x",
      });
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: json: cannot unmarshal string into Go value of type v1.ObjectMeta',
      );
    });

    await t.step("decode: an empty body or null → 400", async () => {
      assertStatus(
        await send(target, "POST", w.coll, ""),
        400,
        "BadRequest",
        `${UNRECOGNIZED}couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)`,
      );
      assertStatus(
        await send(target, "POST", w.coll, "null"),
        400,
        "BadRequest",
        `${UNRECOGNIZED}Object 'Kind' is missing in 'null' (6e756c6c)`,
      );
    });

    await t.step("decode: metadata.resourceVersion set on create → 500", async () => {
      const reply = await send(
        target,
        "POST",
        w.coll,
        widget("w-rv", { metadata: { resourceVersion: "5" } }),
      );
      const body = reply.body as unknown as Record<string, unknown>;
      assert.equal(reply.status, 500, JSON.stringify(body));
      assert.equal(body.message, "resourceVersion should not be set on objects to be created");
      assert.equal(body.reason, undefined);
    });

    await t.step('decode: metadata.resourceVersion "0" counts as unset', async () => {
      const out = await create(target, w, widget("w-rv0", { metadata: { resourceVersion: "0" } }));
      assert.notEqual(out.metadata.resourceVersion, "0");
    });

    await t.step("decode: empty metadata maps, lists and strings are dropped", async () => {
      const out = await create(
        target,
        w,
        widget("w-empty", {
          metadata: {
            labels: {},
            annotations: {},
            finalizers: [],
            ownerReferences: [],
            generateName: "",
          },
        }),
      );
      for (
        const key of ["labels", "annotations", "finalizers", "ownerReferences", "generateName"]
      ) {
        assert.equal(key in out.metadata, false, `metadata.${key} is dropped`);
      }
      assert.deepEqual(managers(out), ["conformance/Update/"]);
      assert.equal(JSON.stringify(out.metadata.managedFields).includes("f:metadata"), false);
    });

    await t.step("decode: namespace in the body differs from the URL → 400", async () => {
      const reply = await send(
        target,
        "POST",
        w.coll,
        widget("x", { metadata: { namespace: "other" } }),
      );
      assertStatus(
        reply,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    });

    await t.step("decode: a YAML body is accepted", async () => {
      const res = await target.request("POST", w.coll, {
        body:
          "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w-yaml\nspec:\n  size: 3\n",
        contentType: "application/yaml",
      });
      const out = await res.json();
      assert.equal(res.status, 201, JSON.stringify(out));
      assert.deepEqual(out.spec, { size: 3 });
    });

    await t.step("decode: an unsupported Content-Type → 415", async () => {
      const res = await target.request("POST", w.coll, { body: "{}", contentType: "text/plain" });
      assertStatus(
        { status: res.status, headers: res.headers, body: await res.json() },
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
      );
    });

    await t.step("fieldValidation=Strict: unknown fields → 400 listing them", async () => {
      const reply = await send(target, "POST", `${w.coll}?fieldValidation=Strict`, {
        ...widget("w-strict", { metadata: { foo: 1 } } as unknown as Partial<Obj>),
        spec: { size: 1, bogus: 1 },
      });
      assertStatus(
        reply,
        400,
        "BadRequest",
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "metadata.foo", unknown field "spec.bogus"',
      );
    });

    await t.step(
      "fieldValidation default (Warn): unknown fields pruned with warnings",
      async () => {
        const reply = await send(target, "POST", w.coll, {
          ...widget("w-warn"),
          spec: { size: 1, bogus: 1 },
          extra: true,
        });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        assert.deepEqual(reply.body.spec, { size: 1 });
        assert.equal(reply.body.extra, undefined);
        const warning = reply.headers.get("warning") ?? "";
        assert.match(warning, /299 - "unknown field \\"spec\.bogus\\""/);
        assert.match(warning, /299 - "unknown field \\"extra\\""/);
      },
    );

    await t.step("fieldValidation=Ignore: unknown fields pruned silently", async () => {
      const reply = await send(target, "POST", `${w.coll}?fieldValidation=Ignore`, {
        ...widget("w-ignore"),
        spec: { size: 1, bogus: 1 },
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.spec, { size: 1 });
      assert.equal(reply.headers.get("warning"), null);
    });

    await t.step(
      "schema: a string where the CRD says integer → 422 FieldValueTypeInvalid",
      async () => {
        const reply = await send(target, "POST", w.coll, {
          ...widget("w-type"),
          spec: { size: "big" },
        });
        const body = assertStatus(
          reply,
          422,
          "Invalid",
          'Widget.example.com "w-type" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
          ["FieldValueTypeInvalid spec.size"],
        );
        assert.deepEqual(detailsOf(body), { name: "w-type", group: "example.com", kind: "Widget" });
      },
    );

    await t.step("schema: a number in a string array → 422 on the item", async () => {
      const reply = await send(target, "POST", w.coll, {
        ...widget("w-items"),
        spec: { items: ["a", 2] },
      });
      assertStatus(
        reply,
        422,
        "Invalid",
        'Widget.example.com "w-items" is invalid: spec.items[1]: Invalid value: "integer": spec.items[1] in body must be of type string: "integer"',
        ["FieldValueTypeInvalid spec.items[1]"],
      );
    });

    await t.step("schema: null in a non-nullable field is dropped", async () => {
      const out = await create(target, w, { ...widget("w-null"), spec: { size: 1, color: null } });
      assert.deepEqual(out.spec, { size: 1 });
    });
  },
});
