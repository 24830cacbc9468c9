/**
 * The conformance kit on any cluster given by a kubeconfig: checks (or installs) the CRDs,
 * makes a uniquely named namespace for the run, and deletes what it made at the end. It
 * never resets the cluster and tolerates whatever else is on it.
 *
 * @module
 */
import { systemClock } from "../../core/clock.ts";
import type { JsonObject } from "../../core/json.ts";
import { isAlreadyExists, isForbidden, isNotFound } from "../../client/kube_api_error.ts";
import { KubeClient } from "../../client/kube_client.ts";
import type { RestJsonValue } from "../../client/rest_client.ts";
import { type FetchTransport, fetchTransport } from "../../client/transport.ts";
import type { ClusterConnection } from "../../client/connection.ts";
import { loadConnection } from "../../client/config/load.ts";
import { fail } from "./_checks.ts";
import type { ConformanceTarget } from "./conformance_options.ts";
import { ControllerRequests, type KitResource, type KitTarget, type Reference } from "./_target.ts";

/** A CRD the kit needs, and the object to install it from. */
export interface NeededCrd {
  /** What it is, for messages (such as `cert-manager's CertificateRequest CRD`). */
  label: string;
  group: string;
  version: string;
  plural: string;
  crd: JsonObject;
}

const CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const POLL_MS = 50;

