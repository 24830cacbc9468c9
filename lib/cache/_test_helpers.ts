/**
 * Test helpers of the cache: a fake API server serving CertificateRequests on a fake
 * clock with a client on the same clock, CertificateRequest manifests, and a way to
 * wait for a condition by letting the event loop and the fake clock run.
 *
 * @module
 */
import type { JsonObject } from "../core/json.ts";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import { ResourceClient } from "../client/resource_client.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer, FakeClock } from "../testing/mod.ts";

/** The fields of a CertificateRequest the tests use. */
export interface CertificateRequest extends KubeObject {
  spec: {
    request: string;
    issuerRef: { name: string; kind?: string; group?: string };
    usages?: string[];
  };
  status?: { certificate?: string; conditions?: { type: string; status: string }[] };
}

/** cert-manager's CertificateRequests. */
export const CERTIFICATE_REQUESTS: ResourceDescriptor<CertificateRequest> = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};

/** The fake's name of the resource. */
export const CRS = "certificaterequests.cert-manager.io";

/** A CertificateRequest manifest in `ns` for the issuer `issuer`. */
export function certificateRequest(
  name: string,
  options: { namespace?: string; issuer?: string; labels?: Record<string, string> } = {},
): JsonObject {
  const metadata: JsonObject = { name, namespace: options.namespace ?? "default" };
  if (options.labels) metadata.labels = options.labels;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata,
    spec: {
      request: btoa(
        `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n`,
      ),
      issuerRef: { name: options.issuer ?? "ca", kind: "Issuer", group: "cert-manager.io" },
    },
  };
}

/** A fake API server with the CertificateRequest CRD, a client and a typed client, on one fake clock. */
export interface Fixture extends AsyncDisposable {
  clock: FakeClock;
  server: FakeApiServer;
  client: KubeClient;
  crs: ResourceClient<CertificateRequest>;
}

/** Starts a {@linkcode Fixture}; dispose it to close the server. */
export function fixture(options: { namespaces?: string[] } = {}): Fixture {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({
    clock,
    random: () => 0.5,
    crds: [CERTIFICATE_REQUESTS_CRD],
    namespaces: options.namespaces ?? ["team-a"],
  });
  const client = new KubeClient("http://fake", server.fetch, {
    clock,
    random: () => 0,
    retry: false,
  });
  const crs = new ResourceClient(client, CERTIFICATE_REQUESTS);
  return {
    clock,
    server,
    client,
    crs,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

/** Lets pending promise continuations and zero-delay tasks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setTimeout(r, 0));
}

/**
 * Waits until `condition` holds, letting the event loop run and, with `clock`, moving
 * the fake clock from sleep to sleep. Fails with `what` after `rounds` tries.
 */
export async function until(
  condition: () => boolean,
  what: string,
  options: { clock?: FakeClock; rounds?: number } = {},
): Promise<void> {
  const rounds = options.rounds ?? 200;
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    if (options.clock && i % 4 === 3) await options.clock.runNext();
    else await settle();
  }
  if (!condition()) throw new Error(`until: ${what} did not happen within ${rounds} rounds`);
}

/** Consumes `values` in the background into an array; `done` settles when they end. */
export function collect<V>(values: AsyncIterable<V>): { seen: V[]; done: Promise<void> } {
  const seen: V[] = [];
  const done = (async () => {
    for await (const value of values) seen.push(value);
  })();
  return { seen, done };
}
