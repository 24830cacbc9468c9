/**
 * Integration-test harness of the issuer controllers: a fake API server with the
 * CertificateRequest CRD and CRDs for the test issuer kinds, a manager with the
 * controllers on a fake clock, and helpers to create, approve and wait for objects.
 *
 * @module
 */

import { strict as assert } from "node:assert";
import type { JsonObject } from "../core/json.ts";
import { formatTime } from "../core/time.ts";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { ApplyConfiguration } from "../client/resource_options.ts";
import { Manager } from "../runtime/manager.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer, FakeClock } from "../testing/mod.ts";
import type { UserInfo } from "../testing/mod.ts";
import { FakeEventRecorder } from "../testing/fake_event_recorder.ts";
import { generateCa } from "./certificate/generate_ca.ts";
import { generateCsr } from "./certificate/generate_csr.ts";
import { certificateDetailsFromCertificateRequest } from "./certificate/certificate_details.ts";
import { certificateTemplate } from "./certificate/certificate_template.ts";
import { signCertificate } from "./certificate/sign_with_ca.ts";
import type { ConditionLike } from "./conditions.ts";
import {
  IssuerControllers,
  type IssuerControllersOptions,
  type IssuerControllersParts,
} from "./issuer_controllers.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import { issuerTypeCrd } from "./issuer_type_crd.ts";
import {
  CERTIFICATE_REQUESTS,
  CERTIFICATE_SIGNING_REQUESTS,
  issuerResource,
} from "./_resources.ts";
import { testClusterIssuer, testIssuer } from "./_test_fixtures.ts";

export { testClusterIssuer, testIssuer };

/** A CRD for an issuer type. */
export function issuerCrd(type: IssuerType): JsonObject {
  return issuerTypeCrd(type);
}

/** A CA, a CSR and a certificate for it: what the test signers return. */
export interface TestPki {
  /** The CA certificate. */
  caPem: string;
  /** The CA key. */
  caKeyPem: string;
  /** A CSR (ECDSA P-256, `CN=test`). */
  csrPem: string;
  /** A certificate for that CSR, signed by the CA. */
  chainPem: string;
}

let pki: Promise<TestPki> | undefined;

/** The shared test PKI (made once per test process). */
export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    const now = Date.UTC(2024, 0, 1);
    const ca = await generateCa({ commonName: "Test CA", now });
    const { csrPem } = await generateCsr({ subject: "CN=test", dnsNames: ["test.example"] });
    const details = certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem) } });
    const signed = await signCertificate(await certificateTemplate(details, now), {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
    });
    return { caPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, chainPem: signed.chainPem };
  })();
  return pki;
}

/** Options of {@linkcode TestEnv.start}. */
export interface TestEnvOptions {
  /** The controller options; `issuerTypes`, `check` and `sign` have test defaults. */
  controllers?: Partial<IssuerControllersOptions>;
  /** Which controllers to run (default all). */
  parts?: IssuerControllersParts;
  /** Namespaces to create besides the defaults. */
  namespaces?: string[];
  /** Zero-delay retries (default `true`); `false` keeps the given or default limiter. */
  instantRetries?: boolean;
}

const CR_RESOURCE = "certificaterequests.cert-manager.io";

/** A running fake cluster with the issuer controllers. */
export class TestEnv implements AsyncDisposable {
  /** The fake clock of the server, client and controllers. */
  readonly clock: FakeClock;
  /** The fake API server. */
  readonly server: FakeApiServer;
  /** The admin client the controllers use. */
  readonly client: KubeClient;
  /** The events the controllers recorded. */
  readonly recorder: FakeEventRecorder;
  /** The manager. */
  readonly manager: Manager;
  /** The controllers. */
  readonly controllers: IssuerControllers;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  private constructor(options: TestEnvOptions, pki: TestPki) {
    this.clock = new FakeClock(Date.UTC(2024, 0, 1));
    const types = options.controllers?.issuerTypes ?? [testIssuer, testClusterIssuer];
    this.server = new FakeApiServer({
      clock: this.clock,
      crds: [CERTIFICATE_REQUESTS_CRD, ...types.map(issuerCrd)],
      namespaces: ["ns1", "clusterissuer", ...(options.namespaces ?? [])],
    });
    this.client = new KubeClient("http://fake", this.server.fetch, {
      clock: this.clock,
      timeoutMs: 0,
    });
    this.recorder = new FakeEventRecorder();
    this.manager = new Manager({ client: this.client, clock: this.clock });
    this.controllers = new IssuerControllers({
      issuerTypes: types,
      fieldManager: "test-field-manager",
      check: () => Promise.resolve(),
      sign: () => Promise.resolve({ chainPem: pki.chainPem }),
      eventRecorder: this.recorder,
      ...(options.instantRetries === false
        ? {}
        : { rateLimiter: () => ({ when: () => 0, forget: () => {}, retries: () => 0 }) }),
      ...options.controllers,
    });
    this.controllers.addTo(this.manager, options.parts ?? {});
  }

