/**
 * A conformance kit for issuers: runs an issuer author's `check` and `sign` through the
 * issuer controllers — on a fresh in-memory fake API server, or on any cluster given by a
 * kubeconfig — and checks, case by case, that requests of every shape end as cert-manager
 * expects.
 *
 * @module
 */
import "reflect-metadata";
import type { JsonObject } from "../../core/json.ts";
import { issuerTypeCrd } from "../../issuer/issuer_type_crd.ts";
import { CERTIFICATE_REQUESTS_CRD } from "../crds/certificate_requests_crd.ts";
import type { ConformanceOptions, ConformanceResult } from "./conformance_options.ts";
import type { CaseDefinition } from "./_case.ts";
import { conformanceCases, TARGET_CASE } from "./_cases.ts";
import { ClusterTarget, type NeededCrd } from "./_cluster_target.ts";
import { FakeTarget, type KitTarget } from "./_target.ts";
import { caseMessage, KitEnv } from "./_kit_env.ts";

function neededCrds(options: ConformanceOptions<JsonObject>): NeededCrd[] {
  return [
    {
      label: "cert-manager's CertificateRequest CRD",
      group: "cert-manager.io",
      version: "v1",
      plural: "certificaterequests",
      crd: CERTIFICATE_REQUESTS_CRD,
    },
    ...options.issuerTypes.map((t) => ({
      label: `the ${t.kind} CRD`,
      group: t.group,
      version: t.version,
      plural: t.plural,
      crd: issuerTypeCrd(t),
    })),
  ];
}

function skipReason(c: CaseDefinition, options: ConformanceOptions<JsonObject>) {
  const unsupported = new Set(options.unsupported ?? []);
  const missing = (c.needs ?? []).find((f) => unsupported.has(f));
  if (missing !== undefined) return `the issuer declares it does not support ${missing}`;
  return c.skipReason?.(options);
}

/**
 * Runs every conformance case against an issuer's `check` and `sign` and returns what each
 * case found. By default the cases run on a fresh in-memory fake API server; with
 * `target: { kubeconfig }` on that cluster (the first result then says whether it serves
 * the CRDs the kit needs; if not, it is the only result). {@linkcode issuerConformance}
 * wraps it in a Deno test.
 *
 * @param options The issuer (types, field manager, `check`, `sign`, `createIssuer`), the
 *   features its CA does not support, and the target.
 * @returns One result per case, in order.
 *
 * @example A CA that is never Ready fails the first case
 * ```ts
 * import { issuerType } from "@certkit/issuer-lib";
 * import { runConformanceCases } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const type = issuerType({
 *   group: "example.com", version: "v1", kind: "BrokenIssuer", plural: "brokenissuers",
 *   namespaced: false,
 * });
 * const results = await runConformanceCases({
 *   issuerTypes: [type],
 *   fieldManager: "example.com",
 *   check: () => Promise.reject(new Error("no CA")),
 *   sign: () => Promise.reject(new Error("no CA")),
 *   createIssuer: async ({ client, name }) => {
 *     await client.performRequest({
 *       method: "POST", path: "/apis/example.com/v1/brokenissuers",
 *       bodyJson: { apiVersion: "example.com/v1", kind: "BrokenIssuer", metadata: { name } },
 *       expectJson: true,
 *     });
 *     return { ref: { group: "example.com", kind: "BrokenIssuer", name } };
 *   },
 *   timeoutMs: 500,
 * });
 * assert.equal(results[0]?.status, "fail");
 * ```
 */
export async function runConformanceCases<TSpec = JsonObject>(
  options: ConformanceOptions<TSpec>,
): Promise<ConformanceResult[]> {
  const opts = options as unknown as ConformanceOptions<JsonObject>;
  const namespaces = opts.namespaces ?? [];
  const results: ConformanceResult[] = [];
  let target: KitTarget;
  if (opts.target !== undefined) {
    try {
      target = await ClusterTarget.open(
        opts.target,
        neededCrds(opts),
        namespaces,
        opts.timeoutMs ?? 30_000,
      );
    } catch (error) {
      return [{ name: TARGET_CASE, status: "fail", message: caseMessage(error) }];
    }
    results.push({ name: TARGET_CASE, status: "pass" });
  } else {
    target = new FakeTarget(neededCrds(opts).map((c) => c.crd), namespaces);
  }
  const env = new KitEnv(opts, target);
  try {
    await env.start();
    for (const c of conformanceCases()) {
      const reason = skipReason(c, opts);
      if (reason !== undefined) {
        results.push({ name: `${c.name} (skipped: ${reason})`, status: "skip", message: reason });
        continue;
      }
      try {
        await c.run(env);
        results.push({ name: c.name, status: "pass" });
      } catch (error) {
        results.push({ name: c.name, status: "fail", message: caseMessage(error) });
      }
    }
  } finally {
    try {
      await env.stop();
    } finally {
      await target.close();
    }
  }
  return results;
}

/**
 * Registers a Deno test that runs the conformance cases against an issuer: one step per
 * case, named after what it checks; a failed step's error says what broke, a skipped one
 * says why (a declared unsupported feature, or an issuer scope the types lack).
 *
 * @param options As for {@linkcode runConformanceCases}.
 *
 * @example The first thing an issuer author runs (in `conformance_test.ts`)
 * ```ts ignore
 * import { issuerConformance } from "@certkit/issuer-lib/testing";
 * import { MyClusterIssuer, MyIssuer } from "./api.ts";
 * import { check, createMyIssuer, sign } from "./signer.ts";
 *
 * issuerConformance({
 *   issuerTypes: [MyIssuer, MyClusterIssuer],
 *   fieldManager: "my-issuer.example.com",
 *   check,
 *   sign,
 *   createIssuer: createMyIssuer,
 *   unsupported: ["ed25519", "namespacedKubernetesCsr"],
 *   // Or on a cluster: target: { kubeconfig: Deno.env.get("KUBECONFIG")! },
 * });
 * ```
 */
export function issuerConformance<TSpec = JsonObject>(options: ConformanceOptions<TSpec>): void {
  Deno.test(options.name ?? "issuer conformance", async (t) => {
    const results = await runConformanceCases(options);
    for (const result of results) {
      await t.step({
        name: result.name,
        ignore: result.status === "skip",
        fn: () => {
          if (result.status === "fail") throw new Error(`${result.name}: ${result.message}`);
        },
      });
    }
  });
}
