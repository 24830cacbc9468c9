/**
 * Conformance: LIST (spec §9, rows L1–L10 of §15.2): list shape, resourceVersion
 * semantics, pagination, label and field selectors, all-namespaces and cluster-scoped
 * lists. Runs unchanged against the fake and a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { mergePatch, must, untilListable as untilWidgetsListable } from "./_write_helpers.ts";
import {
  json,
  openTarget,
  REAL_UNAVAILABLE,
  type Target,
  TARGET_KIND,
  WIDGET_CRD,
} from "./_target.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
  };
};
interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Obj[];
}
interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    causes?: { reason: string; message: string; field?: string }[];
    retryAfterSeconds?: number;
    group?: string;
    kind?: string;
  };
}

const WIDGETS = "/apis/example.com/v1";

function widget(name: string, labels: Record<string, string> = {}, size = 1): Obj {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, labels },
    spec: { size },
  };
}

function create(target: Target, path: string, body: Obj): Promise<Obj> {
  return must(201, target, "POST", path, body);
}

function patch(target: Target, path: string, body: unknown): Promise<Obj> {
  return mergePatch(target, path, body);
}

async function del(target: Target, path: string): Promise<void> {
  await must(200, target, "DELETE", path);
}

async function list(target: Target, path: string): Promise<List> {
  const res = await target.request("GET", path);
  const out = await json<List>(res);
  assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(out)}`);
  return out;
}

async function failing(target: Target, path: string, code: number): Promise<Status> {
  const res = await target.request("GET", path);
  const out = await json<Status>(res);
  assert.equal(res.status, code, `GET ${path}: ${JSON.stringify(out)}`);
  assert.equal(out.kind, "Status");
  assert.equal(out.code, code);
  return out;
}

function names(l: List): string[] {
  return l.items.map((o) => String(o.metadata.name)).sort();
}

function rvOf(o: { metadata: { resourceVersion?: string } }): number {
  const rv = Number(o.metadata.resourceVersion);
  assert.ok(Number.isInteger(rv) && rv > 0, `resourceVersion ${o.metadata.resourceVersion}`);
  return rv;
}

/** Waits until widgets can be listed (a real server answers 429 for a moment after a CRD). */
function untilListable(target: Target): Promise<void> {
  return untilWidgetsListable(target, `${WIDGETS}/widgets?limit=1`);
}

const q = encodeURIComponent;