function randomSuffix(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const clock = systemClock;

/** A cluster from a kubeconfig as a target. Use {@linkcode ClusterTarget.open}. */
export class ClusterTarget implements KitTarget {
  readonly description: string;
  readonly isFake = false;
  readonly requests = new ControllerRequests();
  readonly namespace: string;
  readonly prefix: string;
  readonly settleTurnMs = 25;
  readonly client: KubeClient;
  readonly controllerClient: KubeClient;
  readonly #connection: ClusterConnection;
  readonly #transports: FetchTransport[] = [];
  readonly #clients: KubeClient[] = [];
  /** Paths of objects to delete at the end, newest last. */
  readonly #made: string[] = [];
  #requesters = 0;
  #requesterRole = false;

  private constructor(connection: ClusterConnection, description: string) {
    this.#connection = connection;
    this.description = description;
    this.prefix = `conformance-${randomSuffix()}`;
    this.namespace = this.prefix;
    this.client = KubeClient.fromConnection(connection);
    const transport = fetchTransport(connection);
    this.#transports.push(transport);
    this.controllerClient = new KubeClient(connection.server, this.requests.wrap(transport));
  }

  /**
   * Connects to the cluster, checks that it serves `crds` (installing the missing ones
   * when `target.installCrds`), and makes the run's namespace and `namespaces`.
   *
   * @throws {CaseFailure} Naming the CRDs the cluster does not serve.
   */
  static async open(
    target: ConformanceTarget,
    crds: readonly NeededCrd[],
    namespaces: readonly string[],
    timeoutMs: number,
  ): Promise<ClusterTarget> {
    let connection: ClusterConnection;
    try {
      connection = await loadConnection({
        kubeconfig: target.kubeconfig,
        ...(target.context !== undefined ? { context: target.context } : {}),
      });
    } catch (error) {
      fail(`the kit cannot use the kubeconfig ${target.kubeconfig}: ${errorText(error)}`);
    }
    const where = `the cluster ${connection.server} (kubeconfig ${target.kubeconfig}${
      target.context !== undefined ? `, context ${target.context}` : ""
    })`;
    const kit = new ClusterTarget(connection, where);
    try {
      await kit.#ensureCrds(crds, target.installCrds === true, timeoutMs);
      await kit.#createNamespace(kit.namespace, true);
      for (const ns of namespaces) await kit.#createNamespace(ns, false);
    } catch (error) {
      await kit.close();
      throw error;
    }
    return kit;
  }

  async #serves(crd: NeededCrd): Promise<boolean> {
    try {
      const list = await this.client.performRequest({
        method: "GET",
        path: `/apis/${crd.group}/${crd.version}`,
        expectJson: true,
      }) as { resources?: { name?: string }[] };
      return (list.resources ?? []).some((r) => r.name === crd.plural);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async #ensureCrds(crds: readonly NeededCrd[], install: boolean, timeoutMs: number) {
    const missing: NeededCrd[] = [];
    for (const crd of crds) if (!(await this.#serves(crd))) missing.push(crd);
    if (missing.length === 0) return;
    const names = missing.map((c) => `${c.plural}.${c.group}/${c.version} (${c.label})`);
    if (!install) {
      fail(
        `${this.description} does not serve ${names.join(", ")}: install ${
          missing.length === 1 ? "that CRD" : "those CRDs"
        } first, or set target.installCrds to let the kit install them for the run`,
      );
    }
    for (const crd of missing) {
      try {
        await this.client.performRequest({
          method: "POST",
          path: CRDS_PATH,
          bodyJson: crd.crd as RestJsonValue,
          expectJson: true,
        });
        this.#made.push(`${CRDS_PATH}/${crd.plural}.${crd.group}`);
      } catch (error) {
        if (!isAlreadyExists(error)) {
          fail(`installing the CRD ${crd.plural}.${crd.group} failed: ${errorText(error)}`);
        }
      }
    }
    const deadline = clock.now() + timeoutMs;
    for (const crd of missing) {
      while (!(await this.#serves(crd))) {
        if (clock.now() > deadline) {
          fail(
            `${this.description} did not serve ${crd.plural}.${crd.group} within ${timeoutMs} ms`,
          );
        }
        await clock.sleep(POLL_MS);
      }
    }
  }

  async #createNamespace(name: string, mustBeNew: boolean): Promise<void> {
    try {
      await this.client.performRequest({
        method: "POST",
        path: "/api/v1/namespaces",
        bodyJson: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
        expectJson: true,
      });
      this.#made.push(`/api/v1/namespaces/${name}`);
    } catch (error) {
      if (!isAlreadyExists(error) || mustBeNew) {
        fail(`creating the namespace ${name} on ${this.description} failed: ${errorText(error)}`);
      }
    }
  }

  async waitFor(
    resource: KitResource,
    namespace: string,
    name: string,
    predicate: (object: JsonObject | undefined) => boolean,
    timeoutMs: number,
  ): Promise<{ held: boolean; last: JsonObject | undefined }> {
    const scope = resource.namespaced ? `/namespaces/${namespace}` : "";
    const path = `${resource.apiPath}${scope}/${resource.plural}/${name}`;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      let last: JsonObject | undefined;
      try {
        last = await this.client.performRequest({ method: "GET", path, expectJson: true }) as
          | JsonObject
          | undefined;
      } catch (error) {
        if (!isNotFound(error)) throw error;
        last = undefined;
      }
      if (predicate(last)) return { held: true, last };
      if (clock.now() > deadline) return { held: false, last };
      await clock.sleep(POLL_MS);
    }
  }

  async #create(path: string, body: JsonObject, clusterScoped: boolean): Promise<void> {
    await this.client.performRequest({
      method: "POST",
      path,
      bodyJson: body as RestJsonValue,
      expectJson: true,
    });
    const name = (body.metadata as { name: string }).name;
    if (clusterScoped) this.#made.push(`${path}/${name}`);
  }

  /** Waits until the cluster's authorizer allows `user` to do what `attributes` say. */
  async #waitAllowed(user: string, attributes: JsonObject, timeoutMs: number): Promise<void> {
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const review = await this.client.performRequest({
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        bodyJson: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: { user, groups: ["system:authenticated"], resourceAttributes: attributes },
        } as RestJsonValue,
        expectJson: true,
      }) as { status?: { allowed?: boolean } };
      if (review.status?.allowed === true) return;
      if (clock.now() > deadline) {
        fail(`the RBAC the kit made for ${user} did not take effect within ${timeoutMs} ms`);
      }
      await clock.sleep(POLL_MS);
    }
  }

  async requesterClient(username: string, reference: Reference | undefined): Promise<KubeClient> {
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    const role = `${this.prefix}-csr-requester`;
    if (!this.#requesterRole) {
      await this.#create(`${rbac}/clusterroles`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: role },
        rules: [{
          apiGroups: ["certificates.k8s.io"],
          resources: ["certificatesigningrequests"],
          verbs: ["create", "get"],
        }],
      }, true);
      this.#requesterRole = true;
    }
    const binding = `${this.prefix}-requester-${++this.#requesters}`;
    const subjects = [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: username }];
    await this.#create(`${rbac}/clusterrolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: binding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects,
    }, true);
    const timeoutMs = 30_000;
    await this.#waitAllowed(username, {
      group: "certificates.k8s.io",
      resource: "certificatesigningrequests",
      verb: "create",
    }, timeoutMs);
    if (reference) {
      const path = `${rbac}/namespaces/${reference.namespace}`;
      await this.#create(`${path}/roles`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: binding, namespace: reference.namespace },
        rules: [{
          apiGroups: [reference.group],
          resources: ["signers"],
          verbs: ["reference"],
          resourceNames: [reference.name],
        }],
      }, false);
      await this.#create(`${path}/rolebindings`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: binding, namespace: reference.namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: binding },
        subjects,
      }, false);
      await this.#waitAllowed(username, {
        group: reference.group,
        resource: "signers",
        verb: "reference",
        namespace: reference.namespace,
        name: reference.name,
        version: "*",
      }, timeoutMs);
    }
    const transport = fetchTransport(this.#connection);
    this.#transports.push(transport);
    const client = new KubeClient(this.#connection.server, (request) => {
      const impersonated = new Request(request);
      impersonated.headers.set("Impersonate-User", username);
      return transport(impersonated);
    });
    this.#clients.push(client);
    return client;
  }

  track(path: string): void {
    this.#made.push(path);
  }

  async close(): Promise<void> {
    const problems: string[] = [];
    for (const path of this.#made.reverse()) {
      try {
        await this.client.performRequest({ method: "DELETE", path, expectJson: true });
      } catch (error) {
        if (!isNotFound(error)) {
          problems.push(`${path}: ${isForbidden(error) ? "forbidden: " : ""}${errorText(error)}`);
        }
      }
    }
    for (const client of [this.client, this.controllerClient, ...this.#clients]) client.close();
    for (const transport of this.#transports) transport.close();
    if (problems.length > 0) {
      throw new Error(
        `the conformance kit could not delete what it made on ${this.description}: ${
          problems.join("; ")
        }`,
      );
    }
  }
}
