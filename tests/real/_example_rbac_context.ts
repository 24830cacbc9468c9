/**
 * What the RBAC proof (`example_rbac_real_test.ts`) does to a real cluster, as admin, around
 * one run of the example issuer: the objects a case makes (issuers, approved requests and
 * CSRs, all labelled with the case), what it reads back (Ready conditions, certificates,
 * Events), the issuer's log (JSON lines, matched on their text), and SubjectAccessReviews
 * for the deployed roles' users.
 *
 * @module
 */
import { stringify as stringifyYaml } from "yaml";
import type { Proc } from "../_support/deno_process.ts";
import type { Permission } from "../e2e/_rbac_rules.ts";
import { conditionPatch, READY } from "../e2e/_scenario.ts";
import type { Kubectl } from "../_support/kubectl_tools.ts";
import { ISSUER_SA } from "./_example_cluster.ts";
import { type RealCluster, subjectAccessReview } from "./real_cluster.ts";

/** The example's API group. */
export const GROUP = "simple.certkit.dev";
/** cert-manager's controller, as its Helm chart installs it (the approver). */
export const CERT_MANAGER_SA = "system:serviceaccount:cert-manager:cert-manager";
/** The namespace of the cases' SimpleIssuers, CertificateRequests and Events. */
export const NS = "rbac";
/** The roles of rbac.yaml. */
export const ISSUER_ROLE = "ClusterRole/simple-issuer";
/** The Lease role. */
export const LEASE_ROLE = "Role/simple-issuer-leader-election";
/** cert-manager's approver role. */
export const APPROVER_ROLE = "ClusterRole/cert-manager-controller-approve:simple-certkit-dev";
/** The signer name of the SimpleClusterIssuer `id`. */
export const CLUSTER_SIGNER = (id: string): string => `simpleclusterissuers.${GROUP}/${id}`;
/** The signer name of the SimpleIssuer `id` in {@linkcode NS}. */
export const NAMESPACED_SIGNER = (id: string): string => `simpleissuers.${GROUP}/${NS}.${id}`;

/** The message of the API server's 403, without its object name and scope. */
export function forbidden(verb: string, resource: string, group: string): string {
  return `User "${ISSUER_SA}" cannot ${verb} resource "${resource}" in API group "${group}"`;
}

/** Every string in a JSON log line, joined (a plain line stays as it is). */
export function logText(line: string): string {
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
  };
  try {
    walk(JSON.parse(line));
  } catch {
    return line;
  }
  return strings.join(" | ");
}

/** An events.k8s.io Event, as far as the cases read it. */
export interface EventSummary {
  reason: string;
  series?: { count: number };
  regarding: { name: string };
}

/** What a case can do (as admin) before and while the example runs. */
export interface CaseContext {
  /** kubectl as admin. */
  admin: Kubectl;
  /** A name unique to the case: its objects' names. */
  id: string;
  /** The Ready condition (`status/reason/message`; `//` when none) of an issuer or request. */
  ready(resource: string, name: string, namespace?: string): Promise<string>;
  /**
   * Creates a SimpleIssuer (in {@linkcode NS}) and a SimpleClusterIssuer named `id`, for the
   * Secret `secretName` (default `ca`), with `annotations`.
   */
  issuers(options?: { secretName?: string; annotations?: Record<string, string> }): Promise<void>;
  /** Waits until both issuers of {@linkcode CaseContext.issuers} are Ready. */
  issuersReady(): Promise<void>;
  /** Creates and approves a CertificateRequest `id` for the SimpleIssuer `id`. */
  approvedRequest(): Promise<void>;
  /** Creates and approves (`kubectl certificate approve`) a CSR `id` for a signer name. */
  approvedCsr(signerName: string): Promise<void>;
  /** The CSR's `status.certificate` (empty when not signed). */
  csrCertificate(): Promise<string>;
  /** The Events in {@linkcode NS} regarding the object named `name` (default `id`). */
  events(name?: string): Promise<EventSummary[]>;
}

/** What a case can do while the example runs. */
export interface RunningContext extends CaseContext {
  /** Waits for a log line (already written or to come) containing every one of `texts`. */
  log(...texts: string[]): Promise<string>;
  /** Waits for a log line containing every one of `texts` written after this call. */
  logAgain(...texts: string[]): Promise<string>;
}

