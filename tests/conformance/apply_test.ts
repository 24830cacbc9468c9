/**
 * Conformance: server-side apply on a custom resource (spec §7.4, §7.5, rows A1–A9 of
 * §15.2), and the issuer scenario on cert-manager's real CertificateRequest CRD: an
 * approver, an issuer (with force) and a third writer share `status.conditions`, a
 * list-map keyed by `type`; the issuer's dropped condition disappears while the others'
 * stay. Runs unchanged against the fake and a real kube-apiserver.
 *
 * List-maps are compared as sets keyed by `type`; managedFields only by
 * manager/operation/subresource.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";
import {
  APPLY,
  assertNoEventBefore,
  assertStatus,
  type Condition,
  conditionsByType,
  detailsOf,
  managers,
  MERGE,
  must,
  type Obj,
  rvOf,
  send,
  untilListable,
  Watch,
  widget,
  widgets,
} from "./_write_helpers.ts";

const CERTIFICATE_REQUEST_CRD =
  "/work/shared/testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml";

function condition(type: string, status = "True"): Condition {
  return {
    type,
    status,
    reason: `${type.replace(/\W/g, "")}Reason`,
    message: `${type} is ${status}.`,
    lastTransitionTime: "2024-05-01T10:00:00Z",
  };
}

/** A condition the widget schema declares (it has no `lastTransitionTime`). */
function wc(type: string, status = "True"): Condition {
  const { lastTransitionTime: _t, ...rest } = condition(type, status);
  return rest;
}

/** Sends an apply patch as `manager`. */
function apply(
  target: Target,
  path: string,
  manager: string,
  body: unknown,
  extra = "",
) {
  return send(target, "PATCH", `${path}?fieldManager=${manager}${extra}`, body, APPLY);
}

