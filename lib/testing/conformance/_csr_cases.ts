/**
 * The conformance cases of Kubernetes CSRs: issuance for a cluster-scoped issuer, approval
 * semantics (unapproved and denied CSRs and foreign signer names are left alone), and CSRs
 * naming a namespaced issuer (`<plural>.<group>/<namespace>.<name>`, allowed only when the
 * requester may `reference` the issuer).
 *
 * @module
 */
import {
  checkDuration,
  checkIssued,
  conditionOf,
  fail,
  isCaCertificate,
  statusField,
  verifyChain,
} from "./_checks.ts";
import { type CaseDefinition, needsClusterKind, needsNamespacedKind } from "./_case.ts";
import { FIVE_HOURS } from "./_certificate_cases.ts";
import { CERTIFICATE_SIGNING_REQUESTS, type CsrOptions, type KitEnv } from "./_kit_env.ts";

/**
 * Checks that a CSR was left alone: the issuer wrote nothing to it (no certificate, no
 * Failed condition, no status write) and never called `sign` for it. A control CSR for the
 * same issuer is issued first, so the controllers have seen the CSR.
 */
async function expectCsrUntouched(
  env: KitEnv,
  name: string,
  label: string,
  scope: "cluster" | "namespaced" = "cluster",
): Promise<void> {
  await env.issueCsr({ dnsNames: ["control.example.com"] }, { scope });
  await env.quiet();
  const csr = await env.getCsr(name);
  const what = `the ${label} CertificateSigningRequest ${name}`;
  if (statusField(csr, "certificate")) fail(`${what} got a certificate`);
  const failed = conditionOf(csr, "Failed");
  if (failed) fail(`${what} was marked Failed (${failed.reason}: ${failed.message})`);
  const writes = env.statusWrites(CERTIFICATE_SIGNING_REQUESTS, name);
  if (writes !== 0) fail(`${what} was written to by the issuer (${writes} status writes)`);
  const calls = env.signCalls.get(name) ?? 0;
  if (calls !== 0) fail(`sign was called ${calls} times for ${what}`);
}

function csrCase(
  name: string,
  run: (env: KitEnv) => Promise<void>,
  needs: CaseDefinition["needs"] = [],
): CaseDefinition {
  return {
    name: name.startsWith("Approval: ") ? name : `CertificateSigningRequest: ${name}`,
    needs: ["kubernetesCsr", ...needs],
    skipReason: needsClusterKind,
    run: async (env) => {
      env.requireIssuer();
      await run(env);
    },
  };
}

/** The issuance cases of Kubernetes CSRs (cluster-scoped issuer). */
export function csrIssuanceCases(): CaseDefinition[] {
  return [
    csrCase("approved → a certificate for the CSR's key and names", async (env) => {
      await verifyChain(await env.issueCsr({ dnsNames: ["csr.example.com"] }));
    }),
    csrCase("spec.expirationSeconds 5h → a certificate valid for 5 hours", async (env) => {
      const issued = await env.issueCsr({ dnsNames: ["csr-exp.example.com"] }, {
        expirationSeconds: FIVE_HOURS / 1000,
      });
      checkDuration(issued.leaf, FIVE_HOURS);
    }, ["duration"]),
    csrCase("the request-duration annotation 5h → a certificate valid for 5 hours", async (env) => {
      const issued = await env.issueCsr({ dnsNames: ["csr-ann.example.com"] }, {
        annotations: { "experimental.cert-manager.io/request-duration": "5h" },
      });
      checkDuration(issued.leaf, FIVE_HOURS);
    }, ["duration"]),
    csrCase(
      "the request-is-ca annotation → a CA certificate (basicConstraints CA:TRUE)",
      async (env) => {
        const issued = await env.issueCsr({ subject: "CN=CSR Intermediate" }, {
          annotations: { "experimental.cert-manager.io/request-is-ca": "true" },
        });
        if (!isCaCertificate(issued.leaf)) {
          fail("the request-is-ca annotation was set but the certificate is not a CA");
        }
      },
      ["isCA"],
    ),
  ];
}

