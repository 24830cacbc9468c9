/**
 * Where the conformance kit runs: the cluster the cases talk to, behind one interface with
 * two implementations — a fresh in-memory fake API server (this file) and any cluster from
 * a kubeconfig (`_cluster_target.ts`).
 *
 * @module
 */
import type { JsonObject } from "../../core/json.ts";
import { KubeClient } from "../../client/kube_client.ts";
import type { Transport } from "../../client/transport.ts";
import { FakeApiServer } from "../apiserver/fake_api_server.ts";

/** What the kit needs to know about a resource to wait on its objects. */
export interface KitResource {
  /** `<plural>.<group>` (`<plural>` for the core group). */
  resource: string;
  /** The API path prefix, such as `/apis/cert-manager.io/v1`. */
  apiPath: string;
  /** The plural. */
  plural: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
}

/** Who may reference which namespaced issuer (the namespaced-CSR cases). */
export interface Reference {
  /** The issuer type's API group. */
  group: string;
  /** The issuer's namespace. */
  namespace: string;
  /** The issuer's name. */
  name: string;
}

/** A request the controllers' client sent. */
export interface SentRequest {
  method: string;
  path: string;
}

/**
 * Counts the requests of the controllers' client (its own transport), so the kit can tell
 * when in-process work has settled and which writes an issuer made, on any target.
 */
export class ControllerRequests {
  /** Changes whenever a request starts or ends. */
  seq = 0;
  /** Requests without an answer yet (watches excluded). */
  inFlight = 0;
  /** Every request sent, oldest first. */
  readonly sent: SentRequest[] = [];

  /** Wraps `inner` to count through this log. */
  wrap(inner: Transport): Transport {
    return async (request) => {
      const url = new URL(request.url);
      const watch = url.searchParams.get("watch") === "true" ||
        url.searchParams.get("watch") === "1";
      this.sent.push({ method: request.method, path: url.pathname });
      this.seq++;
      if (!watch) this.inFlight++;
      try {
        return await inner(request);
      } finally {
        if (!watch) this.inFlight--;
        this.seq++;
      }
    };
  }

  /** Status writes (`PATCH`/`PUT` on `…/<plural>/<name>/status`) sent for an object. */
  statusWrites(plural: string, name: string): number {
    const suffix = `/${plural}/${name}/status`;
    return this.sent.filter((r) =>
      (r.method === "PATCH" || r.method === "PUT") && r.path.endsWith(suffix)
    ).length;
  }
}

/** The cluster a conformance run talks to. */
export interface KitTarget {
  /** Says where the kit runs, for messages. */
  readonly description: string;
  /** `true` for the in-memory fake API server. */
  readonly isFake: boolean;
  /** The admin client the kit and `createIssuer` use. */
  readonly client: KubeClient;
  /** The client of the library's controllers (counted in {@linkcode KitTarget.requests}). */
  readonly controllerClient: KubeClient;
  /** What the controllers' client sent. */
  readonly requests: ControllerRequests;
  /** The kit's namespace for this run. */
  readonly namespace: string;
  /** The prefix of the kit's cluster-scoped object names for this run. */
  readonly prefix: string;
  /** How long one turn of {@linkcode KitTarget.settle} waits, in milliseconds. */
  readonly settleTurnMs: number;
  /**
   * Waits until `predicate` holds for the object (or `undefined` when it does not exist),
   * for at most `timeoutMs`. Returns whether it held and the object last seen.
   */
  waitFor(
    resource: KitResource,
    namespace: string,
    name: string,
    predicate: (object: JsonObject | undefined) => boolean,
    timeoutMs: number,
  ): Promise<{ held: boolean; last: JsonObject | undefined }>;
  /**
   * A client acting as a user that may create and read CSRs and, with `reference`,
   * reference that namespaced issuer as a signer.
   */
  requesterClient(username: string, reference: Reference | undefined): Promise<KubeClient>;
  /** Remembers a cluster-scoped object to delete at the end. */
  track(path: string): void;
  /** Deletes what the kit made and closes the clients. */
  close(): Promise<void>;
}

/** The in-memory fake API server as a target: fresh for the run, closed at the end. */
export class FakeTarget implements KitTarget {
  readonly description = "the in-memory fake API server";
  readonly isFake = true;
  readonly server: FakeApiServer;
  readonly client: KubeClient;
  readonly controllerClient: KubeClient;
  readonly requests = new ControllerRequests();
  readonly namespace = "conformance";
  readonly prefix = "conformance";
  readonly settleTurnMs = 0;
  #tokens = 0;
  readonly #clients: KubeClient[] = [];

  constructor(crds: readonly JsonObject[], namespaces: readonly string[]) {
    this.server = new FakeApiServer({ crds, namespaces: [this.namespace, ...namespaces] });
    this.client = new KubeClient("http://fake", this.server.fetch, { timeoutMs: 0 });
    this.controllerClient = new KubeClient("http://fake", this.requests.wrap(this.server.fetch), {
      timeoutMs: 0,
    });
  }

  async waitFor(
    resource: KitResource,
    namespace: string,
    name: string,
    predicate: (object: JsonObject | undefined) => boolean,
    timeoutMs: number,
  ): Promise<{ held: boolean; last: JsonObject | undefined }> {
    const ns = resource.namespaced ? namespace : "";
    try {
      const found = await this.server.waitFor(resource.resource, ns, name, predicate, {
        timeoutMs,
      });
      return { held: true, last: found };
    } catch {
      return { held: false, last: this.server.get(resource.resource, ns, name) };
    }
  }

  requesterClient(username: string, reference: Reference | undefined): Promise<KubeClient> {
    const token = `conformance-requester-${++this.#tokens}`;
    this.server.addToken(token, { username, groups: ["system:authenticated"] });
    this.server.grant(username, [
      {
        apiGroups: ["certificates.k8s.io"],
        resources: ["certificatesigningrequests"],
        verbs: ["create", "get"],
      },
      ...(reference
        ? [{
          apiGroups: [reference.group],
          resources: ["signers"],
          verbs: ["reference"],
          resourceNames: [reference.name],
          namespaces: [reference.namespace],
        }]
        : []),
    ]);
    const client = new KubeClient("http://fake", (request) => {
      const authorized = new Request(request);
      authorized.headers.set("authorization", `Bearer ${token}`);
      return this.server.fetch(authorized);
    }, { timeoutMs: 0 });
    this.#clients.push(client);
    return Promise.resolve(client);
  }

  track(_path: string): void {}

  async close(): Promise<void> {
    for (const client of [this.client, this.controllerClient, ...this.#clients]) client.close();
    await this.server.close();
  }
}
