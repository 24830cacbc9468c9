/**
 * Conformance: authentication and authorization (spec §13, rows AU1–AU4 of §15.2), the
 * CertificateSigningRequest signer admission checks (§12.5) and SubjectAccessReview as the
 * issuer library uses it. Users get a bearer token and exactly the rules a test gives them
 * (`Target.asUser`: a ServiceAccount with RBAC on a real server). Runs unchanged against the
 * fake and a real kube-apiserver.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { strict as assert } from "node:assert";
import { generateServingCertificates, type PolicyRule } from "../../lib/testing/mod.ts";
import {
  json,
  openTarget,
  REAL_UNAVAILABLE,
  type Target,
  TARGET_KIND,
  type UserRequestFn,
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

function forbidden(message: string, details: Record<string, unknown>): Status {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    details,
    code: 403,
  };
}

async function expectStatus(res: Response, code: number): Promise<Status> {
  const text = await res.text();
  assert.equal(res.status, code, `HTTP ${res.status}: ${text.slice(0, 400)}`);
  assert.equal(res.headers.get("content-type"), "application/json");
  return JSON.parse(text) as Status;
}

async function expectOk<T = Record<string, unknown>>(res: Response, code = 200): Promise<T> {
  const body = await json<T>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  return body;
}

/** A PEM certificate signing request for `cn`. */
async function csrPem(cn: string): Promise<string> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: alg,
  });
  return csr.toString("pem");
}

const b64 = (text: string) => btoa(text);

const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/** Creates a CSR for `signerName` as the admin and returns its name. */
async function createCsr(target: Target, name: string, signerName: string): Promise<void> {
  const res = await target.request("POST", CSRS, {
    body: {
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name },
      spec: {
        request: b64(await csrPem(name)),
        signerName,
        usages: ["digital signature", "client auth"],
      },
    },
  });
  await expectOk(res, 201);
}

async function review(
  target: Target,
  user: string,
  attributes: Record<string, string>,
): Promise<{ allowed: boolean; denied?: boolean }> {
  const res = await target.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user, resourceAttributes: attributes },
    },
  });
  const body = await expectOk<{
    kind: string;
    apiVersion: string;
    spec: { user: string };
    status: { allowed: boolean; denied?: boolean };
  }>(res, 201);
  assert.equal(body.kind, "SubjectAccessReview");
  assert.equal(body.apiVersion, "authorization.k8s.io/v1");
  assert.equal(body.spec.user, user);
  return body.status;
}