/** The approval cases of Kubernetes CSRs (cluster-scoped issuer). */
export function csrApprovalCases(): CaseDefinition[] {
  const untouched = (
    label: string,
    options: (env: KitEnv) => Promise<CsrOptions>,
  ) =>
  async (env: KitEnv) => {
    const { name } = await env.createCsr({ dnsNames: ["untouched.example.com"] }, {
      ...await options(env),
    });
    await expectCsrUntouched(env, name, label);
  };
  const signerWith = async (env: KitEnv, change: (typeId: string, name: string) => string) => {
    const issuer = await env.issuerFor("cluster");
    const [typeId = "", name = ""] = env.signerName(issuer.ref).split("/");
    return { signerName: change(typeId, name) };
  };
  return [
    csrCase(
      "Approval: an unapproved CertificateSigningRequest is left untouched (no certificate, no Failed, no status write)",
      untouched("unapproved", () => Promise.resolve({ approval: "unapproved" })),
    ),
    csrCase(
      "Approval: a denied CertificateSigningRequest is left alone (no certificate, no Failed condition from the issuer)",
      untouched("denied", () => Promise.resolve({ approval: "denied" })),
    ),
    csrCase(
      "Approval: an approved CertificateSigningRequest for a foreign signer group is left untouched",
      untouched(
        "foreign-group",
        (env) =>
          signerWith(env, (typeId, name) => `${typeId.split(".")[0]}.foreign.example.com/${name}`),
      ),
    ),
    csrCase(
      "Approval: an approved CertificateSigningRequest for a foreign issuer kind (signer plural) is left untouched",
      untouched(
        "foreign-kind",
        (env) =>
          signerWith(
            env,
            (typeId, name) => `foreignissuers.${typeId.split(".").slice(1).join(".")}/${name}`,
          ),
      ),
    ),
  ];
}

function namespacedCase(name: string, run: (env: KitEnv) => Promise<void>): CaseDefinition {
  return {
    name: `CertificateSigningRequest (namespaced issuer): ${name}`,
    needs: ["namespacedKubernetesCsr"],
    skipReason: needsNamespacedKind,
    run: async (env) => {
      env.requireIssuer();
      await run(env);
    },
  };
}

/** The cases of Kubernetes CSRs naming a namespaced issuer. */
export function namespacedCsrCases(): CaseDefinition[] {
  return [
    namespacedCase(
      "a requester allowed to reference the issuer → a certificate for the CSR's key and names",
      async (env) => {
        const issuer = await env.issuerFor("namespaced");
        const client = await env.target.requesterClient(
          `conformance:${env.target.prefix}:allowed-requester`,
          {
            group: issuer.ref.group,
            namespace: issuer.ref.namespace ?? "",
            name: issuer.ref.name,
          },
        );
        const shape = { dnsNames: ["namespaced-csr.example.com"] };
        const { name, csrPem } = await env.createCsr(shape, { scope: "namespaced", client });
        await verifyChain(
          checkIssued(shape, csrPem, await env.waitForCsrCertificate(name), undefined),
        );
      },
    ),
    namespacedCase(
      "a requester without the reference permission → Failed/DeniedReference, not signed",
      async (env) => {
        const issuer = await env.issuerFor("namespaced");
        const client = await env.target.requesterClient(
          `conformance:${env.target.prefix}:denied-requester`,
          undefined,
        );
        const { name } = await env.createCsr({ dnsNames: ["no-reference.example.com"] }, {
          scope: "namespaced",
          client,
        });
        const csr = await env.waitFor(
          CERTIFICATE_SIGNING_REQUESTS,
          "",
          name,
          (o) =>
            statusField(o, "certificate") !== undefined || conditionOf(o, "Failed") !== undefined,
          `the CertificateSigningRequest ${name}, whose requester may not reference the issuer, was not marked Failed`,
        );
        if (statusField(csr, "certificate")) {
          fail(
            `the CertificateSigningRequest ${name} was signed although its requester may not reference the ${issuer.ref.kind} ${issuer.ref.namespace}/${issuer.ref.name}`,
          );
        }
        const failed = conditionOf(csr, "Failed");
        const want =
          `Requester may not reference Namespaced Issuer ${issuer.ref.namespace}/${issuer.ref.name}`;
        if (failed?.reason !== "DeniedReference" || failed.message !== want) {
          fail(
            `the CertificateSigningRequest ${name} is Failed with ${failed?.reason}: ${failed?.message}; want DeniedReference: ${want}`,
          );
        }
        const calls = env.signCalls.get(name) ?? 0;
        if (calls !== 0) {
          fail(`sign was called ${calls} times for a requester without the reference permission`);
        }
      },
    ),
    namespacedCase(
      "an unapproved CSR is left untouched (no certificate, no Failed, no status write)",
      async (env) => {
        const { name } = await env.createCsr({ dnsNames: ["ns-unapproved.example.com"] }, {
          scope: "namespaced",
          approval: "unapproved",
        });
        await expectCsrUntouched(env, name, "unapproved", "namespaced");
      },
    ),
  ];
}