Deno.test({
  name: `APPLY conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const w = await widgets(target, "apply");
    const config = (spec: Record<string, unknown>) => ({ ...widget("w2"), spec });

    await t.step("A1 apply creating w2 (manager m1, force=false) → 201, m1/Apply", async () => {
      const reply = await apply(
        target,
        w.item("w2"),
        "m1",
        config({ size: 1, color: "red" }),
        "&force=false",
      );
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.spec, { size: 1, color: "red" });
      assert.equal(reply.body.metadata.generation, 1);
      assert.deepEqual(managers(reply.body), ["m1/Apply/"]);
      const entry = reply.body.metadata.managedFields?.[0];
      assert.equal(entry?.apiVersion, "example.com/v1");
      assert.equal(entry?.fieldsType, "FieldsV1");
    });

    await t.step(
      "A2 m2 merge-patches spec.size, m1 applies another size → 409 conflict",
      async () => {
        await must(
          200,
          target,
          "PATCH",
          `${w.item("w2")}?fieldManager=m2`,
          { spec: { size: 2 } },
          MERGE,
        );
        const reply = await apply(
          target,
          w.item("w2"),
          "m1",
          config({ size: 3, color: "red" }),
          "&force=false",
        );
        const body = assertStatus(
          reply,
          409,
          "Conflict",
          'Apply failed with 1 conflict: conflict with "m2" using example.com/v1: .spec.size',
        );
        assert.deepEqual(body.details, {
          causes: [{
            reason: "FieldManagerConflict",
            message: 'conflict with "m2" using example.com/v1',
            field: ".spec.size",
          }],
        });
      },
    );

    await t.step("A2 re-applying the value another manager set is not a conflict", async () => {
      const reply = await apply(target, w.item("w2"), "m1", config({ size: 2, color: "red" }));
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(managers(reply.body), ["m1/Apply/", "m2/Update/"], "shared ownership");
    });

    await t.step(
      "A3 the same apply with force=true → 200, m1's value, m2 loses the field",
      async () => {
        const reply = await apply(
          target,
          w.item("w2"),
          "m1",
          config({ size: 3, color: "red" }),
          "&force=true",
        );
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.spec?.size, 3);
        assert.deepEqual(managers(reply.body), ["m1/Apply/"], "m2 owned nothing else");
      },
    );

    await t.step("A3 several conflicts with several managers → one sorted message", async () => {
      await must(
        200,
        target,
        "PATCH",
        `${w.item("w2")}?fieldManager=m3`,
        { spec: { size: 7 } },
        MERGE,
      );
      await must(200, target, "PATCH", `${w.item("w2")}?fieldManager=m4`, {
        spec: { color: "blue", items: ["a"] },
      }, MERGE);
      const reply = await apply(
        target,
        w.item("w2"),
        "m1",
        config({ size: 3, color: "red", items: ["b"] }),
      );
      const body = assertStatus(
        reply,
        409,
        "Conflict",
        'Apply failed with 3 conflicts: conflicts with "m3" using example.com/v1:\n- .spec.size\nconflicts with "m4" using example.com/v1:\n- .spec.color\n- .spec.items',
      );
      // The message is sorted; the real server lists causes in Go map order, so compare as a set.
      assert.deepEqual(body.details?.causes?.map((c) => c.field).sort(), [
        ".spec.color",
        ".spec.items",
        ".spec.size",
      ]);
      await apply(target, w.item("w2"), "m1", config({ size: 3, color: "red" }), "&force=true");
    });

    await t.step("A4 apply without fieldManager → 422", async () => {
      const reply = await send(target, "PATCH", w.item("w2"), config({ size: 3 }), APPLY);
      const body = assertStatus(
        reply,
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        ["FieldValueRequired fieldManager"],
      );
      assert.deepEqual(detailsOf(body), { group: "meta.k8s.io", kind: "PatchOptions" });
    });

    await t.step("A5 force=true on a merge patch → 422", async () => {
      const reply = await send(
        target,
        "PATCH",
        `${w.item("w2")}?fieldManager=x&force=true`,
        {},
        MERGE,
      );
      assertStatus(
        reply,
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
        ["FieldValueForbidden force"],
      );
    });

    let issued: Obj | undefined;
    await t.step(
      "A6 approver applies Approved, issuer applies only Ready (force) → both",
      async () => {
        await must(201, target, "POST", w.coll, widget("w3"));
        const approver = await apply(target, w.status("w3"), "approver", {
          ...widget("w3"),
          status: { conditions: [wc("Approved")] },
        });
        assert.equal(approver.status, 200, JSON.stringify(approver.body));
        const issuer = await apply(target, w.status("w3"), "issuer", {
          ...widget("w3"),
          status: { conditions: [wc("Ready", "False")] },
        }, "&force=true");
        assert.equal(issuer.status, 200, JSON.stringify(issuer.body));
        assert.deepEqual(conditionsByType(issuer.body), {
          Approved: wc("Approved"),
          Ready: wc("Ready", "False"),
        });
        assert.deepEqual(managers(issuer.body), [
          "approver/Apply/status",
          "conformance/Update/",
          "issuer/Apply/status",
        ]);
        assert.equal(issuer.body.metadata.generation, 1, "status applies keep generation");
        issued = issuer.body;
      },
    );

    await t.step(
      "A7 issuer applies [Ready, Issuing] then [Ready] → Issuing gone, Approved kept",
      async () => {
        const both = await apply(target, w.status("w3"), "issuer", {
          ...widget("w3"),
          status: { conditions: [wc("Ready", "False"), wc("Issuing")] },
        }, "&force=true");
        assert.equal(both.status, 200, JSON.stringify(both.body));
        assert.deepEqual(Object.keys(conditionsByType(both.body)).sort(), [
          "Approved",
          "Issuing",
          "Ready",
        ]);
        const ready = await apply(target, w.status("w3"), "issuer", {
          ...widget("w3"),
          status: { conditions: [wc("Ready")] },
        }, "&force=true");
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
        assert.deepEqual(conditionsByType(ready.body), {
          Approved: wc("Approved"),
          Ready: wc("Ready"),
        });
        issued = ready.body;
      },
    );

    await t.step(
      "A8 issuer re-applies the identical configuration → 200, RV unchanged, no event",
      async () => {
        assert.ok(issued);
        await using watch = await Watch.open(target, w.coll, issued.metadata.resourceVersion!);
        const again = await apply(target, w.status("w3"), "issuer", {
          ...widget("w3"),
          status: { conditions: [wc("Ready")] },
        }, "&force=true");
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.metadata.resourceVersion, issued.metadata.resourceVersion);
        assert.deepEqual(managers(again.body), managers(issued));
        await assertNoEventBefore(target, watch, w.item("w3"));
      },
    );

    await t.step("A8 a main-resource apply that only repeats status → no-op", async () => {
      const live = await must<Obj>(200, target, "GET", w.item("w2"));
      const reply = await apply(target, w.item("w2"), "m1", {
        ...config({ size: 3, color: "red" }),
        status: { phase: "ignored" },
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.status, undefined);
      assert.equal(reply.body.metadata.resourceVersion, live.metadata.resourceVersion);
    });

    await t.step("A9 apply with metadata.managedFields set → 400", async () => {
      for (const managedFields of [[{ manager: "x", operation: "Apply" }], []]) {
        const reply = await apply(target, w.item("w2"), "m1", {
          ...widget("w2", { metadata: { managedFields } }),
          spec: { size: 3, color: "red" },
        });
        assertStatus(reply, 400, "BadRequest", "metadata.managedFields must be nil");
      }
    });

    await t.step("apply conflicts name a status manager with its subresource", async () => {
      await must(
        200,
        target,
        "PATCH",
        `${w.status("w2")}?fieldManager=sm`,
        { status: { x: 1 } },
        MERGE,
      );
      const update = await apply(target, w.status("w2"), "sa", {
        ...widget("w2"),
        status: { x: 2 },
      });
      assertStatus(
        update,
        409,
        "Conflict",
        'Apply failed with 1 conflict: conflict with "sm" with subresource "status" using example.com/v1: .status.x',
      );
      await apply(
        target,
        w.status("w2"),
        "sa2",
        { ...widget("w2"), status: { phase: "P" } },
        "&force=true",
      );
      const viaApply = await apply(target, w.status("w2"), "sa", {
        ...widget("w2"),
        status: { phase: "Q" },
      });
      assertStatus(
        viaApply,
        409,
        "Conflict",
        'Apply failed with 1 conflict: conflict with "sa2" with subresource "status": .status.phase',
      );
    });

    await t.step("apply with a stale resourceVersion → 409", async () => {
      const reply = await apply(target, w.item("w2"), "m1", {
        ...widget("w2", { metadata: { resourceVersion: "1" } }),
        spec: { size: 3, color: "red" },
      });
      assertStatus(
        reply,
        409,
        "Conflict",
        'Operation cannot be fulfilled on widgets.example.com "w2": the object has been modified; please apply your changes to the latest version and try again',
      );
    });

    await t.step(
      "apply creating with a resourceVersion set → 201 (the version is ignored)",
      async () => {
        const reply = await apply(target, w.item("w9"), "m1", {
          ...widget("w9", { metadata: { resourceVersion: "1" } }),
        });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        assert.ok(rvOf(reply.body) > 1);
      },
    );

    await t.step("apply with a wrong apiVersion or kind → 400 invalid object type", async () => {
      assertStatus(
        await apply(target, w.item("w2"), "m1", { ...widget("w2"), apiVersion: "example.com/v2" }),
        400,
        "BadRequest",
        "invalid object type: example.com/v2, Kind=Widget",
      );
      assertStatus(
        await apply(target, w.item("w2"), "m1", { ...widget("w2"), kind: "Gadget" }),
        400,
        "BadRequest",
        "invalid object type: example.com/v1, Kind=Gadget",
      );
      assertStatus(
        await apply(target, w.item("w2"), "m1", {
          apiVersion: "example.com/v1",
          metadata: { name: "w2" },
        }),
        400,
        "BadRequest",
        "invalid object type: example.com/v1, Kind=",
      );
    });

    await t.step("apply with a name that differs from the URL → 400", async () => {
      assertStatus(
        await apply(target, w.item("w2"), "m1", widget("zz")),
        400,
        "BadRequest",
        "the name of the object (zz) does not match the name on the URL (w2)",
      );
    });

    await t.step("apply bodies that are not YAML objects → 400 error decoding YAML", async () => {
      assertStatus(
        await apply(target, w.item("w2"), "m1", "[1]"),
        400,
        "BadRequest",
        "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
      );
      assertStatus(
        await apply(target, w.item("w2"), "m1", "a: ["),
        400,
        "BadRequest",
        /^error decoding YAML: error converting YAML to JSON: yaml: /,
      );
    });

    await t.step(
      "apply of a field the schema does not declare → 500, whatever fieldValidation",
      async () => {
        for (const query of ["", "&fieldValidation=Ignore", "&fieldValidation=Strict"]) {
          const reply = await apply(target, w.item("w2"), "m1", {
            ...config({ size: 3, color: "red", bogus: 1 }),
          }, query);
          const body = reply.body as unknown as Record<string, unknown>;
          assert.equal(reply.status, 500, JSON.stringify(body));
          assert.equal(
            body.message,
            "failed to create typed patch object (/w2; example.com/v1, Kind=Widget): .spec.bogus: field not declared in schema",
          );
          assert.equal(body.reason, undefined);
        }
      },
    );

    await t.step(
      "apply of undeclared fields in list-map elements → 500 naming each by key",
      async () => {
        const one = await apply(target, w.status("w2"), "m1", {
          ...widget("w2"),
          status: { conditions: [condition("Approved")] },
        });
        assert.equal(one.status, 500, JSON.stringify(one.body));
        assert.equal(
          (one.body as unknown as Record<string, unknown>).message,
          'failed to create typed patch object (/w2; example.com/v1, Kind=Widget): .status.conditions[type="Approved"].lastTransitionTime: field not declared in schema',
        );
        const two = await apply(target, w.status("w2"), "m1", {
          ...widget("w2"),
          status: { conditions: [condition("Ready"), condition("Issuing")] },
        });
        assert.equal(two.status, 500, JSON.stringify(two.body));
        assert.equal(
          (two.body as unknown as Record<string, unknown>).message,
          'failed to create typed patch object (/w2; example.com/v1, Kind=Widget): errors:\n  .status.conditions[type="Ready"].lastTransitionTime: field not declared in schema\n  .status.conditions[type="Issuing"].lastTransitionTime: field not declared in schema',
        );
      },
    );

    await t.step("apply of a value of the wrong type → 500 from the typed patch", async () => {
      const reply = await apply(target, w.item("w2"), "m1", config({ size: "big", color: "red" }));
      const body = reply.body as unknown as Record<string, unknown>;
      assert.equal(reply.status, 500, JSON.stringify(body));
      assert.equal(
        body.message,
        "failed to create typed patch object (/w2; example.com/v1, Kind=Widget): .spec.size: expected numeric (int or float), got string",
      );
    });

    await t.step("apply of a condition without its required status → 422", async () => {
      const reply = await apply(target, w.status("w3"), "issuer", {
        ...widget("w3"),
        status: { conditions: [{ type: "Ready" }] },
      }, "&force=true");
      assertStatus(
        reply,
        422,
        "Invalid",
        /^Widget\.example\.com "w3" is invalid: status\.conditions\[\d\]\.status: Required value$/,
      );
    });

    await t.step("issuer scenario on cert-manager's CertificateRequest CRD", async () => {
      await target.crd(await Deno.readTextFile(CERTIFICATE_REQUEST_CRD));
      await untilListable(target, "/apis/cert-manager.io/v1/certificaterequests?limit=1");
      const coll = `/apis/cert-manager.io/v1/namespaces/${w.ns}/certificaterequests`;
      const status = `${coll}/cr1/status`;
      const created = await must<Obj>(201, target, "POST", coll, {
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name: "cr1" },
        spec: {
          request: btoa("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"),
          issuerRef: { name: "issuer", kind: "Issuer", group: "example.com" },
        },
      });
      const cr = (conditions: Condition[]) => ({
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name: "cr1", namespace: w.ns },
        status: { conditions },
      });
      const ok = async (manager: string, conditions: Condition[], force = false) => {
        const reply = await apply(
          target,
          status,
          manager,
          cr(conditions),
          force ? "&force=true" : "",
        );
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        return reply.body;
      };
      await ok("approver", [condition("Approved")]);
      await ok("issuer", [condition("Ready", "False")], true);
      await ok("third", [condition("example.com/Custom")]);
      const both = await ok("issuer", [condition("Ready", "False"), condition("Issuing")], true);
      assert.deepEqual(Object.keys(conditionsByType(both)).sort(), [
        "Approved",
        "Issuing",
        "Ready",
        "example.com/Custom",
      ]);
      const last = await ok("issuer", [condition("Ready")], true);
      assert.deepEqual(conditionsByType(last), {
        Approved: condition("Approved"),
        Ready: condition("Ready"),
        "example.com/Custom": condition("example.com/Custom"),
      });
      assert.deepEqual(last.spec, created.spec, "spec untouched");
      assert.equal(last.metadata.generation, 1);
      assert.deepEqual(managers(last), [
        "approver/Apply/status",
        "conformance/Update/",
        "issuer/Apply/status",
        "third/Apply/status",
      ]);
      const again = await ok("issuer", [condition("Ready")], true);
      assert.equal(again.metadata.resourceVersion, last.metadata.resourceVersion, "idempotent");
    });

    await t.step(
      "cert-manager schema: an unknown condition status → 422 Unsupported value",
      async () => {
        const coll = `/apis/cert-manager.io/v1/namespaces/${w.ns}/certificaterequests`;
        const reply = await apply(target, `${coll}/cr1/status`, "issuer", {
          apiVersion: "cert-manager.io/v1",
          kind: "CertificateRequest",
          metadata: { name: "cr1" },
          status: { conditions: [condition("Ready", "Maybe")] },
        }, "&force=true");
        assertStatus(
          reply,
          422,
          "Invalid",
          /^CertificateRequest\.cert-manager\.io "cr1" is invalid: status\.conditions\[\d\]\.status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"$/,
        );
      },
    );
  },
});