/** The user a role's permission is for: cert-manager's approver, or the issuer. */
function subjectOf(permission: Permission): { user: string; groups: string[] } {
  const user = permission.role === APPROVER_ROLE ? CERT_MANAGER_SA : ISSUER_SA;
  const ns = user.split(":")[2]!;
  return {
    user,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
  };
}

/** Asks the authorizer whether `permission`'s user has it. */
export function allowed(cluster: RealCluster, permission: Permission): Promise<boolean> {
  const [resource, subresource] = permission.resource.split("/") as [string, string?];
  return subjectAccessReview(cluster, {
    ...subjectOf(permission),
    group: permission.group,
    resource,
    ...(subresource ? { subresource } : {}),
    verb: permission.verb,
    ...(permission.namespace ? { namespace: permission.namespace } : {}),
    ...(permission.name ? { name: permission.name } : {}),
  });
}

/** cert-manager's approval check for one signer name (`approve` on cert-manager.io signers). */
export function mayApprove(cluster: RealCluster, name: string): Promise<boolean> {
  return allowed(cluster, {
    role: APPROVER_ROLE,
    group: "cert-manager.io",
    resource: "signers",
    verb: "approve",
    name,
  });
}

/** The case context for `id`, as admin. */
export function caseContext(admin: Kubectl, id: string, csrB64: string): CaseContext {
  const labels = { "rbac-case": id };
  const events = async (name = id) => {
    const list = JSON.parse(
      await admin.ok(["get", "events.events.k8s.io", "-n", NS, "-o", "json"]),
    );
    return (list.items as EventSummary[]).filter((e) => e.regarding.name === name);
  };
  return {
    admin,
    id,
    ready: (resource, name, namespace) =>
      admin.ok([
        "get",
        resource,
        name,
        ...(namespace ? ["-n", namespace] : []),
        "-o",
        `jsonpath=${READY}`,
      ]),
    issuers: async ({ secretName = "ca", annotations = {} } = {}) => {
      const metadata = { labels, annotations };
      await admin.ok(
        ["create", "-f", "-"],
        [
          { kind: "SimpleIssuer", metadata: { name: id, namespace: NS, ...metadata } },
          { kind: "SimpleClusterIssuer", metadata: { name: id, ...metadata } },
        ].map((o) => stringifyYaml({ apiVersion: `${GROUP}/v1alpha1`, ...o, spec: { secretName } }))
          .join("---\n"),
      );
    },
    issuersReady: async () => {
      for (const [kind, ns] of [["simpleissuer", NS], ["simpleclusterissuer", ""]]) {
        await admin.ok([
          "wait",
          "--for=condition=Ready",
          "--timeout=20s",
          ...(ns ? ["-n", ns] : []),
          `${kind}/${id}`,
        ]);
      }
    },
    approvedRequest: async () => {
      await admin.ok(
        ["create", "-f", "-"],
        stringifyYaml({
          apiVersion: "cert-manager.io/v1",
          kind: "CertificateRequest",
          metadata: { name: id, namespace: NS, labels },
          spec: {
            request: csrB64,
            issuerRef: { group: GROUP, kind: "SimpleIssuer", name: id },
            usages: ["digital signature"],
          },
        }),
      );
      await admin.ok([
        "patch",
        "certificaterequest",
        id,
        "-n",
        NS,
        "--subresource=status",
        "--type=merge",
        "-p",
        conditionPatch("Approved"),
      ]);
    },
    approvedCsr: async (signerName) => {
      await admin.ok(
        ["create", "-f", "-"],
        stringifyYaml({
          apiVersion: "certificates.k8s.io/v1",
          kind: "CertificateSigningRequest",
          metadata: { name: id, labels },
          spec: { request: csrB64, signerName, usages: ["digital signature"] },
        }),
      );
      await admin.ok(["certificate", "approve", id]);
    },
    csrCertificate: () => admin.ok(["get", "csr", id, "-o", "jsonpath={.status.certificate}"]),
    events,
  };
}

/** Adds the example's log to a case context. */
export function running(ctx: CaseContext, issuer: Proc): RunningContext {
  const matches = (texts: string[]) => (line: string) => {
    const text = logText(line);
    return texts.every((s) => text.includes(s));
  };
  return {
    ...ctx,
    log: (...texts) => issuer.err.next(matches(texts), texts.join(" and ")),
    logAgain: (...texts) => {
      const test = matches(texts);
      const before = issuer.err.all.filter(test).length;
      return issuer.err.next(
        (line) => test(line) && issuer.err.all.filter(test).length > before,
        `a new line with ${texts.join(" and ")}`,
      );
    },
  };
}
