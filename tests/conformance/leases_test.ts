/**
 * Conformance: coordination.k8s.io/v1 Leases (spec §12.4, rows LE1–LE3 of §15.2):
 * create-on-PUT, the resourceVersion a PUT needs, MicroTime decoding, validation, and the
 * request sequence of client-go's `LeaseLock` + `LeaderElector`. Runs unchanged against
 * the fake and a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { formatMicroTime } from "../../lib/core/time.ts";
import { json, openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}
type Lease = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name?: string; resourceVersion?: string };
  spec?: LeaseSpec;
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

const MICRO_LAYOUT = '"2006-01-02T15:04:05.000000Z07:00"';

function lease(name: string, spec: Record<string, unknown>, resourceVersion?: string): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, ...(resourceVersion ? { resourceVersion } : {}) },
    spec,
  };
}

async function expectObject(res: Response, code: number): Promise<Lease> {
  const body = await json<Lease>(res);
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
  name: `Lease conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target: Target = await openTarget();
    const ns = await target.namespace("leases");
    const coll = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
    const put = (name: string, body: Lease) => target.request("PUT", `${coll}/${name}`, { body });
    const post = (body: Lease) => target.request("POST", coll, { body });

    let le1: Lease | undefined;
    await t.step(
      "LE1 PUT a Lease that does not exist (no resourceVersion) → 201 created",
      async () => {
        le1 = await expectObject(
          await put("le1", lease("le1", { holderIdentity: "a", leaseDurationSeconds: 15 })),
          201,
        );
        assert.equal(le1.spec?.holderIdentity, "a");
        assert.equal(typeof le1.metadata.uid, "string");
        assert.equal(le1.metadata.generation, undefined, "Leases have no generation");
      },
    );

    await t.step(
      "LE2 PUT without resourceVersion when it exists → 422 must be specified for an update",
      async () => {
        const status = await expectStatus(
          await put("le1", lease("le1", { holderIdentity: "b" })),
          422,
        );
        assert.equal(status.reason, "Invalid");
        // kube-apiserver 1.34 prints the uint64 as `0`; 1.32 printed `0x0` (spec U3). No client
        // depends on the text, so the real server's wins.
        assert.equal(
          status.message,
          'leases.coordination.k8s.io "le1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
        );
        assert.deepEqual(status.details, {
          name: "le1",
          group: "coordination.k8s.io",
          kind: "leases",
          causes: [{
            reason: "FieldValueInvalid",
            message: "Invalid value: 0: must be specified for an update",
            field: "metadata.resourceVersion",
          }],
        });
      },
    );

    await t.step("LE3 a MicroTime without exactly 6 fractional digits → 400", async () => {
      const cases: [string, string][] = [
        ["2024-01-01T00:00:00.123Z", `cannot parse ".123Z" as ".000000"`],
        ["2024-01-01T00:00:00Z", `cannot parse "Z" as ".000000"`],
        ["2024-01-01T00:00:00.1234567Z", `cannot parse "7Z" as "Z07:00"`],
      ];
      for (const field of ["renewTime", "acquireTime"]) {
        for (const [value, tail] of cases) {
          const status = await expectStatus(await post(lease("le3", { [field]: value })), 400);
          assert.equal(status.reason, "BadRequest");
          assert.equal(
            status.message,
            `Lease in version "v1" cannot be handled as a Lease: parsing time "${value}" as ${MICRO_LAYOUT}: ${tail}`,
          );
        }
      }
      const range = await expectStatus(
        await post(lease("le3", { renewTime: "2024-13-01T00:00:00.000000Z" })),
        400,
      );
      assert.equal(
        range.message,
        'Lease in version "v1" cannot be handled as a Lease: parsing time "2024-13-01T00:00:00.000000Z": month out of range',
      );
    });

    await t.step(
      "LE3 the same through a merge or strategic merge patch → 422 Invalid on field patch",
      async () => {
        const bad = "2024-01-01T00:00:00.123Z";
        for (
          const contentType of [
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
          ]
        ) {
          const res = await target.request("PATCH", `${coll}/le1`, {
            body: { spec: { renewTime: bad } },
            contentType,
          });
          const status = await expectStatus(res, 422);
          assert.equal(status.reason, "Invalid");
          assert.ok(
            status.message.startsWith(' "" is invalid: patch: Invalid value: "'),
            status.message,
          );
          assert.ok(
            status.message.endsWith(
              `": parsing time "${bad}" as ${MICRO_LAYOUT}: cannot parse ".123Z" as ".000000"`,
            ),
            status.message,
          );
          assert.deepEqual(status.details?.causes?.map((c) => c.field), ["patch"]);
        }
      },
    );

    await t.step("§12.4 a 6-digit MicroTime is kept; an offset is normalised to UTC", async () => {
      const created = await expectObject(
        await post(lease("micro", {
          acquireTime: "2024-01-01T00:00:00.000000Z",
          renewTime: "2024-01-01T02:00:00.123456+02:00",
        })),
        201,
      );
      assert.equal(created.spec?.acquireTime, "2024-01-01T00:00:00.000000Z");
      assert.equal(created.spec?.renewTime, "2024-01-01T00:00:00.123456Z");
    });

    await t.step(
      "§12.4 leaseDurationSeconds > 0 and leaseTransitions ≥ 0, else 422",
      async () => {
        const status = await expectStatus(
          await post(lease("invalid", { leaseDurationSeconds: 0, leaseTransitions: -1 })),
          422,
        );
        assert.equal(
          status.message,
          'Lease.coordination.k8s.io "invalid" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]',
        );
        assert.deepEqual(status.details?.causes?.map((c) => c.field), [
          "spec.leaseDurationSeconds",
          "spec.leaseTransitions",
        ]);
      },
    );

    await t.step("§12.4 spec fields of the wrong JSON type → 400 (Go's decode error)", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [
          { leaseDurationSeconds: "15" },
          "string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32",
        ],
        [
          { leaseDurationSeconds: 1.5 },
          "number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32",
        ],
        [
          { holderIdentity: 5 },
          "number into Go struct field LeaseSpec.spec.holderIdentity of type string",
        ],
      ];
      for (const [spec, tail] of cases) {
        const status = await expectStatus(await post(lease("typed", spec)), 400);
        assert.equal(
          status.message,
          `Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal ${tail}`,
        );
      }
    });

    await t.step(
      "§12.4 spec.strategy and spec.preferredHolder are dropped (CoordinatedLeaderElection is off)",
      async () => {
        const created = await expectObject(
          await post(lease("coordinated", {
            holderIdentity: "a",
            strategy: "OldestEmulationVersion",
            preferredHolder: "b",
          })),
          201,
        );
        assert.deepEqual(created.spec, { holderIdentity: "a" });
      },
    );

    await t.step("§12.4 Leases have no status subresource", async () => {
      const res = await target.request("GET", `${coll}/le1/status`);
      await res.body?.cancel();
      assert.equal(res.status, 404);
    });

    await t.step(
      "§12.4 client-go LeaderElector: acquire, renew, conflict, take-over, release",
      async () => {
        const path = `${coll}/leader`;
        // 1. GET the lease; 404 → POST it.
        const missing = await expectStatus(await target.request("GET", path), 404);
        assert.equal(missing.message, 'leases.coordination.k8s.io "leader" not found');
        const t0 = formatMicroTime(Date.now());
        const acquired = await expectObject(
          await post(lease("leader", {
            holderIdentity: "me",
            leaseDurationSeconds: 15,
            acquireTime: t0,
            renewTime: t0,
            leaseTransitions: 0,
          })),
          201,
        );
        assert.deepEqual(acquired.spec, {
          holderIdentity: "me",
          leaseDurationSeconds: 15,
          acquireTime: t0,
          renewTime: t0,
          leaseTransitions: 0,
        });
        // 2. Renew: PUT the cached lease with its resourceVersion and a new renewTime.
        const t1 = formatMicroTime(Date.now() + 2000);
        const renewed = await expectObject(
          await put(
            "leader",
            lease("leader", { ...acquired.spec, renewTime: t1 }, acquired.metadata.resourceVersion),
          ),
          200,
        );
        assert.equal(renewed.spec?.renewTime, t1);
        assert.equal(renewed.spec?.acquireTime, t0);
        assert.equal(renewed.spec?.leaseTransitions, 0);
        assert.ok(
          Number(renewed.metadata.resourceVersion) > Number(acquired.metadata.resourceVersion),
        );
        // 3. Another candidate writing with the RV it saw before the renew loses: 409.
        const lost = await expectStatus(
          await put(
            "leader",
            lease("leader", {
              ...acquired.spec,
              holderIdentity: "other",
              leaseTransitions: 1,
            }, acquired.metadata.resourceVersion),
          ),
          409,
        );
        assert.equal(lost.reason, "Conflict");
        assert.equal(
          lost.message,
          'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again',
        );
        // 4. Take-over with the current RV: leaseTransitions+1, acquireTime now.
        const t2 = formatMicroTime(Date.now() + 20_000);
        const taken = await expectObject(
          await put(
            "leader",
            lease("leader", {
              holderIdentity: "other",
              leaseDurationSeconds: 15,
              acquireTime: t2,
              renewTime: t2,
              leaseTransitions: 1,
            }, renewed.metadata.resourceVersion),
          ),
          200,
        );
        assert.equal(taken.spec?.holderIdentity, "other");
        assert.equal(taken.spec?.leaseTransitions, 1);
        // 5. Release on shutdown: holderIdentity "", leaseDurationSeconds 1.
        const t3 = formatMicroTime(Date.now() + 21_000);
        const released = await expectObject(
          await put(
            "leader",
            lease("leader", {
              holderIdentity: "",
              leaseDurationSeconds: 1,
              acquireTime: t3,
              renewTime: t3,
              leaseTransitions: 1,
            }, taken.metadata.resourceVersion),
          ),
          200,
        );
        assert.equal(released.spec?.holderIdentity, "");
        assert.equal(released.spec?.leaseDurationSeconds, 1);
        const read = await expectObject(await target.request("GET", path), 200);
        assert.deepEqual(read.spec, released.spec);
      },
    );
  },
});
