/**
 * Conformance: bad requests never crash the server (spec §1, §2, §7.3, §8). Each step sends
 * malformed or misrouted requests, checks the exact error (a `Status` object, or Go's plain
 * text 404 where the real server has no handler), and then checks that the server still
 * answers `/version`. Runs unchanged against the fake and a real kube-apiserver.
 *
 * Two routing worlds exist on a real server and the fake mirrors both: built-in groups are
 * served by go-restful (unknown paths and methods under them get a generic JSON `Status`),
 * custom resources by the CRD handler (unknown paths fall through to the plain-text 404).
 *
 * @module
 */
import { strict as assert } from "node:assert";
import {
  json,
  openTarget,
  REAL_UNAVAILABLE,
  type Target,
  TARGET_KIND,
  WIDGET_CRD,
} from "./_target.ts";

interface Status {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  status: string;
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

/** The generic Status go-restful answers for an unknown path under a built-in group. */
const GENERIC_NOT_FOUND: Status = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "the server could not find the requested resource",
  reason: "NotFound",
  details: {},
  code: 404,
};

/** The generic Status go-restful answers for a method a built-in path has no route for. */
const GENERIC_METHOD_NOT_ALLOWED: Status = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "the server does not allow this method on the requested resource",
  reason: "MethodNotAllowed",
  details: {},
  code: 405,
};

function failure(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Sends a request and returns its Status body, checking the HTTP code and Content-Type. */
async function statusOf(
  target: Target,
  method: string,
  path: string,
  code: number,
  options: { body?: unknown; contentType?: string } = {},
): Promise<Status> {
  const res = await target.request(method, path, options);
  const text = await res.text();
  assert.equal(res.status, code, `${method} ${path}: HTTP ${res.status}: ${text.slice(0, 400)}`);
  assert.equal(res.headers.get("content-type"), "application/json", `${method} ${path}`);
  return JSON.parse(text) as Status;
}

/** Sends a request and checks Go's plain-text 404 (`http.NotFound`). */
async function plainNotFound(target: Target, method: string, path: string): Promise<void> {
  const res = await target.request(method, path);
  assert.equal(res.status, 404, `${method} ${path}`);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8", `${method} ${path}`);
  assert.equal(await res.text(), "404 page not found\n", `${method} ${path}`);
}

/** The server still works: `/version` answers 200. */
async function stillServing(target: Target): Promise<void> {
  const res = await target.request("GET", "/version");
  assert.equal(res.status, 200, "GET /version after a bad request");
  assert.equal((await json<{ major: string }>(res)).major, "1");
}

/** A body bigger than kube-apiserver's 3 MiB request limit. */
function oversized(): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "big" },
    data: { k: "x".repeat(3 * 1024 * 1024 + 100) },
  });
}

