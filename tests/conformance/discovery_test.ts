/**
 * Conformance: what clients read before anything else (spec §11, rows D1–D6 of §15.2):
 * `/version`, legacy and aggregated discovery, OpenAPI v3 (and v2), unknown paths, and
 * Table output of a custom resource list. Runs unchanged against the fake and a real
 * kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import {
  json,
  openTarget,
  readEvents,
  REAL_UNAVAILABLE,
  TARGET_KIND,
  WIDGET_CRD,
} from "./_target.ts";

/** The Accept header kubectl 1.32 sends for `/api` and `/apis` (spec §0.4). */
const AGGREGATED_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
/** The Accept header kubectl sends for lists it prints (spec §10.6). */
const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/** The verbs of a custom resource's main resource (CRD discovery controller). */
const CR_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];
const STATUS_VERBS = ["get", "patch", "update"];

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

interface DiscoveryResource {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: string;
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: {
    subresource: string;
    responseKind?: { group: string; version: string; kind: string };
    verbs: string[];
  }[];
}

interface DiscoveryGroup {
  metadata: { name?: string };
  versions: { version: string; freshness?: string; resources: DiscoveryResource[] }[];
}

/** Parses a media type's parameters (`a/b;k=v;…`) into a map. */
function mediaParams(contentType: string): { type: string; params: Record<string, string> } {
  const [type = "", ...rest] = contentType.split(";").map((s) => s.trim());
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf("=");
    if (eq > 0) params[p.slice(0, eq).toLowerCase()] = p.slice(eq + 1);
  }
  return { type: type.toLowerCase(), params };
}

function sorted(values: readonly string[] | undefined): string[] {
  return [...(values ?? [])].sort();
}