  /**
   * Starts a fake cluster with the controllers.
   *
   * @param options Controller options and which parts to run.
   * @returns The running environment; dispose it to stop.
   */
  static async start(options: TestEnvOptions = {}): Promise<TestEnv> {
    const env = new TestEnv(options, await testPki());
    env.#running = env.manager.start(env.#stop.signal);
    await env.manager.informers.synced();
    return env;
  }

  /** Stops the controllers and the server. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    this.client.close();
    await this.server.close();
  }

  /** Same as {@linkcode TestEnv.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** The current fake time as a condition timestamp. */
  get nowText(): string {
    return formatTime(this.clock.now());
  }

  /** Creates a CertificateRequest (not approved). */
  async createCertificateRequest(
    namespace: string,
    name: string,
    issuerRef: { name: string; kind?: string; group?: string },
    options: { csrPem?: string; annotations?: Record<string, string> } = {},
  ): Promise<void> {
    const csrPem = options.csrPem ?? (await testPki()).csrPem;
    await new ResourceClient(this.client, CERTIFICATE_REQUESTS).create({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: {
        name,
        namespace,
        ...(options.annotations ? { annotations: options.annotations } : {}),
      },
      spec: { issuerRef, request: btoa(csrPem) },
    });
  }

  /** Sets a condition on a CertificateRequest as another field manager (an approver). */
  async setRequestCondition(
    namespace: string,
    name: string,
    condition: { type: string; status: string; reason?: string; message?: string },
    fieldManager = "approver",
  ): Promise<void> {
    await new ResourceClient(this.client, CERTIFICATE_REQUESTS).applyStatus({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name, namespace },
      status: {
        conditions: [{
          reason: condition.type,
          message: `${condition.type} by ${fieldManager}`,
          ...condition,
          lastTransitionTime: this.nowText,
        } as never],
      },
    } as ApplyConfiguration<KubeObject> as never, { fieldManager, force: true });
  }

  /** Approves a CertificateRequest (Approved=True by the `approver` field manager). */
  async approve(namespace: string, name: string): Promise<void> {
    await this.setRequestCondition(namespace, name, { type: "Approved", status: "True" });
  }

  /** Creates a Kubernetes CSR (as `client`, default the admin) for a signer. */
  async createCsr(
    name: string,
    signerName: string,
    options: { client?: KubeClient; csrPem?: string; usages?: string[] } = {},
  ): Promise<void> {
    const csrPem = options.csrPem ?? (await testPki()).csrPem;
    await new ResourceClient(options.client ?? this.client, CERTIFICATE_SIGNING_REQUESTS).create({
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name },
      spec: {
        signerName,
        request: btoa(csrPem),
        usages: options.usages ?? ["digital signature", "key encipherment", "server auth"],
      },
    });
  }

  /** Approves a CSR through its `/approval` subresource. */
  async approveCsr(name: string): Promise<void> {
    await this.client.performRequest({
      method: "PATCH",
      path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`,
      contentType: "application/merge-patch+json",
      bodyJson: {
        status: {
          conditions: [{ type: "Approved", status: "True", reason: "Test", message: "test" }],
        },
      },
      expectJson: true,
    });
  }

  /** Creates an issuer without status. */
  async createIssuer(
    type: IssuerType,
    namespace: string,
    name: string,
    metadata: { annotations?: Record<string, string> } = {},
  ): Promise<IssuerObject> {
    return await new ResourceClient(this.client, issuerResource(type)).create({
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: { name, ...(type.namespaced ? { namespace } : {}), ...metadata },
      spec: { url: "https://ca.example" },
    });
  }

  /** Applies Ready=True/Checked at the issuer's generation, as the test's own manager. */
  async markIssuerReady(type: IssuerType, namespace: string, name: string): Promise<void> {
    const issuers = new ResourceClient(this.client, issuerResource(type));
    const current = await issuers.get(name, type.namespaced ? { namespace } : {});
    await issuers.applyStatus({
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: { name, ...(type.namespaced ? { namespace } : {}) },
      status: {
        conditions: [{
          type: "Ready",
          status: "True",
          reason: "Checked",
          message: "Succeeded checking the issuer",
          observedGeneration: current.metadata.generation ?? 0,
          lastTransitionTime: this.nowText,
        }],
      },
    }, { fieldManager: "test", force: true });
  }

  /** Waits until a CertificateRequest satisfies `predicate` (10 s of real time at most). */
  async waitForRequest(
    namespace: string,
    name: string,
    predicate: (cr: JsonObject | undefined) => boolean,
  ): Promise<JsonObject> {
    const found = await this.server.waitFor(CR_RESOURCE, namespace, name, predicate, {
      timeoutMs: 10_000,
    });
    assert.ok(found !== undefined);
    return found;
  }

  /** Waits until the request's Ready condition has this message. */
  async waitForReadyMessage(namespace: string, name: string, message: string): Promise<JsonObject> {
    return await this.waitForRequest(
      namespace,
      name,
      (cr) => conditionOf(cr, "Ready")?.message === message,
    );
  }

  /** Waits until an issuer satisfies `predicate`. */
  async waitForIssuer(
    type: IssuerType,
    namespace: string,
    name: string,
    predicate: (issuer: JsonObject | undefined) => boolean,
  ): Promise<JsonObject> {
    const found = await this.server.waitFor(
      `${type.plural}.${type.group}`,
      type.namespaced ? namespace : "",
      name,
      predicate,
      { timeoutMs: 10_000 },
    );
    assert.ok(found !== undefined);
    return found;
  }

  /** Waits until a CSR satisfies `predicate`. */
  async waitForCsr(
    name: string,
    predicate: (csr: JsonObject | undefined) => boolean,
  ): Promise<JsonObject> {
    const found = await this.server.waitFor(
      `${CERTIFICATE_SIGNING_REQUESTS.plural}.${CERTIFICATE_SIGNING_REQUESTS.group}`,
      "",
      name,
      predicate,
      { timeoutMs: 10_000 },
    );
    assert.ok(found !== undefined);
    return found;
  }

  /** How many status writes the controllers sent (their field manager's patches of `/status`). */
  statusWrites(
    resource = "certificaterequests",
    name?: string,
  ): number {
    return this.server.requests.entries({
      verb: "patch",
      resource,
      subresource: "status",
      ...(name ? { name } : {}),
    }).filter((r) => r.fieldManager === "test-field-manager").length;
  }

  /**
   * Lets in-process work settle: yields to the event loop until no request was answered
   * for a while (no fake time passes).
   */
  async quiet(turns = 30): Promise<void> {
    let last = -1;
    let stable = 0;
    while (stable < turns) {
      await new Promise<void>((r) => setTimeout(r, 0));
      const seq = this.server.requests.lastSeq;
      stable = seq === last ? stable + 1 : 0;
      last = seq;
    }
  }

  /**
   * Records every state an object goes through from now on (until disposed).
   *
   * @param resource `plural.group`.
   * @param namespace The namespace (`""` for cluster-scoped).
   * @param name The name.
   * @returns The states seen, and a disposer.
   */
  history(resource: string, namespace: string, name: string): History {
    const states: JsonObject[] = [];
    const stop = new AbortController();
    this.server.waitFor(resource, namespace, name, (object) => {
      if (object !== undefined) states.push(object);
      return false;
    }, { signal: stop.signal }).catch(() => {});
    return { states, [Symbol.dispose]: () => stop.abort() };
  }

  /** Records the states of a CertificateRequest. */
  requestHistory(namespace: string, name: string): History {
    return this.history(CR_RESOURCE, namespace, name);
  }

  /** A client that acts as `user` (its token is registered on the server). */
  clientAs(user: UserInfo): KubeClient {
    const token = `token-${crypto.randomUUID()}`;
    this.server.addToken(token, user);
    return new KubeClient("http://fake", (request) => {
      const headers = new Headers(request.headers);
      headers.set("authorization", `Bearer ${token}`);
      return this.server.fetch(new Request(request, { headers }));
    }, { clock: this.clock, timeoutMs: 0 });
  }
}

/** The states an object went through; dispose to stop recording. */
export interface History extends Disposable {
  /** Every state, oldest first. */
  states: JsonObject[];
}

/** The Ready messages of a history, without repeats. */
export function readyMessages(history: History): string[] {
  const out: string[] = [];
  for (const state of history.states) {
    const message = conditionOf(state, "Ready")?.message;
    if (message !== undefined && out.at(-1) !== message) out.push(message);
  }
  return out;
}

/** A condition of an object read from the server. */
export function conditionOf(
  object: JsonObject | undefined,
  type: string,
): ConditionLike | undefined {
  const status = object?.status as { conditions?: ConditionLike[] } | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

/** The conditions of an object as `type=status` strings, in order. */
export function conditionTypes(object: JsonObject | undefined): string[] {
  const status = object?.status as { conditions?: ConditionLike[] } | undefined;
  return (status?.conditions ?? []).map((c) => `${c.type}=${c.status}`);
}