Deno.test({
  name: `LIST conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const real = target.kind === "real";
    await target.crd(WIDGET_CRD);
    await untilListable(target);
    const ns = await target.namespace("list");
    const ns2 = await target.namespace("list2");
    const coll = `${WIDGETS}/namespaces/${ns}/widgets`;
    const coll2 = `${WIDGETS}/namespaces/${ns2}/widgets`;
    const w1 = await create(target, coll, widget("w1", { app: "a", tier: "front" }, 3));
    await create(target, coll, widget("w2", { app: "b", skip: "yes" }, 3));
    await create(target, coll, widget("w3", { app: "c" }, 5));
    await create(target, coll2, widget("w1", { app: "a" }));

    await t.step(
      "L1 list with 3 items: WidgetList, items carry apiVersion/kind, list RV ≥ item RVs",
      async () => {
        const l = await list(target, coll);
        assert.equal(l.kind, "WidgetList");
        assert.equal(l.apiVersion, "example.com/v1");
        assert.deepEqual(names(l), ["w1", "w2", "w3"]);
        const listRv = rvOf(l);
        for (const item of l.items) {
          assert.equal(item.apiVersion, "example.com/v1");
          assert.equal(item.kind, "Widget");
          assert.equal(item.metadata.namespace, ns);
          assert.ok(
            rvOf(item) <= listRv,
            `item RV ${item.metadata.resourceVersion} > list RV ${listRv}`,
          );
        }
        assert.ok(!l.metadata.continue, "no continue token without limit");
        assert.equal(l.metadata.remainingItemCount, undefined);
      },
    );

    await t.step("L1 an empty list has items [] (never null)", async () => {
      const empty = await target.namespace("empty");
      const l = await list(target, `${WIDGETS}/namespaces/${empty}/widgets`);
      assert.deepEqual(l.items, []);
    });

    await t.step("L2 list Secrets: SecretList items lack apiVersion/kind", async () => {
      const secrets = `/api/v1/namespaces/${ns}/secrets`;
      await create(target, secrets, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s1" },
        stringData: { k: "v" },
      });
      await create(target, secrets, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s2" },
        type: "kubernetes.io/tls",
        data: { "tls.crt": btoa("crt"), "tls.key": btoa("key") },
      });
      const l = await list(target, secrets);
      assert.equal(l.kind, "SecretList");
      assert.equal(l.apiVersion, "v1");
      assert.deepEqual(names(l), ["s1", "s2"]);
      for (const item of l.items) {
        assert.equal(item.apiVersion, undefined, "Secret list items carry no apiVersion");
        assert.equal(item.kind, undefined, "Secret list items carry no kind");
      }
    });

    await t.step("L2 list Leases: LeaseList items lack apiVersion/kind", async () => {
      const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
      await create(target, leases, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "l1" },
        spec: { holderIdentity: "me", leaseDurationSeconds: 15 },
      });
      const l = await list(target, leases);
      assert.equal(l.kind, "LeaseList");
      assert.equal(l.apiVersion, "coordination.k8s.io/v1");
      assert.deepEqual(names(l), ["l1"]);
      assert.equal(l.items[0]?.apiVersion, undefined);
      assert.equal(l.items[0]?.kind, undefined);
    });

    await t.step(
      "list of a cluster-scoped resource (Namespaces): NamespaceList, items lack apiVersion/kind",
      async () => {
        const l = await list(target, "/api/v1/namespaces");
        assert.equal(l.kind, "NamespaceList");
        assert.equal(l.apiVersion, "v1");
        const all = names(l);
        for (const n of ["default", "kube-system", "kube-public", "kube-node-lease", ns, ns2]) {
          assert.ok(all.includes(n), `namespace ${n} listed in ${all}`);
        }
        for (const item of l.items) {
          assert.equal(item.apiVersion, undefined);
          assert.equal(item.kind, undefined);
          assert.equal(item.metadata.namespace, undefined, "namespaces have no namespace");
        }
        const one = await list(
          target,
          `/api/v1/namespaces?fieldSelector=${q(`metadata.name=${ns}`)}`,
        );
        assert.deepEqual(names(one), [ns]);
      },
    );

    await t.step("all-namespaces list of a namespaced resource spans namespaces", async () => {
      const l = await list(target, `${WIDGETS}/widgets`);
      assert.equal(l.kind, "WidgetList");
      const ours = l.items
        .filter((o) => o.metadata.namespace === ns || o.metadata.namespace === ns2)
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
        .sort();
      assert.deepEqual(ours, [`${ns}/w1`, `${ns}/w2`, `${ns}/w3`, `${ns2}/w1`].sort());
      for (const item of l.items) assert.equal(item.kind, "Widget");
    });

    await t.step(
      "L3 limit=2 then continue: 2 items + token, then the rest at the same list RV",
      async () => {
        const pages = await target.namespace("pages");
        const pcoll = `${WIDGETS}/namespaces/${pages}/widgets`;
        for (const n of ["p1", "p2", "p3"]) await create(target, pcoll, widget(n));
        const first = await list(target, `${pcoll}?limit=2`);
        assert.deepEqual(names(first), ["p1", "p2"]);
        assert.ok(first.metadata.continue, "first page has a continue token");
        assert.equal(first.metadata.remainingItemCount, 1);
        // A write between pages does not show up: the pages are one consistent snapshot.
        await create(target, pcoll, widget("p4"));
        const second = await list(
          target,
          `${pcoll}?limit=2&continue=${q(first.metadata.continue)}`,
        );
        assert.deepEqual(names(second), ["p3"]);
        assert.ok(!second.metadata.continue, "last page has no continue token");
        assert.equal(second.metadata.remainingItemCount, undefined);
        assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
      },
    );

    await t.step("L3 with a selector: continue works, remainingItemCount is omitted", async () => {
      const first = await list(target, `${coll}?limit=1&labelSelector=${q("app")}`);
      assert.equal(first.items.length, 1);
      assert.ok(first.metadata.continue);
      assert.equal(first.metadata.remainingItemCount, undefined);
      const rest = await list(
        target,
        `${coll}?limit=5&labelSelector=${q("app")}&continue=${q(first.metadata.continue)}`,
      );
      assert.deepEqual([...names(first), ...names(rest)].sort(), ["w1", "w2", "w3"]);
    });

    await t.step({
      name:
        "L4 expired continue token → 410 Expired (fake only: the real server needs an etcd compaction)",
      ignore: real,
      fn: async () => {
        const first = await list(target, `${coll}?limit=1`);
        assert.ok(first.metadata.continue);
        target.expireContinueTokens!();
        const s = await failing(
          target,
          `${coll}?limit=1&continue=${q(first.metadata.continue)}`,
          410,
        );
        assert.equal(s.reason, "Expired");
        assert.ok(
          s.message.startsWith(
            "The provided continue parameter is too old to display a consistent list result.",
          ),
          s.message,
        );
      },
    });

    await t.step(
      "invalid continue token → 400 BadRequest `invalid continue token: …`",
      async () => {
        const s = await failing(target, `${coll}?limit=1&continue=garbage`, 400);
        assert.equal(s.reason, "BadRequest");
        assert.ok(s.message.startsWith("invalid continue token: "), s.message);
      },
    );

    await t.step("continue with a non-0 resourceVersion → 400", async () => {
      const first = await list(target, `${coll}?limit=1`);
      const s = await failing(
        target,
        `${coll}?limit=1&continue=${
          q(first.metadata.continue!)
        }&resourceVersion=${first.metadata.resourceVersion}`,
        400,
      );
      assert.equal(s.reason, "BadRequest");
      assert.equal(s.message, "specifying resource version is not allowed when using continue");
    });

    await t.step(
      "a malformed continue token is reported before a resourceVersion next to it",
      async () => {
        const s = await failing(target, `${coll}?limit=1&continue=abc&resourceVersion=5`, 400);
        assert.ok(s.message.startsWith("invalid continue token: "), s.message);
      },
    );

    await t.step("a continue token can be used again (a client retrying a page)", async () => {
      const first = await list(target, `${coll}?limit=2`);
      const path = `${coll}?limit=2&continue=${q(first.metadata.continue!)}`;
      const again = [await list(target, path), await list(target, path)];
      for (const page of again) {
        assert.deepEqual(names(page), ["w3"]);
        assert.equal(page.metadata.resourceVersion, first.metadata.resourceVersion);
      }
    });

    await t.step("continue with resourceVersion=0 is treated as a plain continue", async () => {
      const first = await list(target, `${coll}?limit=2`);
      const second = await list(
        target,
        `${coll}?limit=2&continue=${q(first.metadata.continue!)}&resourceVersion=0`,
      );
      assert.deepEqual(names(second), ["w3"]);
      assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    });

    await t.step("L5 limit=1&resourceVersion=0 → all items, no continue", async () => {
      const l = await list(target, `${coll}?limit=1&resourceVersion=0`);
      assert.deepEqual(names(l), ["w1", "w2", "w3"]);
      assert.ok(!l.metadata.continue);
    });

    await t.step("§9.3 RV unset: the most recent state", async () => {
      const before = await list(target, coll);
      const w5 = await create(target, coll, widget("w5"));
      const after = await list(target, coll);
      assert.ok(names(after).includes("w5"));
      assert.ok(rvOf(after) >= rvOf(w5));
      assert.ok(rvOf(after) > rvOf(before));
      await del(target, `${coll}/w5`);
      assert.ok(!names(await list(target, coll)).includes("w5"));
    });

    await t.step("§9.3 RV=0: any state (here: all current items)", async () => {
      const l = await list(target, `${coll}?resourceVersion=0`);
      assert.deepEqual(names(l), ["w1", "w2", "w3"]);
    });

    await t.step("§9.3 RV=N without limit and NotOlderThan: not older than N", async () => {
      const n = rvOf(w1);
      const w6 = await create(target, coll, widget("w6"));
      try {
        for (
          const path of [
            `${coll}?resourceVersion=${n}`,
            `${coll}?resourceVersion=${n}&resourceVersionMatch=NotOlderThan`,
          ]
        ) {
          // Any state at N or later: the real server answers from its watch cache, which
          // may not have seen w6 yet; the fake answers with the latest. Either way the
          // items are those of the list's own resourceVersion.
          const l = await list(target, path);
          assert.ok(rvOf(l) >= n, `${path}: list RV ${rvOf(l)} is older than ${n}`);
          const seesW6 = rvOf(l) >= rvOf(w6);
          assert.equal(names(l).includes("w6"), seesW6, `${path} at RV ${rvOf(l)}: ${names(l)}`);
          if (!real) assert.ok(seesW6, `${path}: the fake lists the latest state`);
        }
      } finally {
        await del(target, `${coll}/w6`);
      }
    });

    await t.step(
      "§9.3 RV=N with limit (legacy) and resourceVersionMatch=Exact: exactly N, from history",
      async () => {
        const hist = await target.namespace("hist");
        const hcoll = `${WIDGETS}/namespaces/${hist}/widgets`;
        await create(target, hcoll, widget("h1", {}, 1));
        const h2 = await create(target, hcoll, widget("h2", {}, 2));
        const n = rvOf(h2);
        // After N: h1 modified, h2 deleted, h3 created.
        await patch(target, `${hcoll}/h1`, { spec: { size: 10 } });
        await del(target, `${hcoll}/h2`);
        await create(target, hcoll, widget("h3"));
        for (
          const path of [
            `${hcoll}?resourceVersion=${n}&resourceVersionMatch=Exact`,
            `${hcoll}?resourceVersion=${n}&limit=10`,
          ]
        ) {
          const l = await list(target, path);
          assert.equal(l.metadata.resourceVersion, String(n), path);
          assert.deepEqual(names(l), ["h1", "h2"], path);
          const h1 = l.items.find((o) => o.metadata.name === "h1")!;
          assert.deepEqual(h1.spec, { size: 1 }, `${path}: h1 as it was at N`);
          for (const item of l.items) assert.ok(rvOf(item) <= n);
        }
        const now = await list(target, hcoll);
        assert.deepEqual(names(now), ["h1", "h3"]);
      },
    );

    await t.step("§9.3 Exact with a page: the continue token keeps RV N", async () => {
      const first = await list(target, `${coll}?limit=2`);
      const n = first.metadata.resourceVersion;
      const w7 = await create(target, coll, widget("w7"));
      try {
        const exact = await list(
          target,
          `${coll}?resourceVersion=${n}&resourceVersionMatch=Exact&limit=2`,
        );
        assert.equal(exact.metadata.resourceVersion, n);
        assert.deepEqual(names(exact), ["w1", "w2"]);
        const token = q(exact.metadata.continue!);
        const rest = await list(target, `${coll}?limit=2&continue=${token}`);
        assert.deepEqual(names(rest), ["w3"], "w7 was created after N");
        assert.equal(rest.metadata.resourceVersion, n);
        assert.ok(rvOf(w7) > Number(n));
      } finally {
        await del(target, `${coll}/w7`);
      }
    });

    await t.step({
      name: "§9.3 Exact with a compacted RV → 410 Expired (fake only: compact())",
      ignore: real,
      fn: async () => {
        const l = await list(target, coll);
        await create(target, coll, widget("w8"));
        target.compact!();
        const s = await failing(
          target,
          `${coll}?resourceVersion=${l.metadata.resourceVersion}&resourceVersionMatch=Exact`,
          410,
        );
        assert.equal(s.reason, "Expired");
        assert.equal(s.message, "The resourceVersion for the provided list is too old.");
        await del(target, `${coll}/w8`);
      },
    });

    await t.step(
      "§9.3 future RV → 504 Timeout `Too large resource version` (real: after ~3 s)",
      async () => {
        const future = 1_000_000_000;
        const res = await target.request("GET", `${coll}?resourceVersion=${future}`);
        const s = await json<Status>(res);
        assert.equal(res.status, 504, JSON.stringify(s));
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal(s.reason, "Timeout");
        assert.match(
          s.message,
          new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`),
        );
        assert.deepEqual(s.details, {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        });
      },
    );

    await t.step("§9.3 get with RV=N (not older than N) and RV=0: the current object", async () => {
      for (const rv of ["0", String(rvOf(w1))]) {
        const res = await target.request("GET", `${coll}/w1?resourceVersion=${rv}`);
        const got = await json<Obj>(res);
        assert.equal(res.status, 200, JSON.stringify(got));
        assert.equal(got.metadata.name, "w1");
      }
    });

    await t.step("§9.3 get with a future RV → 504 Timeout (real: after ~3 s)", async () => {
      const future = 1_000_000_000;
      const res = await target.request("GET", `${coll}/w1?resourceVersion=${future}`);
      const s = await json<Status>(res);
      assert.equal(res.status, 504, JSON.stringify(s));
      assert.equal(s.reason, "Timeout");
      assert.match(
        s.message,
        new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`),
      );
    });

    await t.step("§9.3 get with a malformed RV → 500 without a reason", async () => {
      const s = await failing(target, `${coll}/w1?resourceVersion=abc`, 500);
      assert.equal(s.reason, undefined);
      assert.equal(
        s.message,
        `resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`,
      );
    });

    await t.step("invalid resourceVersion → 400", async () => {
      const s = await failing(target, `${coll}?resourceVersion=abc`, 400);
      assert.equal(s.reason, "BadRequest");
      assert.equal(
        s.message,
        `invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`,
      );
    });

    await t.step("L10 resourceVersionMatch=Exact without RV → 422", async () => {
      const s = await failing(target, `${coll}?resourceVersionMatch=Exact`, 422);
      assert.equal(s.reason, "Invalid");
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`,
      );
      assert.equal(s.details?.group, "meta.k8s.io");
      assert.equal(s.details?.kind, "ListOptions");
      assert.deepEqual(s.details?.causes?.map((c) => [c.reason, c.field]), [[
        "FieldValueForbidden",
        "resourceVersionMatch",
      ]]);
    });

    await t.step("L10 resourceVersionMatch=Exact with RV 0 → 422", async () => {
      const s = await failing(target, `${coll}?resourceVersion=0&resourceVersionMatch=Exact`, 422);
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"`,
      );
    });

    await t.step("L10 unsupported resourceVersionMatch → 422", async () => {
      const s = await failing(target, `${coll}?resourceVersion=1&resourceVersionMatch=Foo`, 422);
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Foo": supported values: "Exact", "NotOlderThan", ""`,
      );
      assert.deepEqual(s.details?.causes?.map((c) => [c.reason, c.field]), [[
        "FieldValueNotSupported",
        "resourceVersionMatch",
      ]]);
    });

    await t.step("L10 sendInitialEvents on a list → 422", async () => {
      const s = await failing(
        target,
        `${coll}?sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
        422,
      );
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list]`,
      );
    });

    await t.step("malformed limit → 400; limit=0 and a negative limit mean no limit", async () => {
      const s = await failing(target, `${coll}?limit=abc`, 400);
      assert.equal(s.reason, "BadRequest");
      assert.equal(s.message, `strconv.ParseInt: parsing "abc": invalid syntax`);
      for (const limit of ["0", "-1"]) {
        const l = await list(target, `${coll}?limit=${limit}`);
        assert.deepEqual(names(l), ["w1", "w2", "w3"], `limit=${limit}`);
        assert.ok(!l.metadata.continue);
      }
    });

    await t.step("L6 labelSelector `app in (a,b),!skip` → correct subset", async () => {
      const l = await list(target, `${coll}?labelSelector=${q("app in (a,b),!skip")}`);
      assert.deepEqual(names(l), ["w1"]);
    });

    await t.step("label selector operators =, ==, !=, in, notin, exists, !exists", async () => {
      const cases: [string, string[]][] = [
        ["app=a", ["w1"]],
        ["app==b", ["w2"]],
        ["app!=a", ["w2", "w3"]],
        ["tier!=front", ["w2", "w3"]], // != matches objects without the key
        ["app in (a, c)", ["w1", "w3"]],
        ["app notin (a,b)", ["w3"]],
        ["tier notin (back)", ["w1", "w2", "w3"]], // notin matches objects without the key
        ["skip", ["w2"]],
        ["!skip", ["w1", "w3"]],
        ["app,!tier", ["w2", "w3"]],
        ["app = a , tier", ["w1"]],
        ["", ["w1", "w2", "w3"]],
      ];
      for (const [selector, want] of cases) {
        const l = await list(target, `${coll}?labelSelector=${q(selector)}`);
        assert.deepEqual(names(l), want, `labelSelector ${JSON.stringify(selector)}`);
      }
    });

    await t.step("bad label selector → 400", async () => {
      const cases: [string, string][] = [
        ["app in a", "unable to parse requirement: found 'a' expected: '('"],
        ["a===b", "unable to parse requirement: found '=', expected: identifier"],
      ];
      for (const [selector, message] of cases) {
        const s = await failing(target, `${coll}?labelSelector=${q(selector)}`, 400);
        assert.equal(s.reason, "BadRequest");
        assert.equal(s.message, message, selector);
      }
    });

    await t.step("L7 fieldSelector metadata.name=w1 → one item", async () => {
      const l = await list(target, `${coll}?fieldSelector=${q("metadata.name=w1")}`);
      assert.deepEqual(names(l), ["w1"]);
      const not = await list(target, `${coll}?fieldSelector=${q("metadata.name!=w1")}`);
      assert.deepEqual(names(not), ["w2", "w3"]);
    });

    await t.step("field selector metadata.namespace on a CR, across namespaces", async () => {
      const l = await list(
        target,
        `${WIDGETS}/widgets?fieldSelector=${q(`metadata.namespace=${ns2}`)}`,
      );
      assert.deepEqual(l.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), [
        `${ns2}/w1`,
      ]);
      const both = await list(
        target,
        `${WIDGETS}/widgets?fieldSelector=${q(`metadata.name=w1,metadata.namespace==${ns}`)}`,
      );
      assert.deepEqual(both.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), [
        `${ns}/w1`,
      ]);
    });

    await t.step("field selector `type` on Secrets", async () => {
      const secrets = `/api/v1/namespaces/${ns}/secrets`;
      const tls = await list(target, `${secrets}?fieldSelector=${q("type=kubernetes.io/tls")}`);
      assert.deepEqual(names(tls), ["s2"]);
      const opaque = await list(
        target,
        `${secrets}?fieldSelector=${q("type=Opaque,metadata.name=s1")}`,
      );
      assert.deepEqual(names(opaque), ["s1"]);
    });

    await t.step(
      "L8 fieldSelector spec.size=3 on a CR → 400 `field label not supported: spec.size`",
      async () => {
        const s = await failing(target, `${coll}?fieldSelector=${q("spec.size=3")}`, 400);
        assert.equal(s.reason, "BadRequest");
        assert.equal(s.message, "field label not supported: spec.size");
      },
    );

    await t.step(
      "L9 fieldSelector foo=bar on Leases → 400 not a known field selector",
      async () => {
        const s = await failing(
          target,
          `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases?fieldSelector=${q("foo=bar")}`,
          400,
        );
        assert.equal(s.reason, "BadRequest");
        assert.equal(
          s.message,
          `"foo" is not a known field selector: only "metadata.name", "metadata.namespace"`,
        );
      },
    );

    await t.step("unsupported field selectors on Secrets and Namespaces → 400", async () => {
      const s = await failing(
        target,
        `/api/v1/namespaces/${ns}/secrets?fieldSelector=${q("data.x=y")}`,
        400,
      );
      assert.equal(s.message, "field label not supported: data.x");
      const n = await failing(
        target,
        `/api/v1/namespaces?fieldSelector=${q("metadata.namespace=x")}`,
        400,
      );
      assert.equal(n.message, "field label not supported: metadata.namespace");
    });

    await t.step("malformed field selector → 400", async () => {
      const s = await failing(target, `${coll}?fieldSelector=${q("metadata.name")}`, 400);
      assert.equal(s.reason, "BadRequest");
      assert.equal(
        s.message,
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
      );
    });
  },
});