Deno.test({
  name: `DISCOVERY conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const fake = target.kind === "fake";
    await target.crd(WIDGET_CRD);
    const ns = await target.namespace("disc");

    /**
     * Reads the OpenAPI v3 root. A real server adds a new CRD's group-version a moment after
     * it is Established (its OpenAPI controller is asynchronous): poll there, bounded.
     */
    const openApiRoot = async () => {
      for (let i = 0;; i++) {
        const res = await target.request("GET", "/openapi/v3", { accept: "application/json, */*" });
        assert.equal(res.status, 200);
        // http.ServeContent sniffs the type of the root document: not application/json.
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
        const root = await json<{ paths: Record<string, { serverRelativeURL: string }> }>(res);
        if (root.paths["apis/example.com/v1"] || fake || i >= 200) return root;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    await t.step(
      "D1 GET /version → 200, major 1, minor 32 (fake) / the real server's",
      async () => {
        const res = await target.request("GET", "/version");
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        const v = await json<Record<string, string>>(res);
        assert.equal(v.major, "1");
        // The fake pins minor 32: the machine's kubectl dispatcher picks its binary from it
        // (spec §0.1). The real tier is 1.34 (a version difference, not a fake bug).
        const minor = fake ? "32" : "34";
        assert.equal(v.minor, minor);
        assert.ok(v.gitVersion?.startsWith(`v1.${minor}.`), `gitVersion ${v.gitVersion}`);
        for (const key of ["gitTreeState", "buildDate", "goVersion", "compiler", "platform"]) {
          assert.equal(typeof v[key], "string", `/version lacks ${key}`);
        }
      },
    );

    await t.step("GET /api (legacy) → APIVersions with v1", async () => {
      const res = await target.request("GET", "/api", { accept: "application/json" });
      assert.equal(res.status, 200);
      assert.equal(mediaParams(res.headers.get("content-type") ?? "").type, "application/json");
      const body = await json<{
        kind: string;
        versions: string[];
        serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
      }>(res);
      assert.equal(body.kind, "APIVersions");
      assert.deepEqual(body.versions, ["v1"]);
      assert.ok(Array.isArray(body.serverAddressByClientCIDRs));
      assert.equal(body.serverAddressByClientCIDRs[0]?.clientCIDR, "0.0.0.0/0");
    });

    await t.step("D2 GET /apis (legacy JSON) → APIGroupList containing example.com", async () => {
      const res = await target.request("GET", "/apis", { accept: "application/json, */*" });
      assert.equal(res.status, 200);
      assert.equal(mediaParams(res.headers.get("content-type") ?? "").type, "application/json");
      const body = await json<{
        kind: string;
        apiVersion: string;
        groups: {
          name: string;
          versions: { groupVersion: string; version: string }[];
          preferredVersion: { groupVersion: string; version: string };
        }[];
      }>(res);
      assert.equal(body.kind, "APIGroupList");
      assert.equal(body.apiVersion, "v1");
      const group = body.groups.find((g) => g.name === "example.com");
      assert.deepEqual(group, {
        name: "example.com",
        versions: [{ groupVersion: "example.com/v1", version: "v1" }],
        preferredVersion: { groupVersion: "example.com/v1", version: "v1" },
      });
      const names = body.groups.map((g) => g.name);
      for (
        const g of [
          "apiextensions.k8s.io",
          "authorization.k8s.io",
          "certificates.k8s.io",
          "coordination.k8s.io",
          "events.k8s.io",
        ]
      ) assert.ok(names.includes(g), `/apis lacks ${g}: ${names.join(", ")}`);
    });

    await t.step("GET /apis/<group> → APIGroup", async () => {
      for (const [group, version] of [["example.com", "v1"], ["certificates.k8s.io", "v1"]]) {
        const res = await target.request("GET", `/apis/${group}`);
        assert.equal(res.status, 200, group);
        const body = await json(res);
        assert.deepEqual(body, {
          kind: "APIGroup",
          apiVersion: "v1",
          name: group,
          versions: [{ groupVersion: `${group}/${version}`, version }],
          preferredVersion: { groupVersion: `${group}/${version}`, version },
        });
      }
      const res = await target.request("GET", "/apis/nope.example.org");
      assert.equal(res.status, 404);
      await res.body?.cancel();
    });

    await t.step(
      "D3 GET /apis (aggregated v2) → APIGroupDiscoveryList with widgets and widgets/status",
      async () => {
        const res = await target.request("GET", "/apis", { accept: AGGREGATED_ACCEPT });
        assert.equal(res.status, 200);
        const { type, params } = mediaParams(res.headers.get("content-type") ?? "");
        assert.equal(type, "application/json");
        assert.deepEqual(params, {
          g: "apidiscovery.k8s.io",
          v: "v2",
          as: "APIGroupDiscoveryList",
        });
        const body = await json<{ kind: string; apiVersion: string; items: DiscoveryGroup[] }>(
          res,
        );
        assert.equal(body.kind, "APIGroupDiscoveryList");
        assert.equal(body.apiVersion, "apidiscovery.k8s.io/v2");
        const group = body.items.find((g) => g.metadata.name === "example.com");
        assert.ok(group, "example.com is missing");
        assert.equal(group.versions.length, 1);
        const version = group.versions[0]!;
        assert.equal(version.version, "v1");
        assert.equal(version.freshness, "Current");
        const widgets = version.resources.find((r) => r.resource === "widgets");
        assert.ok(widgets, "widgets is missing");
        assert.deepEqual(widgets.responseKind, {
          group: "example.com",
          version: "v1",
          kind: "Widget",
        });
        assert.equal(widgets.scope, "Namespaced");
        assert.equal(widgets.singularResource, "widget");
        assert.deepEqual(sorted(widgets.verbs), CR_VERBS);
        assert.deepEqual(widgets.shortNames, ["wg"]);
        assert.deepEqual(widgets.categories, ["all"]);
        assert.equal(widgets.subresources?.length, 1);
        const status = widgets.subresources[0]!;
        assert.equal(status.subresource, "status");
        assert.deepEqual(status.responseKind, {
          group: "example.com",
          version: "v1",
          kind: "Widget",
        });
        assert.deepEqual(sorted(status.verbs), STATUS_VERBS);
        // The certificates group carries the CSR subresources.
        const certs = body.items.find((g) => g.metadata.name === "certificates.k8s.io");
        const csr = certs?.versions[0]?.resources.find((r) =>
          r.resource === "certificatesigningrequests"
        );
        assert.ok(csr, "certificatesigningrequests is missing");
        assert.equal(csr.scope, "Cluster");
        assert.deepEqual(csr.shortNames, ["csr"]);
        assert.deepEqual(
          (csr.subresources ?? []).map((s) => [s.subresource, sorted(s.verbs)]).sort(),
          [["approval", STATUS_VERBS], ["status", STATUS_VERBS]],
        );
      },
    );

    await t.step(
      "GET /api (aggregated v2) → one core group with secrets, namespaces…",
      async () => {
        const res = await target.request("GET", "/api", { accept: AGGREGATED_ACCEPT });
        assert.equal(res.status, 200);
        const { params } = mediaParams(res.headers.get("content-type") ?? "");
        assert.equal(params.as, "APIGroupDiscoveryList");
        assert.equal(params.v, "v2");
        const body = await json<{ kind: string; items: DiscoveryGroup[] }>(res);
        assert.equal(body.kind, "APIGroupDiscoveryList");
        assert.equal(body.items.length, 1);
        const core = body.items[0]!;
        assert.equal(core.metadata.name ?? "", "");
        assert.deepEqual(core.versions.map((v) => v.version), ["v1"]);
        const byName = new Map(core.versions[0]!.resources.map((r) => [r.resource, r]));
        const expect: [string, string, string, string[] | undefined][] = [
          ["secrets", "Secret", "Namespaced", undefined],
          ["configmaps", "ConfigMap", "Namespaced", ["cm"]],
          ["events", "Event", "Namespaced", ["ev"]],
          ["namespaces", "Namespace", "Cluster", ["ns"]],
        ];
        for (const [resource, kind, scope, shortNames] of expect) {
          const r = byName.get(resource);
          assert.ok(r, `${resource} is missing`);
          // The core group's responseKind has an empty version on the real server.
          assert.deepEqual(r.responseKind, { group: "", version: "", kind });
          assert.equal(r.scope, scope, resource);
          assert.deepEqual(r.shortNames, shortNames, resource);
        }
        assert.deepEqual(
          (byName.get("namespaces")!.subresources ?? []).map((s) => s.subresource).sort(),
          ["finalize", "status"],
        );
      },
    );

    await t.step("D4 GET /apis/example.com/v1 → widgets (8 verbs) and widgets/status", async () => {
      const res = await target.request("GET", "/apis/example.com/v1");
      assert.equal(res.status, 200);
      const body = await json<{
        kind: string;
        apiVersion: string;
        groupVersion: string;
        resources: ApiResource[];
      }>(res);
      assert.equal(body.kind, "APIResourceList");
      assert.equal(body.apiVersion, "v1");
      assert.equal(body.groupVersion, "example.com/v1");
      assert.deepEqual(body.resources.map((r) => r.name).sort(), ["widgets", "widgets/status"]);
      const widgets = body.resources.find((r) => r.name === "widgets")!;
      const { storageVersionHash, verbs, ...rest } = widgets;
      assert.equal(typeof storageVersionHash, "string");
      assert.deepEqual(sorted(verbs), CR_VERBS);
      assert.deepEqual(rest, {
        name: "widgets",
        singularName: "widget",
        namespaced: true,
        kind: "Widget",
        shortNames: ["wg"],
        categories: ["all"],
      });
      const status = body.resources.find((r) => r.name === "widgets/status")!;
      assert.deepEqual({ ...status, verbs: sorted(status.verbs) }, {
        name: "widgets/status",
        singularName: "",
        namespaced: true,
        kind: "Widget",
        verbs: STATUS_VERBS,
      });
    });

    await t.step("GET /api/v1 → secrets, namespaces, events, configmaps", async () => {
      const res = await target.request("GET", "/api/v1");
      assert.equal(res.status, 200);
      const body = await json<{ kind: string; groupVersion: string; resources: ApiResource[] }>(
        res,
      );
      assert.equal(body.kind, "APIResourceList");
      assert.equal(body.groupVersion, "v1");
      const byName = new Map(body.resources.map((r) => [r.name, r]));
      const all = [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
      ];
      const expect: ApiResource[] = [
        { name: "secrets", singularName: "secret", namespaced: true, kind: "Secret", verbs: all },
        {
          name: "configmaps",
          singularName: "configmap",
          namespaced: true,
          kind: "ConfigMap",
          verbs: all,
          shortNames: ["cm"],
        },
        {
          name: "events",
          singularName: "event",
          namespaced: true,
          kind: "Event",
          verbs: all,
          shortNames: ["ev"],
        },
        {
          name: "namespaces",
          singularName: "namespace",
          namespaced: false,
          kind: "Namespace",
          verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
          shortNames: ["ns"],
        },
        {
          name: "namespaces/status",
          singularName: "",
          namespaced: false,
          kind: "Namespace",
          verbs: STATUS_VERBS,
        },
        {
          name: "namespaces/finalize",
          singularName: "",
          namespaced: false,
          kind: "Namespace",
          verbs: ["update"],
        },
      ];
      for (const e of expect) {
        const got = byName.get(e.name);
        assert.ok(got, `${e.name} is missing`);
        const { storageVersionHash: _, ...rest } = got;
        assert.deepEqual({ ...rest, verbs: sorted(rest.verbs) }, e, e.name);
      }
    });

    await t.step("D5 GET /openapi/v3 → paths[apis/example.com/v1].serverRelativeURL", async () => {
      const root = await openApiRoot();
      for (const gv of ["apis/example.com/v1", "api/v1", "apis/certificates.k8s.io/v1"]) {
        const url = root.paths[gv]?.serverRelativeURL;
        assert.ok(url, `/openapi/v3 lacks ${gv}`);
        assert.match(
          url,
          new RegExp(`^/openapi/v3/${gv.replaceAll(".", "\\.")}\\?hash=[0-9A-F]+$`),
        );
      }
    });

    await t.step(
      "D5 GET the GV document → PATCH of widgets takes the fieldValidation query parameter",
      async () => {
        const root = await openApiRoot();
        const url = root.paths["apis/example.com/v1"]!.serverRelativeURL;
        const res = await target.request("GET", `${url}&timeout=32s`, {
          accept: "application/json, */*",
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        type Operation = {
          "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
          parameters?: { name: string; in: string }[];
          requestBody?: { content: Record<string, unknown> };
        };
        const doc = await json<{
          openapi: string;
          paths: Record<string, { patch?: Operation; parameters?: { name: string; in: string }[] }>;
          components: { schemas: Record<string, unknown> };
        }>(res);
        assert.match(doc.openapi, /^3\./);
        const item = doc.paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
        assert.ok(item?.patch, "no PATCH operation for a widget");
        assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], {
          group: "example.com",
          version: "v1",
          kind: "Widget",
        });
        const params = [...(item.patch.parameters ?? []), ...(item.parameters ?? [])];
        assert.ok(
          params.some((p) => p.name === "fieldValidation" && p.in === "query"),
          `no fieldValidation parameter: ${JSON.stringify(params)}`,
        );
        const types = Object.keys(item.patch.requestBody?.content ?? {}).sort();
        for (
          const type of [
            "application/apply-patch+yaml",
            "application/json-patch+json",
            "application/merge-patch+json",
          ]
        ) assert.ok(types.includes(type), `PATCH lacks ${type}: ${types.join(", ")}`);
        // kubectl would build a strategic merge patch from a schema that offers it (§11.4).
        assert.ok(!types.includes("application/strategic-merge-patch+json"));
        assert.ok(
          Object.keys(doc.components.schemas).includes("com.example.v1.Widget"),
          `no Widget schema: ${Object.keys(doc.components.schemas).join(", ")}`,
        );
      },
    );

    await t.step("GET /openapi/v3/apis/nope/v1 → 404", async () => {
      const res = await target.request("GET", "/openapi/v3/apis/nope.example.org/v1");
      assert.equal(res.status, 404);
      await res.body?.cancel();
    });

    await t.step(
      "GET /openapi/v2 → 404 on the fake (documented: kubectl 1.32 tolerates it); served by the real server",
      async () => {
        const res = await target.request("GET", "/openapi/v2", {
          accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
        });
        if (fake) {
          // Fake-only choice (spec §11.4): kubectl asks for protobuf here and would fail to
          // decode JSON; it tolerates 404 (client-side apply falls back to merge patches).
          assert.equal(res.status, 404);
          assert.equal(await res.text(), "404 page not found\n");
          return;
        }
        assert.equal(res.status, 200);
        assert.equal(
          res.headers.get("content-type"),
          "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
        );
        await res.body?.cancel();
        const asJson = await target.request("GET", "/openapi/v2", { accept: "application/json" });
        assert.equal(asJson.status, 200);
        const doc = await json<{ swagger: string }>(asJson);
        assert.equal(doc.swagger, "2.0");
      },
    );

    await t.step("D6 GET /nonexistent → 404 text/plain `404 page not found`", async () => {
      for (const path of ["/nonexistent", "/apis/example.com/v1/nope", "/apis/nope.example.org"]) {
        const res = await target.request("GET", path);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8", path);
        assert.equal(await res.text(), "404 page not found\n", path);
      }
    });

    await t.step("Table: list of widgets with printer columns (Accept as=Table)", async () => {
      const coll = `/apis/example.com/v1/namespaces/${ns}/widgets`;
      for (const [name, size] of [["w1", 3], ["w2", 7]] as const) {
        const res = await target.request("POST", coll, {
          body: {
            apiVersion: "example.com/v1",
            kind: "Widget",
            metadata: { name },
            spec: { size },
          },
        });
        assert.equal(res.status, 201);
        await res.body?.cancel();
      }
      const res = await target.request("GET", `${coll}?limit=500`, { accept: TABLE_ACCEPT });
      assert.equal(res.status, 200);
      const { type, params } = mediaParams(res.headers.get("content-type") ?? "");
      assert.equal(type, "application/json");
      assert.deepEqual(params, {});
      const table = await json<{
        kind: string;
        apiVersion: string;
        metadata: { resourceVersion?: string };
        columnDefinitions: { name: string; type: string; format: string; priority: number }[];
        rows: {
          cells: unknown[];
          object: { kind: string; apiVersion: string; metadata: { name: string } };
        }[];
      }>(res);
      assert.equal(table.kind, "Table");
      assert.equal(table.apiVersion, "meta.k8s.io/v1");
      assert.match(table.metadata.resourceVersion ?? "", /^\d+$/);
      assert.deepEqual(
        table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
        // No Age column: a CRD with printer columns gets exactly those (plus Name).
        [["Name", "string", "name", 0], ["Size", "integer", "", 0]],
      );
      assert.equal(table.rows.length, 2);
      const first = table.rows[0]!;
      assert.deepEqual(first.cells, ["w1", 3]);
      assert.deepEqual(table.rows[1]!.cells, ["w2", 7]);
      assert.equal(first.object.kind, "PartialObjectMetadata");
      assert.equal(first.object.apiVersion, "meta.k8s.io/v1");
      assert.equal(first.object.metadata.name, "w1");
    });

    await t.step("Table: one widget; and a plain list without the Table Accept", async () => {
      const item = `/apis/example.com/v1/namespaces/${ns}/widgets/w2`;
      const res = await target.request("GET", item, { accept: TABLE_ACCEPT });
      assert.equal(res.status, 200);
      const table = await json<{ kind: string; rows: { cells: unknown[] }[] }>(res);
      assert.equal(table.kind, "Table");
      assert.deepEqual(table.rows.map((r) => r.cells), [["w2", 7]]);
      const list = await target.request("GET", `/apis/example.com/v1/namespaces/${ns}/widgets`, {
        accept: "application/json",
      });
      assert.equal((await json<{ kind: string }>(list)).kind, "WidgetList");
    });

    await t.step("Table: a watch with the Table Accept gets one-row Table events", async () => {
      const coll = `/apis/example.com/v1/namespaces/${ns}/widgets`;
      const listed = await json<{ metadata: { resourceVersion: string } }>(
        await target.request("GET", coll),
      );
      const res = await target.request(
        "GET",
        `${coll}?watch=true&resourceVersion=${listed.metadata.resourceVersion}`,
        { accept: TABLE_ACCEPT },
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json");
      for (const [name, size] of [["w1", 4], ["w2", 8]] as const) {
        const patched = await target.request("PATCH", `${coll}/${name}`, {
          body: { spec: { size } },
          contentType: "application/merge-patch+json",
        });
        assert.equal(patched.status, 200);
        await patched.body?.cancel();
      }
      const events = await readEvents(res, 2);
      assert.deepEqual(events.map((e) => e.type), ["MODIFIED", "MODIFIED"]);
      type TableEvent = {
        kind: string;
        metadata: { resourceVersion: string };
        columnDefinitions: { name: string }[] | null;
        rows: {
          cells: unknown[];
          object: { kind: string; metadata: { resourceVersion: string } };
        }[];
      };
      const [first, second] = events.map((e) => e.object as unknown as TableEvent);
      assert.equal(first!.kind, "Table");
      assert.deepEqual(first!.columnDefinitions?.map((c) => c.name), ["Name", "Size"]);
      assert.equal(second!.columnDefinitions, null);
      assert.deepEqual(first!.rows.map((r) => r.cells), [["w1", 4]]);
      assert.deepEqual(second!.rows.map((r) => r.cells), [["w2", 8]]);
      for (const table of [first!, second!]) {
        assert.equal(table.rows[0]!.object.kind, "PartialObjectMetadata");
        assert.equal(
          table.metadata.resourceVersion,
          table.rows[0]!.object.metadata.resourceVersion,
        );
      }
    });
  },
});
