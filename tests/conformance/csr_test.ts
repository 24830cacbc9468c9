/**
 * Conformance: certificates.k8s.io/v1 CertificateSigningRequests (spec §12.5, rows
 * CS1–CS5 of §15.2): the requester stamped from the authenticated user, spec validation
 * (request signature, usages, signerName, expirationSeconds), what the main resource,
 * `/status` and `/approval` may change, the certificate set once, condition rules and
 * timestamps, server-side apply of `status.conditions` keyed by `type`, and the
 * `spec.signerName` field selector. Runs unchanged against the fake and a real
 * kube-apiserver; the admin may sign and approve (the 403s of signer authorization are
 * covered with the other authorization checks).
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { json, openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}
type Csr = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name?: string; resourceVersion?: string };
  spec: Record<string, unknown> & { usages?: string[]; username?: string; groups?: string[] };
  status?: { conditions?: Condition[]; certificate?: string };
};
interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { reason: string; message: string; field?: string }[] };
}

async function openssl(args: string[]): Promise<string> {
  const out = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const REQUEST_PEM = await openssl([
  "req",
  "-new",
  ...NEW_KEY,
  "-subj",
  "/CN=x",
  "-keyout",
  "/dev/null",
]);
const CERT_A = await openssl([
  "req",
  "-x509",
  ...NEW_KEY,
  "-subj",
  "/CN=a",
  "-days",
  "1",
  "-keyout",
  "/dev/null",
]);
const CERT_B = await openssl([
  "req",
  "-x509",
  ...NEW_KEY,
  "-subj",
  "/CN=b",
  "-days",
  "1",
  "-keyout",
  "/dev/null",
]);

const b64 = (text: string) => btoa(text);
const REQUEST = b64(REQUEST_PEM);
const CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const SIGNER = `example.com/conformance-${crypto.randomUUID().slice(0, 8)}`;

function csr(
  name: string,
  spec: Record<string, unknown> = {},
  rest: Record<string, unknown> = {},
): Csr {
  return {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name },
    spec: {
      request: REQUEST,
      signerName: SIGNER,
      usages: ["digital signature", "server auth"],
      ...spec,
    },
    ...rest,
  };
}

/** The request with one byte of its DER changed: in the signature, or the subject's `CN=x`. */
function tampered(where: "signature" | "subject"): string {
  const body = REQUEST_PEM.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  let at = der.length - 5;
  if (where === "subject") {
    at = der.findIndex((b, i) => b === 0x0c && der[i + 1] === 1 && der[i + 2] === 0x78) + 2;
  }
  der[at] = (der[at] ?? 0) ^ 1;
  const text = btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n");
  return b64(`-----BEGIN CERTIFICATE REQUEST-----\n${text}\n-----END CERTIFICATE REQUEST-----\n`);
}