Deno.test({
  name: `AUTH conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    await target.crd(WIDGET_CRD);
    const ns = await target.namespace("auth");
    const widgets = `/apis/example.com/v1/namespaces/${ns}/widgets`;
    const created = await target.request("POST", widgets, {
      body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" } },
    });
    await expectOk(created, 201);
    const certPem = (await generateServingCertificates()).certPem;
    const unique = crypto.randomUUID().slice(0, 8);
    const signer = `example.com/signer-${unique}`;

    await t.step("AU1 a token the server does not know → 401 Unauthorized", async () => {
      for (const path of ["/version", "/apis", widgets]) {
        const res = await target.anonymous("GET", path, {
          headers: { authorization: "Bearer not-a-token" },
        });
        assert.deepEqual(await expectStatus(res, 401), {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401,
        });
      }
    });

    await t.step("AU1 no credentials → system:anonymous: /version only", async () => {
      const version = await target.anonymous("GET", "/version");
      assert.equal(version.status, 200);
      await version.body?.cancel();
      assert.deepEqual(
        await expectStatus(await target.anonymous("GET", "/apis"), 403),
        forbidden('forbidden: User "system:anonymous" cannot get path "/apis"', {}),
      );
      assert.deepEqual(
        await expectStatus(await target.anonymous("GET", widgets), 403),
        forbidden(
          `widgets.example.com is forbidden: User "system:anonymous" cannot list resource "widgets" in API group "example.com" in the namespace "${ns}"`,
          { group: "example.com", kind: "widgets" },
        ),
      );
    });

    let reader: UserRequestFn;
    await t.step("a user with a token: discovery and what the rules grant", async () => {
      reader = await target.asUser(`reader-${unique}`, [
        { apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get"], namespaces: [ns] },
      ]);
      await expectOk(await reader("GET", "/apis"));
      await expectOk(await reader("GET", "/version"));
      const w = await expectOk<{ metadata: { name: string } }>(
        await reader("GET", `${widgets}/w1`),
      );
      assert.equal(w.metadata.name, "w1");
      // SelfSubjectAccessReview is allowed for every authenticated user.
      const res = await reader("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: {
            resourceAttributes: {
              verb: "get",
              group: "example.com",
              resource: "widgets",
              namespace: ns,
            },
          },
        },
      });
      const ssar = await expectOk<{ status: { allowed: boolean } }>(res, 201);
      assert.equal(ssar.status.allowed, true);
    });

    await t.step(
      "AU2 a user without `list widgets` → 403 naming the verb and resource",
      async () => {
        const u = reader.username;
        assert.deepEqual(
          await expectStatus(await reader("GET", widgets), 403),
          forbidden(
            `widgets.example.com is forbidden: User "${u}" cannot list resource "widgets" in API group "example.com" in the namespace "${ns}"`,
            { group: "example.com", kind: "widgets" },
          ),
        );
        assert.deepEqual(
          await expectStatus(
            await reader("DELETE", `${widgets}/w1`),
            403,
          ),
          forbidden(
            `widgets.example.com "w1" is forbidden: User "${u}" cannot delete resource "widgets" in API group "example.com" in the namespace "${ns}"`,
            { name: "w1", group: "example.com", kind: "widgets" },
          ),
        );
        assert.deepEqual(
          await expectStatus(await reader("GET", "/apis/example.com/v1/widgets"), 403),
          forbidden(
            `widgets.example.com is forbidden: User "${u}" cannot list resource "widgets" in API group "example.com" at the cluster scope`,
            { group: "example.com", kind: "widgets" },
          ),
        );
        // The namespaced rule does not reach another namespace.
        assert.deepEqual(
          await expectStatus(
            await reader("GET", `/apis/example.com/v1/namespaces/default/widgets/w1`),
            403,
          ),
          forbidden(
            `widgets.example.com "w1" is forbidden: User "${u}" cannot get resource "widgets" in API group "example.com" in the namespace "default"`,
            { name: "w1", group: "example.com", kind: "widgets" },
          ),
        );
      },
    );

    await t.step(
      "AU3 /status patch without a `widgets/status` rule → 403 naming widgets/status",
      async () => {
        const writer = await target.asUser(`writer-${unique}`, [
          {
            apiGroups: ["example.com"],
            resources: ["widgets"],
            verbs: ["get", "list", "watch", "patch"],
            namespaces: [ns],
          },
        ]);
        const patch = {
          body: { status: { phase: "Done" } },
          contentType: "application/merge-patch+json",
        };
        assert.deepEqual(
          await expectStatus(await writer("PATCH", `${widgets}/w1/status`, patch), 403),
          forbidden(
            `widgets.example.com "w1" is forbidden: User "${writer.username}" cannot patch resource "widgets/status" in API group "example.com" in the namespace "${ns}"`,
            { name: "w1", group: "example.com", kind: "widgets" },
          ),
        );
        // The main resource patch is allowed; with the status rule the status patch is too.
        await expectOk(
          await writer("PATCH", `${widgets}/w1`, {
            body: { metadata: { labels: { patched: "yes" } } },
            contentType: "application/merge-patch+json",
          }),
        );
        const statusWriter = await target.asUser(`status-writer-${unique}`, [
          {
            apiGroups: ["example.com"],
            resources: ["widgets/status"],
            verbs: ["patch"],
            namespaces: [ns],
          },
        ]);
        const out = await expectOk<{ status: { phase: string } }>(
          await statusWriter("PATCH", `${widgets}/w1/status`, patch),
        );
        assert.equal(out.status.phase, "Done");
      },
    );

    const csrRules: PolicyRule[] = [
      {
        apiGroups: ["certificates.k8s.io"],
        resources: ["certificatesigningrequests"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["certificates.k8s.io"],
        resources: ["certificatesigningrequests/status", "certificatesigningrequests/approval"],
        verbs: ["update", "patch"],
      },
    ];
    const setCertificate = {
      body: { status: { certificate: b64(certPem) } },
      contentType: "application/merge-patch+json",
    };

    await t.step(
      "AU4 CSR /status certificate without `signers` `sign` → 403 (admission)",
      async () => {
        const csr = `csr-a-${unique}`;
        await createCsr(target, csr, signer);
        const signerless = await target.asUser(`signerless-${unique}`, csrRules);
        assert.deepEqual(
          await expectStatus(
            await signerless("PATCH", `${CSRS}/${csr}/status`, setCertificate),
            403,
          ),
          forbidden(
            `certificatesigningrequests.certificates.k8s.io "${csr}" is forbidden: user not permitted to sign requests with signerName "${signer}"`,
            { name: csr, group: "certificates.k8s.io", kind: "certificatesigningrequests" },
          ),
        );
        // Approval needs `approve` on the signer in the same way.
        const get = await expectOk<Record<string, unknown> & { status?: Record<string, unknown> }>(
          await target.request("GET", `${CSRS}/${csr}`),
        );
        const approval = {
          body: {
            ...get,
            status: {
              conditions: [{ type: "Approved", status: "True", reason: "Test", message: "ok" }],
            },
          },
        };
        assert.deepEqual(
          await expectStatus(await signerless("PUT", `${CSRS}/${csr}/approval`, approval), 403),
          forbidden(
            `certificatesigningrequests.certificates.k8s.io "${csr}" is forbidden: user not permitted to approve requests with signerName "${signer}"`,
            { name: csr, group: "certificates.k8s.io", kind: "certificatesigningrequests" },
          ),
        );
        // Unchanged.
        const after = await expectOk<{ status?: { certificate?: string; conditions?: unknown[] } }>(
          await target.request("GET", `${CSRS}/${csr}`),
        );
        assert.equal(after.status?.certificate, undefined);
      },
    );

    await t.step(
      "AU4 with `sign` on the signer name (or `<domain>/*`) the write succeeds",
      async () => {
        for (const [who, resourceName] of [["named", signer], ["wildcard", "example.com/*"]]) {
          const csr = `csr-${who}-${unique}`;
          await createCsr(target, csr, signer);
          const signing = await target.asUser(`signer-${who}-${unique}`, [
            ...csrRules,
            {
              apiGroups: ["certificates.k8s.io"],
              resources: ["signers"],
              verbs: ["sign"],
              resourceNames: [resourceName!],
            },
          ]);
          const out = await expectOk<{ status: { certificate: string } }>(
            await signing("PATCH", `${CSRS}/${csr}/status`, setCertificate),
          );
          assert.equal(out.status.certificate, b64(certPem), who);
        }
      },
    );

    await t.step(
      "SubjectAccessReview: `reference` on cert-manager.io `signers` with and without a rule",
      async () => {
        const issuerSigner = `issuers.cert-manager.io/${ns}.my-issuer`;
        const attributes = {
          verb: "reference",
          group: "cert-manager.io",
          resource: "signers",
          name: issuerSigner,
          namespace: ns,
        };
        const clusterWide = await target.asUser(`ref-cluster-${unique}`, [
          {
            apiGroups: ["cert-manager.io"],
            resources: ["signers"],
            verbs: ["reference"],
            resourceNames: [issuerSigner],
          },
        ]);
        const namespaced = await target.asUser(`ref-ns-${unique}`, [
          {
            apiGroups: ["cert-manager.io"],
            resources: ["signers"],
            verbs: ["reference"],
            resourceNames: [issuerSigner],
            namespaces: [ns],
          },
        ]);
        const other = await target.asUser(`ref-other-${unique}`, [
          {
            apiGroups: ["cert-manager.io"],
            resources: ["signers"],
            verbs: ["reference"],
            resourceNames: [`issuers.cert-manager.io/${ns}.another`],
          },
        ]);
        assert.equal((await review(target, clusterWide.username, attributes)).allowed, true);
        assert.equal((await review(target, namespaced.username, attributes)).allowed, true);
        const denied = await review(target, other.username, attributes);
        assert.equal(denied.allowed, false);
        assert.equal(denied.denied, undefined);
        assert.equal((await review(target, reader.username, attributes)).allowed, false);
        // The namespaced grant does not hold in another namespace.
        assert.equal(
          (await review(target, namespaced.username, { ...attributes, namespace: "default" }))
            .allowed,
          false,
        );
      },
    );
  },
});