Deno.test({
  name: `ERRORS conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    await target.crd(WIDGET_CRD);
    const ns = await target.namespace("err");
    const widgets = `/apis/example.com/v1/namespaces/${ns}/widgets`;
    const secrets = `/api/v1/namespaces/${ns}/secrets`;
    const csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    const created = await target.request("POST", widgets, {
      body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" } },
    });
    assert.equal(created.status, 201);
    const w1 = await json<{ metadata: { uid: string } }>(created);
    const secret = await target.request("POST", secrets, {
      body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s1" } },
    });
    assert.equal(secret.status, 201);
    await secret.body?.cancel();

    await t.step("malformed JSON body on POST → 400 BadRequest", async () => {
      for (const [path, kind] of [[widgets, "Widget"], [secrets, "Secret"]]) {
        const status = await statusOf(target, "POST", path!, 400, { body: "{not json" });
        assert.equal(status.reason, "BadRequest");
        assert.equal(status.details, undefined);
        // Go's JSON syntax error text sits between the two fixed parts.
        const prefix =
          `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: `;
        assert.ok(status.message.startsWith(prefix), status.message);
        assert.ok(status.message.endsWith(" ({not json)"), status.message);
        await stillServing(target);
      }
    });

    await t.step("malformed merge patch → 400 `error decoding patch: …`", async () => {
      for (const type of ["application/merge-patch+json", "application/json-patch+json"]) {
        const status = await statusOf(target, "PATCH", `${widgets}/w1`, 400, {
          body: "{bad",
          contentType: type,
        });
        assert.equal(status.reason, "BadRequest");
        assert.ok(status.message.startsWith("error decoding patch: "), status.message);
        await stillServing(target);
      }
    });

    await t.step(
      "unknown resource → 404 (plain text for CRD groups, Status for built-ins)",
      async () => {
        await plainNotFound(target, "GET", "/apis/example.com/v1/nope");
        await plainNotFound(target, "GET", `/apis/example.com/v1/namespaces/${ns}/nope`);
        await plainNotFound(target, "GET", "/apis/example.com/v9/widgets");
        await plainNotFound(target, "GET", "/apis/nope.example.org/v1/things");
        await plainNotFound(target, "POST", "/apis/nope.example.org/v1/things");
        await stillServing(target);
        for (
          const path of [
            "/api/v1/nope",
            `/api/v1/namespaces/${ns}/nope`,
            "/api/v2",
            "/apis/certificates.k8s.io/v1/nope",
            "/apis/certificates.k8s.io/v9/certificatesigningrequests",
          ]
        ) {
          assert.deepEqual(await statusOf(target, "GET", path, 404), GENERIC_NOT_FOUND, path);
        }
        await stillServing(target);
      },
    );

    await t.step("wrong content type on POST → 415 UnsupportedMediaType", async () => {
      const message =
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf";
      for (const path of [widgets, secrets]) {
        const status = await statusOf(target, "POST", path, 415, {
          body: "hello",
          contentType: "text/plain",
        });
        assert.deepEqual(status, failure(415, "UnsupportedMediaType", message), path);
        await stillServing(target);
      }
    });

    await t.step("wrong content type on PATCH → 415 with the exact accepted list", async () => {
      const message =
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
      for (
        const type of ["application/json", "application/strategic-merge-patch+json", "text/plain"]
      ) {
        const status = await statusOf(target, "PATCH", `${widgets}/w1`, 415, {
          body: "{}",
          contentType: type,
        });
        assert.deepEqual(status, failure(415, "UnsupportedMediaType", message), type);
        await stillServing(target);
      }
      // Built-in types: go-restful has no PATCH route consuming the type.
      const status = await statusOf(target, "PATCH", `${secrets}/s1`, 415, {
        body: "{}",
        contentType: "application/json",
      });
      assert.deepEqual(
        status,
        failure(415, "UnsupportedMediaType", "415: Unsupported Media Type", {}),
      );
      await stillServing(target);
    });

    await t.step("PATCH on a missing object → 404 NotFound Status", async () => {
      const patch = {
        body: { metadata: { labels: { a: "b" } } },
        contentType: "application/merge-patch+json",
      };
      assert.deepEqual(
        await statusOf(target, "PATCH", `${widgets}/missing`, 404, patch),
        failure(404, "NotFound", 'widgets.example.com "missing" not found', {
          name: "missing",
          group: "example.com",
          kind: "widgets",
        }),
      );
      assert.deepEqual(
        await statusOf(target, "PATCH", `${secrets}/missing`, 404, patch),
        failure(404, "NotFound", 'secrets "missing" not found', {
          name: "missing",
          kind: "secrets",
        }),
      );
      assert.deepEqual(
        await statusOf(target, "PATCH", `${widgets}/missing/status`, 404, patch),
        failure(404, "NotFound", 'widgets.example.com "missing" not found', {
          name: "missing",
          group: "example.com",
          kind: "widgets",
        }),
      );
      await stillServing(target);
    });

    await t.step("body over 3 MiB → 413 RequestEntityTooLarge", async () => {
      const expected = failure(
        413,
        "RequestEntityTooLarge",
        "Request entity too large: limit is 3145728",
      );
      const body = oversized();
      assert.deepEqual(
        await statusOf(target, "POST", `/api/v1/namespaces/${ns}/configmaps`, 413, { body }),
        expected,
      );
      assert.deepEqual(
        await statusOf(target, "PATCH", `${widgets}/w1`, 413, {
          body,
          contentType: "application/merge-patch+json",
        }),
        expected,
      );
      await stillServing(target);
    });

    await t.step("unknown subresource → 404", async () => {
      // The CRD handler answers NotFound for the object, whether it exists or not.
      for (const method of ["GET", "PUT", "PATCH", "DELETE", "POST"]) {
        const status = await statusOf(
          target,
          method,
          `${widgets}/w1/nope`,
          404,
          method === "GET" || method === "DELETE"
            ? {}
            : { body: "{}", contentType: "application/merge-patch+json" },
        );
        assert.deepEqual(
          status,
          failure(404, "NotFound", 'widgets.example.com "w1" not found', {
            name: "w1",
            group: "example.com",
            kind: "widgets",
          }),
          method,
        );
      }
      for (const path of [`${secrets}/s1/nope`, `${secrets}/s1/status`]) {
        assert.deepEqual(await statusOf(target, "GET", path, 404), GENERIC_NOT_FOUND, path);
      }
      await stillServing(target);
    });

    await t.step("S3 DELETE on /status → 405 MethodNotAllowed", async () => {
      assert.deepEqual(
        await statusOf(target, "DELETE", `${widgets}/w1/status`, 405),
        failure(
          405,
          "MethodNotAllowed",
          'delete is not supported on resources of kind "widgets.example.com"',
          {
            group: "example.com",
            kind: "widgets",
          },
        ),
      );
      assert.deepEqual(
        await statusOf(target, "POST", `${widgets}/w1/status`, 405, { body: {} }),
        failure(
          405,
          "MethodNotAllowed",
          'create is not supported on resources of kind "widgets.example.com"',
          {
            group: "example.com",
            kind: "widgets",
          },
        ),
      );
      assert.deepEqual(
        await statusOf(target, "DELETE", `${csrs}/any/status`, 405),
        GENERIC_METHOD_NOT_ALLOWED,
      );
      await stillServing(target);
    });

    await t.step("POST to an item URL: CRs create from the body, built-ins → 405", async () => {
      // The CRD handler's create ignores the name in the URL (a real-server quirk).
      const res = await target.request("POST", `${widgets}/elsewhere`, {
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "posted" } },
      });
      const obj = await json<{ metadata: { name: string; namespace: string } }>(res);
      assert.equal(res.status, 201, JSON.stringify(obj));
      assert.equal(obj.metadata.name, "posted");
      assert.equal(obj.metadata.namespace, ns);
      assert.deepEqual(
        await statusOf(target, "POST", `${secrets}/s1`, 405, {
          body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s1" } },
        }),
        GENERIC_METHOD_NOT_ALLOWED,
      );
      await stillServing(target);
    });

    await t.step("PUT or PATCH on a collection: CRs → 400, built-ins → 405", async () => {
      const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" } };
      const expected = failure(400, "BadRequest", "name must be provided");
      assert.deepEqual(await statusOf(target, "PUT", widgets, 400, { body }), expected);
      assert.deepEqual(
        await statusOf(target, "PATCH", widgets, 400, {
          body: {},
          contentType: "application/merge-patch+json",
        }),
        expected,
      );
      assert.deepEqual(
        await statusOf(target, "PUT", secrets, 405, {
          body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s1" } },
        }),
        GENERIC_METHOD_NOT_ALLOWED,
      );
      assert.deepEqual(
        await statusOf(target, "PATCH", secrets, 405, {
          body: {},
          contentType: "application/merge-patch+json",
        }),
        GENERIC_METHOD_NOT_ALLOWED,
      );
      await stillServing(target);
    });

    await t.step("namespaced resource addressed without a namespace → 404", async () => {
      await plainNotFound(target, "GET", "/apis/example.com/v1/widgets/w1");
      await plainNotFound(target, "DELETE", "/apis/example.com/v1/widgets/w1");
      assert.deepEqual(await statusOf(target, "GET", "/api/v1/secrets/s1", 404), GENERIC_NOT_FOUND);
      // …while the collection lists across namespaces.
      const list = await target.request("GET", "/apis/example.com/v1/widgets");
      assert.equal(list.status, 200);
      const items = (await json<{ items: { metadata: { uid: string } }[] }>(list)).items;
      assert.ok(items.some((i) => i.metadata.uid === w1.metadata.uid));
      await stillServing(target);
    });
  },
});
