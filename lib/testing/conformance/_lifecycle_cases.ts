/**
 * The conformance cases of conditions, events and retries: an issued request's Ready
 * condition and Issued event, the issuer's up-to-date Ready condition, a transient `sign`
 * failure retried, a permanent one failing the request once. The retries run in real time
 * (the kit's controllers retry after 1–100 ms), so they work on any target.
 *
 * @module
 */
import { conditionOf, fail, statusField } from "./_checks.ts";
import type { CaseDefinition } from "./_case.ts";
import { CERTIFICATE_REQUESTS } from "./_kit_env.ts";

/** The conditions, events and retry cases. */
export function lifecycleCases(): CaseDefinition[] {
  return [
    {
      name:
        "Conditions and events: Ready=True/Issued, an Issued event, the issuer's Ready observedGeneration up to date",
      run: async (env) => {
        const issuer = env.requireIssuer();
        const { name } = await env.createCertificateRequest({ dnsNames: ["events.example"] });
        const { cr } = await env.waitForCertificate(name);
        const ready = conditionOf(cr, "Ready");
        if (ready?.reason !== "Issued") fail(`Ready has reason ${ready?.reason}, not Issued`);
        const event = "Normal Issued Succeeded signing the CertificateRequest";
        if (!env.recorder.events.includes(event)) fail(`no event "${event}" was recorded`);
        const object = await env.waitForIssuerReady(issuer.ref);
        const generation = (object.metadata as { generation?: number }).generation;
        const observed = conditionOf(object, "Ready")?.observedGeneration;
        if (observed !== generation) {
          fail(
            `the issuer's Ready observedGeneration is ${observed}; its generation is ${generation}`,
          );
        }
      },
    },
    {
      name: "Retries: a transient sign failure is retried and the request is issued",
      run: async (env) => {
        env.requireIssuer();
        const name = env.nextName("transient");
        env.faults.set(name, "transient");
        await env.createCertificateRequest({ dnsNames: ["transient.example"] }, { name });
        await env.waitForCertificate(name);
        if ((env.signCalls.get(name) ?? 0) < 2) fail("sign was not called again after the failure");
      },
    },
    {
      name:
        "Retries: a permanent sign failure fails the request once (Failed, failure time, no retry)",
      run: async (env) => {
        env.requireIssuer();
        const name = env.nextName("permanent");
        env.faults.set(name, "permanent");
        await env.createCertificateRequest({ dnsNames: ["permanent.example"] }, { name });
        const cr = await env.waitFor(
          CERTIFICATE_REQUESTS,
          env.requestNamespace,
          name,
          (o) => conditionOf(o, "Ready")?.reason === "Failed",
          `the CertificateRequest ${name} did not end Ready=False/Failed after a PermanentError`,
        );
        if (!statusField(cr, "failureTime")) fail("the failed request has no status.failureTime");
        await env.quiet();
        const calls = env.signCalls.get(name) ?? 0;
        if (calls !== 1) fail(`sign was called ${calls} times for a permanent failure; want once`);
      },
    },
  ];
}
