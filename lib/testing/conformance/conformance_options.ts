/**
 * The options and results of the issuer conformance kit: what an issuer author declares
 * (types, `check`, `sign`, how to make a working issuer, unsupported features, the target
 * cluster) and what each case found.
 *
 * @module
 */
import type { JsonObject } from "../../core/json.ts";
import type { KubeClient } from "../../client/kube_client.ts";
import type { CheckFunction, SignFunction } from "../../issuer/issuer_functions.ts";
import type { IssuerType } from "../../issuer/issuer_type.ts";

/**
 * A feature an issuer's CA may not support; cases that need it are skipped, saying so.
 *
 * `kubernetesCsr` covers Kubernetes CSRs for a cluster-scoped issuer kind;
 * `namespacedKubernetesCsr` covers CSRs whose signer name names a namespaced issuer
 * (`<plural>.<group>/<namespace>.<name>`, allowed when the requester may `reference` the
 * issuer). Cases for a scope the issuer types lack are skipped too.
 *
 * @example Declaring a CA that signs neither Ed25519 keys nor CA certificates
 * ```ts
 * import type { ConformanceFeature } from "@certkit/issuer-lib/testing";
 *
 * const unsupported: ConformanceFeature[] = ["ed25519", "isCA"];
 * console.assert(unsupported.length === 2);
 * ```
 */
export type ConformanceFeature =
  | "rsa"
  | "ecdsa"
  | "ed25519"
  | "commonNameOnly"
  | "ipSans"
  | "uriSans"
  | "emailSans"
  | "wildcard"
  | "duration"
  | "isCA"
  | "keyUsages"
  | "kubernetesCsr"
  | "namespacedKubernetesCsr";

/**
 * A reference to the issuer the author made for the kit (`namespace` for a namespaced
 * issuer kind, none for a cluster-scoped one).
 *
 * @example A SimpleIssuer in the kit's namespace
 * ```ts
 * import type { ConformanceIssuerRef } from "@certkit/issuer-lib/testing";
 *
 * const ref: ConformanceIssuerRef = {
 *   group: "simple.certkit.dev", kind: "SimpleIssuer", name: "ca", namespace: "conformance",
 * };
 * console.assert(ref.kind === "SimpleIssuer");
 * ```
 */
export interface ConformanceIssuerRef {
  /** The issuer kind's API group. */
  group: string;
  /** The issuer kind. */
  kind: string;
  /** The issuer's name. */
  name: string;
  /** The issuer's namespace (namespaced kinds only). */
  namespace?: string;
}

/**
 * The scope of the issuer kind the kit asks `createIssuer` for: `any` (CertificateRequests
 * work with both; make the kind you use most), `cluster` (Kubernetes CSRs) or `namespaced`
 * (Kubernetes CSRs naming a namespaced issuer; make it in the context's namespace).
 *
 * @example Choosing the kind by scope
 * ```ts
 * import type { ConformanceIssuerScope } from "@certkit/issuer-lib/testing";
 *
 * const kindFor = (scope: ConformanceIssuerScope) =>
 *   scope === "cluster" ? "MyClusterIssuer" : "MyIssuer";
 * console.assert(kindFor("any") === "MyIssuer");
 * ```
 */
export type ConformanceIssuerScope = "any" | "cluster" | "namespaced";

/**
 * What the kit gives `createIssuer`.
 *
 * @example Reading the context
 * ```ts
 * import type { ConformanceContext } from "@certkit/issuer-lib/testing";
 *
 * const describe = (ctx: ConformanceContext) => `${ctx.scope} ${ctx.namespace}/${ctx.name}`;
 * console.assert(typeof describe === "function");
 * ```
 */
export interface ConformanceContext {
  /** An admin client of the target cluster. */
  client: KubeClient;
  /** The kit's namespace for this run: CertificateRequests and namespaced issuers go here. */
  namespace: string;
  /** A fresh name to give the issuer (unique on the cluster for this run). */
  name: string;
  /** `true` when the issuer is for Kubernetes CSRs. */
  forKubernetesCsrs: boolean;
  /** The scope of the issuer kind to make. */
  scope: ConformanceIssuerScope;
}

