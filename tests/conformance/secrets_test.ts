/**
 * Conformance: core/v1 Secrets (spec §12.2): `stringData`, the `Opaque` default, decoding
 * errors, key names, the immutable `type`, immutable Secrets, `kubernetes.io/tls`,
 * unconditional PUT, the `type` field selector and delete. Runs unchanged against the
 * fake and a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { json, openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name?: string; resourceVersion?: string };
  data?: Record<string, string>;
  type?: string;
};
interface Status {
  kind: string;
  status: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    uid?: string;
    causes?: { reason: string; message: string; field?: string }[];
  };
}

const b64 = (text: string) => btoa(text);

function secret(name: string, fields: Record<string, unknown> = {}): Obj {
  return { apiVersion: "v1", kind: "Secret", metadata: { name }, ...fields };
}

async function expectObject(res: Response, code: number): Promise<Obj> {
  const body = await json<Obj>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  return body;
}

async function expectStatus(res: Response, code: number): Promise<Status> {
  const body = await json<Status>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  assert.equal(body.kind, "Status");
  assert.equal(body.code, code);
  return body;
}

Deno.test({
  name: `Secret conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target: Target = await openTarget();
    const ns = await target.namespace("secrets");
    const coll = `/api/v1/namespaces/${ns}/secrets`;
    const create = async (body: Obj) =>
      await expectObject(await target.request("POST", coll, { body }), 201);
    const createFails = async (body: Obj, code: number) =>
      await expectStatus(await target.request("POST", coll, { body }), code);

    await t.step(
      "§12.2 stringData is folded into data (winning over data) and never returned; type defaults to Opaque",
      async () => {
        const created = await create(
          secret("folded", { data: { x: b64("x") }, stringData: { y: "why", x: "over" } }),
        );
        for (
          const s of [
            created,
            await expectObject(await target.request("GET", `${coll}/folded`), 200),
          ]
        ) {
          assert.deepEqual(s.data, { x: b64("over"), y: b64("why") });
          assert.equal("stringData" in s, false);
          assert.equal(s.type, "Opaque");
        }
      },
    );

    await t.step("§12.2 invalid base64 in data → 400 naming Go's byte offset", async () => {
      for (const [value, at] of [["e!A==", 1], ["eA=", 3], ["eA", 0], ["eA==x", 4]] as const) {
        const status = await createFails(secret("b64", { data: { x: value } }), 400);
        assert.equal(status.reason, "BadRequest");
        assert.equal(
          status.message,
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`,
          value,
        );
      }
    });

    await t.step("§12.2 fields of the wrong JSON type → 400 (Go's decode error)", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ data: { x: 5 } }, "number into Go struct field Secret.data of type []uint8"],
        [{ data: "x" }, "string into Go struct field Secret.data of type map[string][]uint8"],
        [{ stringData: { x: 5 } }, "number into Go struct field Secret.stringData of type string"],
        [{ immutable: "yes" }, "string into Go struct field Secret.immutable of type bool"],
        [{ type: 5 }, "number into Go struct field Secret.type of type v1.SecretType"],
      ];
      for (const [fields, tail] of cases) {
        const status = await createFails(secret("typed", fields), 400);
        assert.equal(
          status.message,
          `Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal ${tail}`,
        );
      }
    });

    await t.step("§12.2 data keys must match [-._a-zA-Z0-9]+ → 422", async () => {
      const status = await createFails(secret("keys", { data: { "a/b": b64("x") } }), 422);
      assert.equal(status.reason, "Invalid");
      assert.equal(
        status.message,
        `Secret "keys" is invalid: data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      );
      assert.deepEqual(status.details?.causes?.map((c) => c.field), ["data[a/b]"]);
    });

    await t.step("§12.2 kubernetes.io/tls requires tls.crt and tls.key → 422", async () => {
      const status = await createFails(
        secret("tls", { type: "kubernetes.io/tls", data: { x: b64("x") } }),
        422,
      );
      assert.equal(
        status.message,
        'Secret "tls" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]',
      );
      assert.deepEqual(status.details?.causes, [
        { reason: "FieldValueRequired", message: "Required value", field: "data[tls.crt]" },
        { reason: "FieldValueRequired", message: "Required value", field: "data[tls.key]" },
      ]);
      const ok = await create(
        secret("tls", {
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": "crt", "tls.key": "key" },
        }),
      );
      assert.equal(ok.type, "kubernetes.io/tls");
    });

    const plain = await create(secret("plain", { stringData: { k: "v" } }));

    await t.step("§12.2 type is immutable → 422", async () => {
      const res = await target.request("PUT", `${coll}/plain`, {
        body: secret("plain", { type: "foo", data: plain.data }),
      });
      const status = await expectStatus(res, 422);
      assert.equal(
        status.message,
        'Secret "plain" is invalid: type: Invalid value: "foo": field is immutable',
      );
    });

    await t.step(
      "§12.2 unconditional PUT (no resourceVersion) → 200, resourceVersion increased",
      async () => {
        const res = await target.request("PUT", `${coll}/plain`, {
          body: secret("plain", { data: { k: b64("v2") } }),
        });
        const updated = await expectObject(res, 200);
        assert.deepEqual(updated.data, { k: b64("v2") });
        assert.equal(updated.type, "Opaque");
        assert.ok(
          Number(updated.metadata.resourceVersion) > Number(plain.metadata.resourceVersion),
        );
      },
    );

    await t.step("§12.2 PUT with a stale resourceVersion → 409 Conflict", async () => {
      const res = await target.request("PUT", `${coll}/plain`, {
        body: {
          ...secret("plain", { data: { k: b64("v3") } }),
          metadata: { name: "plain", resourceVersion: plain.metadata.resourceVersion },
        },
      });
      const status = await expectStatus(res, 409);
      assert.equal(
        status.message,
        'Operation cannot be fulfilled on secrets "plain": the object has been modified; please apply your changes to the latest version and try again',
      );
    });

    await t.step("§12.2 strategic merge patch of data merges keys", async () => {
      const res = await target.request("PATCH", `${coll}/plain`, {
        body: { data: { other: b64("o") } },
        contentType: "application/strategic-merge-patch+json",
      });
      const patched = await expectObject(res, 200);
      assert.deepEqual(patched.data, { k: b64("v2"), other: b64("o") });
    });

    await t.step(
      "§12.2 immutable Secret: data changes and unsetting immutable → 422; labels may change",
      async () => {
        await create(secret("frozen", { immutable: true, data: { x: b64("x") } }));
        const put = async (fields: Record<string, unknown>) =>
          await target.request("PUT", `${coll}/frozen`, {
            body: { ...secret("frozen", fields), metadata: { name: "frozen", labels: { a: "b" } } },
          });
        const data = await expectStatus(await put({ immutable: true, data: { x: b64("y") } }), 422);
        assert.equal(
          data.message,
          'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
        );
        for (const immutable of [false, undefined]) {
          const status = await expectStatus(
            await put({ ...(immutable === undefined ? {} : { immutable }), data: { x: b64("x") } }),
            422,
          );
          assert.equal(
            status.message,
            'Secret "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set',
          );
        }
        const both = await expectStatus(await put({ immutable: false, data: {} }), 422);
        assert.deepEqual(both.details?.causes?.map((c) => c.field), ["immutable", "data"]);
        const relabelled = await expectObject(
          await put({ immutable: true, data: { x: b64("x") } }),
          200,
        );
        assert.deepEqual(relabelled.metadata.labels, { a: "b" });
      },
    );

    await t.step("§9.5 field selector type=… on Secrets", async () => {
      const names = async (selector: string) => {
        const res = await target.request(
          "GET",
          `${coll}?fieldSelector=${encodeURIComponent(selector)}`,
        );
        const list = await expectObject(res, 200);
        return (list.items as Obj[]).map((s) => s.metadata.name);
      };
      assert.deepEqual(await names("type=kubernetes.io/tls"), ["tls"]);
      assert.deepEqual(await names("type=Opaque"), ["folded", "frozen", "plain"]);
      assert.deepEqual(await names("type!=Opaque,metadata.name=tls"), ["tls"]);
      const status = await expectStatus(
        await target.request("GET", `${coll}?fieldSelector=data.x%3Dy`),
        400,
      );
      assert.equal(status.message, "field label not supported: data.x");
    });

    await t.step(
      "F4 DELETE a Secret → 200 Status Success with name, kind, uid; again → 404",
      async () => {
        const res = await target.request("DELETE", `${coll}/folded`);
        const status = await json<Status>(res);
        assert.equal(res.status, 200, JSON.stringify(status));
        assert.equal(status.kind, "Status");
        assert.equal(status.status, "Success");
        assert.equal(status.details?.name, "folded");
        assert.equal(status.details?.kind, "secrets");
        assert.equal("group" in (status.details ?? {}), false);
        assert.match(status.details?.uid ?? "", /^[0-9a-f-]{36}$/);
        const again = await expectStatus(await target.request("DELETE", `${coll}/folded`), 404);
        assert.equal(again.message, 'secrets "folded" not found');
        assert.deepEqual(again.details, { name: "folded", kind: "secrets" });
      },
    );
  },
});
