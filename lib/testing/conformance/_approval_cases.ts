/**
 * The approval cases of CertificateRequests: unapproved requests are left untouched,
 * denied ones (denied only, or approved and then denied) end Ready=False/Denied with a
 * failure time, and requests for a foreign group, kind or an empty group are untouched.
 *
 * @module
 */
import type { ConformanceIssuerRef } from "./conformance_options.ts";
import { conditionOf, fail, statusField } from "./_checks.ts";
import type { CaseDefinition } from "./_case.ts";
import { type Approval, CERTIFICATE_REQUESTS, type KitEnv } from "./_kit_env.ts";

/** Checks that the issuer never wrote a CR's status nor called `sign` for it. */
async function expectUntouched(env: KitEnv, name: string, what: string): Promise<void> {
  const control = await env.createCertificateRequest({ dnsNames: ["control.example"] });
  await env.waitForCertificate(control.name);
  await env.quiet();
  const writes = env.statusWrites(CERTIFICATE_REQUESTS, name);
  if (writes !== 0) {
    fail(`${what} was written to by the issuer (${writes} status writes)`);
  }
  const calls = env.signCalls.get(name) ?? 0;
  if (calls !== 0) fail(`sign was called ${calls} times for ${what}`);
}

function deniedCase(label: string, approval: Approval): CaseDefinition {
  return {
    name:
      `Approval: ${label} CertificateRequest ends Ready=False/Denied with a failure time and no certificate`,
    run: async (env) => {
      const { name } = await env.createCertificateRequest({ dnsNames: ["denied.example"] }, {
        approval,
      });
      const cr = await env.waitFor(
        CERTIFICATE_REQUESTS,
        env.requestNamespace,
        name,
        (o) => conditionOf(o, "Ready")?.reason === "Denied",
        `the denied CertificateRequest ${name} did not end Ready=False/Denied`,
      );
      if (!statusField(cr, "failureTime")) {
        fail(`the denied CertificateRequest ${name} has no status.failureTime`);
      }
      if (conditionOf(cr, "Ready")?.status !== "False") {
        fail(`the denied CertificateRequest ${name} is not Ready=False`);
      }
      if (statusField(cr, "certificate")) {
        fail(`the denied CertificateRequest ${name} got a certificate`);
      }
      const calls = env.signCalls.get(name) ?? 0;
      if (calls !== 0) {
        fail(`sign was called ${calls} times for the denied CertificateRequest ${name}`);
      }
    },
  };
}

function refOf(ref: ConformanceIssuerRef): { name: string; kind: string; group: string } {
  return { name: ref.name, kind: ref.kind, group: ref.group };
}

/** The approval cases of CertificateRequests. */
export function approvalCases(): CaseDefinition[] {
  const foreign: [string, (ref: ConformanceIssuerRef) => { name: string }][] = [
    ["a foreign group", (ref) => ({ ...refOf(ref), group: "foreign.example.com" })],
    ["a foreign kind", (ref) => ({ ...refOf(ref), kind: "ForeignIssuer" })],
    ["an empty group", (ref) => ({ name: ref.name, kind: ref.kind, group: "" })],
  ];
  return [
    {
      name: "Approval: an unapproved CertificateRequest is left untouched",
      run: async (env) => {
        const { name } = await env.createCertificateRequest({ dnsNames: ["unapproved.example"] }, {
          approval: "unapproved",
        });
        await expectUntouched(env, name, `the unapproved CertificateRequest ${name}`);
      },
    },
    deniedCase("a denied-only (Denied=True, never approved)", "denied"),
    deniedCase("an approved-then-denied (Approved=True and Denied=True)", "approvedAndDenied"),
    ...foreign.map(([label, makeRef]): CaseDefinition => ({
      name: `Approval: an approved CertificateRequest for ${label} is left untouched`,
      run: async (env) => {
        const { name } = await env.createCertificateRequest({ dnsNames: ["foreign.example"] }, {
          issuerRef: makeRef(env.requireIssuer().ref),
        });
        await expectUntouched(env, name, `the CertificateRequest ${name} for ${label}`);
      },
    })),
  ];
}