async function expectObject(res: Response, code: number): Promise<Csr> {
  const body = await json<Csr>(res);
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

function invalidMessage(name: string, rest: string): string {
  return `CertificateSigningRequest.certificates.k8s.io "${name}" is invalid: ${rest}`;
}

function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

Deno.test({
  name: `CertificateSigningRequest conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target: Target = await openTarget();
    const create = async (body: Csr) =>
      await expectObject(await target.request("POST", CSRS, { body }), 201);
    const createFails = async (body: Csr) =>
      await expectStatus(await target.request("POST", CSRS, { body }), 422);
    const merge = (path: string, body: unknown) =>
      target.request("PATCH", path, { body, contentType: "application/merge-patch+json" });

    await t.step(
      "CS1 create: spec.username/groups from the authenticated user; status reset to {}",
      async () => {
        const name = unique("cs1");
        const created = await create(
          csr(name, { username: "mallory", groups: ["evil"], uid: "u", extra: { a: ["b"] } }, {
            status: {
              conditions: [{ type: "Approved", status: "True" }],
              certificate: b64(CERT_A),
            },
          }),
        );
        assert.equal(created.spec.username, target.adminName);
        assert.deepEqual(created.spec.groups, ["system:masters", "system:authenticated"]);
        assert.equal("uid" in created.spec, false);
        assert.notDeepEqual(created.spec.extra, { a: ["b"] });
        assert.deepEqual(created.status, {});
        assert.equal(created.spec.request, REQUEST);
      },
    );

    await t.step("§12.5 a garbage spec.request → 422", async () => {
      const notPem = b64("hello");
      const status = await createFails(csr("garbage", { request: notPem }));
      assert.equal(
        status.message,
        invalidMessage(
          "garbage",
          `spec.request: Invalid value: "${notPem}": PEM block type must be CERTIFICATE REQUEST`,
        ),
      );
      assert.deepEqual(status.details?.causes?.map((c) => c.field), ["spec.request"]);
      const cert = await createFails(csr("garbage", { request: b64(CERT_A) }));
      assert.equal(
        cert.message,
        invalidMessage(
          "garbage",
          `spec.request: Invalid value: "${
            b64(CERT_A)
          }": PEM block type must be CERTIFICATE REQUEST`,
        ),
      );
      const der = b64(
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
      );
      const asn1 = await createFails(csr("garbage", { request: der }));
      assert.ok(
        asn1.message.startsWith(
          invalidMessage(
            "garbage",
            `spec.request: Invalid value: "${der}": asn1: structure error: `,
          ),
        ),
        asn1.message,
      );
    });

    await t.step("§12.5 the request's signature is checked → 422", async () => {
      for (const where of ["signature", "subject"] as const) {
        const request = tampered(where);
        const status = await createFails(csr("tampered", { request }));
        assert.equal(
          status.message,
          invalidMessage(
            "tampered",
            `spec.request: Invalid value: "${request}": x509: ECDSA verification failure`,
          ),
        );
      }
    });

    await t.step("§12.5 invalid base64 in spec.request → 400", async () => {
      const res = await target.request("POST", CSRS, { body: csr("b64", { request: "a!" }) });
      const status = await expectStatus(res, 400);
      assert.equal(
        status.message,
        'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: illegal base64 data at input byte 1',
      );
    });

    await t.step("§12.5 usages: required, known values, no duplicates → 422", async () => {
      for (const usages of [undefined, []]) {
        const status = await createFails(csr("usages", { usages }));
        assert.equal(status.message, invalidMessage("usages", "spec.usages: Required value"));
      }
      const unknown = await createFails(csr("usages", { usages: ["digital signature", "bogus"] }));
      assert.equal(
        unknown.message,
        invalidMessage(
          "usages",
          'spec.usages[1]: Unsupported value: "bogus": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
        ),
      );
      const twice = await createFails(csr("usages", { usages: ["any", "any"] }));
      assert.equal(
        twice.message,
        invalidMessage("usages", 'spec.usages[1]: Duplicate value: "any"'),
      );
    });

    await t.step("§12.5 signerName: required, <domain>/<path> → 422", async () => {
      const cases: [string | undefined, string][] = [
        [undefined, "spec.signerName: Required value"],
        [
          "signer",
          `spec.signerName: Invalid value: "signer": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
        ],
        [
          "example.com/a/b",
          `spec.signerName: Invalid value: "example.com/a/b": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
        ],
        [
          "Example.com/x",
          `spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        ],
        [
          "kubernetes.io/legacy-unknown",
          `spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version`,
        ],
      ];
      for (const [signerName, rest] of cases) {
        const body = csr("signer");
        if (signerName === undefined) delete body.spec.signerName;
        else body.spec.signerName = signerName;
        const status = await createFails(body);
        assert.equal(status.message, invalidMessage("signer", rest));
      }
    });

    await t.step("§12.5 expirationSeconds ≥ 600 → else 422", async () => {
      const status = await createFails(csr("expiry", { expirationSeconds: 599 }));
      assert.equal(
        status.message,
        invalidMessage(
          "expiry",
          "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)",
        ),
      );
      const ok = await create(csr(unique("expiry"), { expirationSeconds: 600 }));
      assert.equal(ok.spec.expirationSeconds, 600);
    });

    const name = unique("csr");
    const path = `${CSRS}/${name}`;
    const created = await create(csr(name));

    await t.step(
      "CS5 main-resource PUT changing spec.usages and status → 200 but unchanged",
      async () => {
        const res = await target.request("PUT", path, {
          body: {
            ...csr(name, { usages: ["client auth"] }, {
              status: { conditions: [{ type: "Approved", status: "True" }] },
            }),
            metadata: {
              name,
              resourceVersion: created.metadata.resourceVersion,
              labels: { a: "b" },
            },
          },
        });
        const updated = await expectObject(res, 200);
        assert.deepEqual(updated.spec, created.spec);
        assert.deepEqual(updated.status, {});
        assert.deepEqual(updated.metadata.labels, { a: "b" });
      },
    );

    await t.step(
      "§12.5 main-resource PUT without resourceVersion → 200 (unconditional)",
      async () => {
        const res = await target.request("PUT", path, {
          body: { ...csr(name), metadata: { name, labels: { a: "c" } } },
        });
        const updated = await expectObject(res, 200);
        assert.deepEqual(updated.metadata.labels, { a: "c" });
      },
    );

    await t.step(
      'CS3 /status adding Approved → 422 updates may not add a condition of type "Approved"',
      async () => {
        for (const type of ["Approved", "Denied"]) {
          const status = await expectStatus(
            await merge(`${path}/status`, { status: { conditions: [{ type, status: "True" }] } }),
            422,
          );
          assert.equal(
            status.message,
            invalidMessage(
              name,
              `status.conditions: Forbidden: updates may not add a condition of type "${type}"`,
            ),
          );
        }
      },
    );

    await t.step(
      "§12.5 /status condition rules: Failed must be True, others True/False/Unknown, no duplicates",
      async () => {
        const failed = await expectStatus(
          await merge(`${path}/status`, {
            status: { conditions: [{ type: "Failed", status: "False" }] },
          }),
          422,
        );
        assert.equal(
          failed.message,
          invalidMessage(
            name,
            'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
          ),
        );
        const custom = await expectStatus(
          await merge(`${path}/status`, {
            status: { conditions: [{ type: "Custom", status: "Maybe" }] },
          }),
          422,
        );
        assert.equal(
          custom.message,
          invalidMessage(
            name,
            'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
          ),
        );
        const dup = await expectStatus(
          await merge(`${path}/status`, {
            status: { conditions: [{ type: "X", status: "True" }, { type: "X", status: "False" }] },
          }),
          422,
        );
        assert.equal(
          dup.message,
          invalidMessage(name, 'status.conditions[1].type: Duplicate value: "X"'),
        );
      },
    );

    await t.step("§12.5 status.certificate must hold CERTIFICATE PEM blocks → 422", async () => {
      const cases: [string, string][] = [
        [b64("hello"), "must contain at least one CERTIFICATE PEM block"],
        [
          b64("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"),
          'only CERTIFICATE PEM blocks are allowed, found "FOO"',
        ],
        [
          b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
          "x509: malformed certificate",
        ],
        [
          b64("-----BEGIN CERTIFICATE-----\nA: b\n\nAAAA\n-----END CERTIFICATE-----\n"),
          "no PEM block headers are permitted",
        ],
      ];
      for (const [certificate, detail] of cases) {
        const status = await expectStatus(
          await merge(`${path}/status`, { status: { certificate } }),
          422,
        );
        assert.equal(
          status.message,
          invalidMessage(
            name,
            `status.certificate: Invalid value: "<certificate data>": ${detail}`,
          ),
        );
      }
    });

    await t.step(
      "CS2 /status sets the certificate before approval → 200 (Approved not required)",
      async () => {
        const signed = await expectObject(
          await merge(`${path}/status`, { status: { certificate: b64(CERT_A) } }),
          200,
        );
        assert.equal(signed.status?.certificate, b64(CERT_A));
        assert.equal(signed.status?.conditions, undefined);
      },
    );

    await t.step(
      "CS2 the certificate is set once: same value → 200, different or removed → 422",
      async () => {
        await expectObject(
          await merge(`${path}/status`, { status: { certificate: b64(CERT_A) } }),
          200,
        );
        for (const certificate of [b64(CERT_B), null]) {
          const status = await expectStatus(
            await merge(`${path}/status`, { status: { certificate } }),
            422,
          );
          assert.equal(
            status.message,
            invalidMessage(
              name,
              "status.certificate: Forbidden: updates may not modify existing certificate content",
            ),
          );
        }
      },
    );

    let approvedAt = "";
    await t.step(
      "§12.5 /approval adds Approved (timestamps filled); certificate and spec kept",
      async () => {
        const res = await merge(`${path}/approval`, {
          spec: { usages: ["any"] },
          status: {
            conditions: [{
              type: "Approved",
              status: "True",
              reason: "AdminApproved",
              message: "ok",
            }],
            certificate: b64(CERT_B),
          },
        });
        const approved = await expectObject(res, 200);
        const [c] = approved.status?.conditions ?? [];
        assert.equal(c?.type, "Approved");
        assert.match(c?.lastUpdateTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(c?.lastTransitionTime, c?.lastUpdateTime);
        approvedAt = c?.lastTransitionTime ?? "";
        assert.equal(approved.status?.certificate, b64(CERT_A));
        assert.deepEqual(approved.spec, created.spec);
      },
    );

    await t.step(
      "CS4 /approval adding Denied next to Approved → 422 mutually exclusive",
      async () => {
        const status = await expectStatus(
          await merge(`${path}/approval`, {
            status: {
              conditions: [
                { type: "Approved", status: "True", reason: "AdminApproved", message: "ok" },
                { type: "Denied", status: "True" },
              ],
            },
          }),
          422,
        );
        assert.equal(
          status.message,
          invalidMessage(
            name,
            'status.conditions: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
          ),
        );
      },
    );

    await t.step(
      "§12.5 /status keeps Approved as it was; an issuer's Failed gets timestamps",
      async () => {
        const res = await merge(`${path}/status`, {
          status: {
            conditions: [
              { type: "Approved", status: "True", reason: "Changed", message: "changed" },
              { type: "Failed", status: "True", reason: "SigningError", message: "boom" },
            ],
          },
        });
        const updated = await expectObject(res, 200);
        const [approved, failed] = updated.status?.conditions ?? [];
        assert.equal(approved?.reason, "AdminApproved");
        assert.equal(approved?.message, "ok");
        assert.equal(approved?.lastTransitionTime, approvedAt);
        assert.equal(failed?.type, "Failed");
        assert.equal(typeof failed?.lastUpdateTime, "string");
        assert.equal(typeof failed?.lastTransitionTime, "string");
      },
    );

    await t.step(
      "§12.5 conditions of type Approved/Denied/Failed can never be removed",
      async () => {
        const approvedOnly = await expectStatus(
          await merge(`${path}/approval`, {
            status: {
              conditions: [{
                type: "Approved",
                status: "True",
                reason: "AdminApproved",
                message: "ok",
              }],
            },
          }),
          422,
        );
        assert.equal(
          approvedOnly.message,
          invalidMessage(
            name,
            'status.conditions: Forbidden: updates may not remove a condition of type "Failed"',
          ),
        );
        const none = await expectStatus(
          await merge(`${path}/status`, { status: { conditions: null } }),
          422,
        );
        assert.deepEqual(none.details?.causes?.map((c) => c.message), [
          'Forbidden: updates may not remove a condition of type "Approved"',
          'Forbidden: updates may not remove a condition of type "Failed"',
        ]);
      },
    );

    await t.step(
      "§12.5 /status keeps a condition's lastTransitionTime while its status does not change",
      async () => {
        const current = await expectObject(await target.request("GET", path), 200);
        const failed = current.status?.conditions?.find((c) => c.type === "Failed");
        const res = await merge(`${path}/status`, {
          status: {
            conditions: [
              ...(current.status?.conditions ?? []).filter((c) => c.type !== "Failed"),
              { type: "Failed", status: "True", reason: "SigningError", message: "boom again" },
            ],
          },
        });
        const updated = await expectObject(res, 200);
        const again = updated.status?.conditions?.find((c) => c.type === "Failed");
        assert.equal(again?.message, "boom again");
        assert.equal(again?.lastTransitionTime, failed?.lastTransitionTime);
      },
    );

    const ssaName = unique("ssa");
    await t.step(
      "§12.5 SSA on /status: status.conditions is a list-map keyed by type (an issuer's condition next to Approved)",
      async () => {
        const ssaPath = `${CSRS}/${ssaName}`;
        await create(csr(ssaName));
        await expectObject(
          await target.request("PUT", `${ssaPath}/approval`, {
            body: {
              ...csr(ssaName),
              status: {
                conditions: [{
                  type: "Approved",
                  status: "True",
                  reason: "AdminApproved",
                  message: "ok",
                }],
              },
            },
          }),
          200,
        );
        const apply = (conditions: Condition[]) =>
          target.request("PATCH", `${ssaPath}/status?fieldManager=issuer&force=true`, {
            body: {
              apiVersion: "certificates.k8s.io/v1",
              kind: "CertificateSigningRequest",
              metadata: { name: ssaName },
              status: { conditions },
            },
            contentType: "application/apply-patch+yaml",
          });
        const applied = await expectObject(
          await apply([{
            type: "Failed",
            status: "True",
            reason: "SigningError",
            message: "boom",
          }]),
          200,
        );
        assert.deepEqual(applied.status?.conditions?.map((c) => c.type), ["Approved", "Failed"]);
        assert.equal(applied.status?.conditions?.[0]?.reason, "AdminApproved");
        assert.deepEqual(applied.spec.usages, ["digital signature", "server auth"]);
      },
    );

    await t.step(
      "§12.5 SSA on /status: nobody owns status.conditions (reset field), so a later apply without Failed keeps it",
      async () => {
        const custom = await expectObject(
          await target.request(
            "PATCH",
            `${CSRS}/${ssaName}/status?fieldManager=issuer&force=true`,
            {
              body: {
                apiVersion: "certificates.k8s.io/v1",
                kind: "CertificateSigningRequest",
                metadata: { name: ssaName },
                status: { conditions: [{ type: "Issuing", status: "Unknown" }] },
              },
              contentType: "application/apply-patch+yaml",
            },
          ),
          200,
        );
        assert.deepEqual(
          custom.status?.conditions?.map((c) => c.type),
          ["Approved", "Failed", "Issuing"],
        );
      },
    );

    await t.step(
      "§12.5 kubectl certificate approve: PUT /approval with the whole object",
      async () => {
        const kName = unique("kubectl");
        const fresh = await create(csr(kName));
        const res = await target.request("PUT", `${CSRS}/${kName}/approval`, {
          body: {
            ...fresh,
            status: {
              conditions: [{
                type: "Approved",
                status: "True",
                reason: "KubectlApprove",
                message: "This CSR was approved by kubectl certificate approve.",
                lastUpdateTime: "2024-01-01T00:00:00Z",
              }],
            },
          },
        });
        const approved = await expectObject(res, 200);
        const [c] = approved.status?.conditions ?? [];
        assert.equal(c?.reason, "KubectlApprove");
        assert.equal(c?.lastUpdateTime, "2024-01-01T00:00:00Z");
        assert.equal(typeof c?.lastTransitionTime, "string");
      },
    );

    await t.step("§12.5 field selector spec.signerName", async () => {
      const res = await target.request(
        "GET",
        `${CSRS}?fieldSelector=${encodeURIComponent(`spec.signerName=${SIGNER}`)}`,
      );
      const list = await expectObject(res, 200);
      const items = list.items as Csr[];
      assert.ok(items.length >= 4);
      assert.ok(items.every((i) => i.spec.signerName === SIGNER));
      assert.ok(items.some((i) => i.metadata.name === name));
      const none = await expectObject(
        await target.request("GET", `${CSRS}?fieldSelector=spec.signerName%3Dexample.com%2Fnone`),
        200,
      );
      assert.deepEqual(none.items, []);
      const bad = await expectStatus(
        await target.request("GET", `${CSRS}?fieldSelector=spec.usages%3Dany`),
        400,
      );
      assert.equal(bad.message, "field label not supported: spec.usages");
    });
  },
});