/**
 * A working issuer made by the author for the kit, and how to tear it down.
 *
 * @example An issuer without cleanup
 * ```ts
 * import type { ConformanceIssuer } from "@certkit/issuer-lib/testing";
 *
 * const issuer: ConformanceIssuer = { ref: { group: "example.com", kind: "CAIssuer", name: "ca" } };
 * console.assert(issuer.cleanup === undefined);
 * ```
 */
export interface ConformanceIssuer {
  /** The issuer. */
  ref: ConformanceIssuerRef;
  /**
   * Removes what `createIssuer` made outside the kit's namespace, such as a Secret in a
   * cluster resource namespace (called after the last case; the kit itself deletes the
   * issuer object and its namespace).
   */
  cleanup?: () => Promise<void>;
}

/**
 * Run the kit against a cluster given by a kubeconfig instead of the in-memory fake API
 * server. The kit creates its own uniquely named namespace and cluster-scoped objects with
 * the same unique prefix, tolerates everything else on the cluster, and deletes what it
 * made at the end (without waiting for its namespace to finish terminating). It never
 * resets the cluster. The admin user of the kubeconfig needs to create CRDs (with
 * `installCrds`), namespaces, RBAC objects and CSRs, approve and sign CSRs for the issuer
 * signer names, and impersonate users (the namespaced-CSR cases).
 *
 * @example The cluster of a kubeconfig, installing missing CRDs
 * ```ts
 * import type { ConformanceTarget } from "@certkit/issuer-lib/testing";
 *
 * const target: ConformanceTarget = { kubeconfig: "/tmp/kubeconfig", installCrds: true };
 * console.assert(target.context === undefined);
 * ```
 */
export interface ConformanceTarget {
  /** The kubeconfig file's path. */
  kubeconfig: string;
  /** The context to use (default: the kubeconfig's current context). */
  context?: string;
  /**
   * Install the CertificateRequest CRD and the issuer CRDs the cluster does not serve (and
   * delete those at the end). Default `false`: the kit fails, naming the missing CRDs.
   */
  installCrds?: boolean;
}

/**
 * The options of {@linkcode runConformanceCases} and {@linkcode issuerConformance}.
 *
 * @typeParam TSpec The spec type of the issuer objects.
 *
 * @example The options of an issuer that cannot sign Ed25519 keys
 * ```ts
 * import type { ConformanceOptions } from "@certkit/issuer-lib/testing";
 *
 * const options: Partial<ConformanceOptions> = { unsupported: ["ed25519"], timeoutMs: 5_000 };
 * console.assert(options.unsupported?.[0] === "ed25519");
 * ```
 */
export interface ConformanceOptions<TSpec = JsonObject> {
  /** The issuer kinds, as passed to `runIssuer`. */
  issuerTypes: readonly IssuerType<TSpec>[];
  /** The field manager of the issuer's status writes. */
  fieldManager: string;
  /** The author's `check`. */
  check: CheckFunction<TSpec>;
  /** The author's `sign` (the kit wraps it to inject failures in the retry cases). */
  sign: SignFunction<TSpec>;
  /** Makes a working issuer on the target (for example a CA Secret and an issuer object). */
  createIssuer: (ctx: ConformanceContext) => Promise<ConformanceIssuer>;
  /** Features the CA does not support: their cases are skipped. */
  unsupported?: readonly ConformanceFeature[];
  /**
   * Namespaces `createIssuer` needs besides the kit's own (such as a cluster resource
   * namespace); made when missing, and deleted at the end only if the kit made them.
   */
  namespaces?: readonly string[];
  /** Where to run (default: a fresh in-memory fake API server). */
  target?: ConformanceTarget;
  /** How long to wait for each outcome, in real milliseconds (default 10 000; 30 000 on a cluster). */
  timeoutMs?: number;
  /** The name of the Deno test of {@linkcode issuerConformance}. */
  name?: string;
}

/**
 * The outcome of one conformance case.
 *
 * @example A failed case
 * ```ts
 * import type { ConformanceResult } from "@certkit/issuer-lib/testing";
 *
 * const result: ConformanceResult = { name: "x", status: "fail", message: "no certificate" };
 * console.assert(result.status === "fail");
 * ```
 */
export interface ConformanceResult {
  /** The case's name (says what is checked; skipped cases say why). */
  name: string;
  /** `pass`, `fail` or `skip`. */
  status: "pass" | "fail" | "skip";
  /** Why it failed or was skipped. */
  message?: string;
}
