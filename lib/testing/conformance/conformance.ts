/**
 * A conformance kit for issuers: runs an issuer author's `check` and `sign` through the
 * issuer controllers on a fake API server and checks, case by case, that requests of
 * every shape end as cert-manager expects.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { JsonObject } from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import { KubeClient } from "../../client/kube_client.ts";
import type { KubeObject } from "../../client/object.ts";
import { ResourceClient } from "../../client/resource_client.ts";
import type { ApplyConfiguration } from "../../client/resource_options.ts";
import { Manager } from "../../runtime/manager.ts";
import { ExponentialFailureRateLimiter } from "../../runtime/rate_limiter.ts";
import { PermanentError } from "../../issuer/errors.ts";
import { IssuerControllers } from "../../issuer/issuer_controllers.ts";
import type { CheckFunction, SignFunction } from "../../issuer/issuer_functions.ts";
import type { IssuerType } from "../../issuer/issuer_type.ts";
import { issuerTypeCrd } from "../../issuer/issuer_type_crd.ts";
import { generateCsr } from "../../issuer/certificate/generate_csr.ts";
import type { KeyAlgorithm } from "../../issuer/certificate/generate_ca.ts";
import { FakeApiServer } from "../apiserver/fake_api_server.ts";
import { CERTIFICATE_REQUESTS_CRD } from "../crds/certificate_requests_crd.ts";
import { FakeEventRecorder } from "../fake_event_recorder.ts";

/**
 * A feature an issuer's CA may not support; cases that need it are skipped, saying so.
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
  | "kubernetesCsr";

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
 * What the kit gives `createIssuer`.
 *
 * @example Reading the context
 * ```ts
 * import type { ConformanceContext } from "@certkit/issuer-lib/testing";
 *
 * const describe = (ctx: ConformanceContext) => `${ctx.namespace}/${ctx.name}`;
 * console.assert(typeof describe === "function");
 * ```
 */
export interface ConformanceContext {
  /** An admin client of the target cluster. */
  client: KubeClient;
  /** The namespace the kit's CertificateRequests are created in. */
  namespace: string;
  /** A fresh name to give the issuer. */
  name: string;
  /** `true` when the issuer is for Kubernetes CSRs (make a cluster-scoped one). */
  forKubernetesCsrs: boolean;
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
  /** Removes what `createIssuer` made (called after the last case). */
  cleanup?: () => Promise<void>;
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
  /** Namespaces to create on the fake API server besides `conformance`. */
  namespaces?: readonly string[];
  /** How long to wait for each outcome, in real milliseconds (default 10 000). */
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

const NAMESPACE = "conformance";
const CR_RESOURCE = "certificaterequests.cert-manager.io";
const CSR_RESOURCE = "certificatesigningrequests.certificates.k8s.io";
const CERTIFICATE_REQUESTS = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
} as const;
const CERTIFICATE_SIGNING_REQUESTS = {
  group: "certificates.k8s.io",
  version: "v1",
  plural: "certificatesigningrequests",
  kind: "CertificateSigningRequest",
  namespaced: false,
} as const;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

function conditionOf(object: JsonObject | undefined, type: string): Condition | undefined {
  const status = object?.status as { conditions?: Condition[] } | undefined;
  return status?.conditions?.find((c) => c.type === type);
}

function statusField(object: JsonObject | undefined, field: string): string | undefined {
  const value = (object?.status as Record<string, unknown> | undefined)?.[field];
  return typeof value === "string" ? value : undefined;
}

/** A case's failure: its message is the case's message. */
class CaseFailure extends Error {
  override name = "CaseFailure";
}

function fail(message: string): never {
  throw new CaseFailure(message);
}

/** What a CR or CSR case requests. */
interface RequestShape {
  keyAlgorithm?: KeyAlgorithm;
  subject?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  usages?: string[];
  durationMs?: number;
  isCA?: boolean;
}

interface CaseDefinition {
  name: string;
  needs?: ConformanceFeature[];
  run: (env: KitEnv) => Promise<void>;
}

function goDuration(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

function parseChain(pem: string): x509.X509Certificate[] {
  const blocks = x509.PemConverter.decode(pem);
  return blocks.map((b) => new x509.X509Certificate(b));
}

function bytesEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function sorted(values: readonly string[]): string {
  return JSON.stringify([...values].sort());
}

function subjectAltNames(cert: x509.X509Certificate): Record<string, string[]> {
  const out: Record<string, string[]> = { dns: [], ip: [], url: [], email: [] };
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const name of ext?.names.items ?? []) out[name.type]?.push(name.value);
  return out;
}

const DIGITAL_SIGNATURE = x509.KeyUsageFlags.digitalSignature;

/** The running kit: a fake cluster, the controllers and the author's issuers. */
class KitEnv {
  readonly server: FakeApiServer;
  readonly client: KubeClient;
  readonly recorder = new FakeEventRecorder();
  readonly manager: Manager;
  readonly faults = new Map<string, "transient" | "permanent">();
  readonly signCalls = new Map<string, number>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #count = 0;
  issuer: ConformanceIssuer | undefined;
  csrIssuer: ConformanceIssuer | undefined;
  issuerReady = false;

  constructor(readonly options: ConformanceOptions<JsonObject>) {
    this.server = new FakeApiServer({
      crds: [CERTIFICATE_REQUESTS_CRD, ...options.issuerTypes.map((t) => issuerTypeCrd(t))],
      namespaces: [NAMESPACE, ...(options.namespaces ?? [])],
    });
    this.client = new KubeClient("http://fake", this.server.fetch, { timeoutMs: 0 });
    this.manager = new Manager({ client: this.client });
    const sign: SignFunction<JsonObject> = (request, issuer, ctx) => {
      const name = request.metadata.name ?? "";
      this.signCalls.set(name, (this.signCalls.get(name) ?? 0) + 1);
      const fault = this.faults.get(name);
      if (fault === "transient") {
        this.faults.delete(name);
        return Promise.reject(new Error("conformance: injected transient sign failure"));
      }
      if (fault === "permanent") {
        return Promise.reject(new PermanentError("conformance: injected permanent sign failure"));
      }
      return options.sign(request, issuer, ctx);
    };
    new IssuerControllers<JsonObject>({
      issuerTypes: options.issuerTypes,
      fieldManager: options.fieldManager,
      check: options.check,
      sign,
      eventRecorder: this.recorder,
      // Quick retries that still let timers run (a failing check must not spin).
      rateLimiter: () => new ExponentialFailureRateLimiter<string>(1, 100),
    }).addTo(this.manager);
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  async start(): Promise<void> {
    this.#running = this.manager.start(this.#stop.signal);
    await this.manager.informers.synced();
  }

  async stop(): Promise<void> {
    for (const issuer of [this.issuer, this.csrIssuer]) await issuer?.cleanup?.();
    this.#stop.abort();
    await this.#running;
    this.client.close();
    await this.server.close();
  }

  nextName(prefix: string): string {
    return `${prefix}-${++this.#count}`;
  }

  issuerTypeOf(ref: ConformanceIssuerRef): IssuerType<JsonObject> {
    const type = this.options.issuerTypes.find((t) => t.group === ref.group && t.kind === ref.kind);
    if (!type) {
      fail(`createIssuer returned ${ref.kind}.${ref.group}, which is not one of the issuerTypes`);
    }
    return type;
  }

  async waitFor(
    resource: string,
    namespace: string,
    name: string,
    predicate: (o: JsonObject | undefined) => boolean,
    what: string,
  ): Promise<JsonObject> {
    try {
      const found = await this.server.waitFor(resource, namespace, name, predicate, {
        timeoutMs: this.timeoutMs,
      });
      if (found === undefined) fail(`${what}: the object is gone`);
      return found;
    } catch (error) {
      if (error instanceof CaseFailure) throw error;
      const last = this.server.get(resource, namespace, name);
      fail(
        `${what} within ${this.timeoutMs} ms; last status: ${JSON.stringify(last?.status ?? null)}`,
      );
    }
  }

  /**
   * Lets in-process work settle: yields until no API request was answered for a while,
   * or gives up after `maxTurns` (an issuer that keeps retrying is never quiet).
   */
  async quiet(turns = 30, maxTurns = 600): Promise<void> {
    let last = -1;
    let stable = 0;
    for (let turn = 0; stable < turns && turn < maxTurns; turn++) {
      await new Promise<void>((r) => setTimeout(r, 0));
      const seq = this.server.requests.lastSeq;
      stable = seq === last ? stable + 1 : 0;
      last = seq;
    }
  }

  statusWrites(resource: string, name: string): number {
    return this.server.requests.entries({ verb: "patch", resource, subresource: "status", name })
      .filter((r) => r.fieldManager === this.options.fieldManager).length;
  }

  async makeIssuer(forKubernetesCsrs: boolean): Promise<ConformanceIssuer> {
    const issuer = await this.options.createIssuer({
      client: this.client,
      namespace: NAMESPACE,
      name: this.nextName("issuer"),
      forKubernetesCsrs,
    });
    if (forKubernetesCsrs) this.csrIssuer = issuer;
    else this.issuer = issuer;
    await this.waitForIssuerReady(issuer.ref);
    return issuer;
  }

  async waitForIssuerReady(ref: ConformanceIssuerRef): Promise<JsonObject> {
    const type = this.issuerTypeOf(ref);
    return await this.waitFor(
      `${type.plural}.${type.group}`,
      type.namespaced ? ref.namespace ?? NAMESPACE : "",
      ref.name,
      (o) => conditionOf(o, "Ready")?.status === "True",
      `the ${ref.kind} ${JSON.stringify(ref.name)} did not become Ready=True`,
    );
  }

  requireIssuer(): ConformanceIssuer {
    if (!this.issuer || !this.issuerReady) {
      fail("the issuer never became Ready, so no request can be issued (see the first case)");
    }
    return this.issuer;
  }

  /** Creates an approved (unless told) CertificateRequest; returns its name and CSR. */
  async createCertificateRequest(
    shape: RequestShape,
    options: {
      approve?: boolean;
      issuerRef?: { name: string; kind?: string; group?: string };
      denied?: boolean;
    } = {},
  ): Promise<{ name: string; csrPem: string }> {
    const issuer = this.requireIssuer();
    const name = this.nextName("cr");
    const { csrPem } = await generateCsr({
      ...(shape.subject !== undefined ? { subject: shape.subject } : {}),
      ...(shape.dnsNames ? { dnsNames: shape.dnsNames } : {}),
      ...(shape.ipAddresses ? { ipAddresses: shape.ipAddresses } : {}),
      ...(shape.uris ? { uris: shape.uris } : {}),
      ...(shape.emailAddresses ? { emailAddresses: shape.emailAddresses } : {}),
      keyAlgorithm: shape.keyAlgorithm ?? "ECDSA-P256",
    });
    const issuerRef = options.issuerRef ??
      { name: issuer.ref.name, kind: issuer.ref.kind, group: issuer.ref.group };
    await new ResourceClient(this.client, CERTIFICATE_REQUESTS).create({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name, namespace: issuer.ref.namespace ?? NAMESPACE },
      spec: {
        issuerRef,
        request: btoa(csrPem),
        ...(shape.usages ? { usages: shape.usages } : {}),
        ...(shape.durationMs !== undefined ? { duration: goDuration(shape.durationMs) } : {}),
        ...(shape.isCA ? { isCA: true } : {}),
      },
    } as KubeObject);
    if (options.denied) {
      await this.setCondition(name, { type: "Denied", status: "True", reason: "Conformance" });
    } else if (options.approve !== false) {
      await this.setCondition(name, { type: "Approved", status: "True", reason: "Conformance" });
    }
    return { name, csrPem };
  }

  get requestNamespace(): string {
    return this.issuer?.ref.namespace ?? NAMESPACE;
  }

  async setCondition(name: string, condition: Condition): Promise<void> {
    await new ResourceClient(this.client, CERTIFICATE_REQUESTS).applyStatus({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name, namespace: this.requestNamespace },
      status: {
        conditions: [{
          message: `${condition.type} by the conformance kit`,
          ...condition,
          lastTransitionTime: formatTime(Date.now()),
        } as never],
      },
    } as ApplyConfiguration<KubeObject> as never, { fieldManager: "conformance-approver" });
  }

  async waitForCertificate(name: string): Promise<{ cr: JsonObject; chainPem: string }> {
    const cr = await this.waitFor(
      CR_RESOURCE,
      this.requestNamespace,
      name,
      (o) =>
        conditionOf(o, "Ready")?.status === "True" || conditionOf(o, "Ready")?.reason === "Failed",
      `the approved CertificateRequest ${name} did not become Ready=True`,
    );
    const ready = conditionOf(cr, "Ready");
    if (ready?.status !== "True") {
      fail(`the CertificateRequest ${name} failed instead: ${ready?.reason}: ${ready?.message}`);
    }
    const certificate = statusField(cr, "certificate");
    if (!certificate) fail(`the CertificateRequest ${name} is Ready but has no status.certificate`);
    return { cr, chainPem: atob(certificate) };
  }

  /** Issues a CertificateRequest and checks its certificate against the request. */
  async issue(shape: RequestShape): Promise<IssuedCertificate> {
    const { name, csrPem } = await this.createCertificateRequest(shape);
    const { cr, chainPem } = await this.waitForCertificate(name);
    return checkIssued(shape, csrPem, chainPem, statusField(cr, "ca"));
  }

  signerName(ref: ConformanceIssuerRef): string {
    const type = this.issuerTypeOf(ref);
    const scope = type.namespaced ? `${ref.namespace ?? NAMESPACE}.` : "";
    return `${type.plural}.${type.group}/${scope}${ref.name}`;
  }

  /** Issues an approved Kubernetes CSR and checks its certificate. */
  async issueCsr(
    shape: RequestShape,
    options: { expirationSeconds?: number; annotations?: Record<string, string> } = {},
  ): Promise<IssuedCertificate> {
    const issuer = this.csrIssuer ?? await this.makeIssuer(true);
    const name = this.nextName("csr");
    const { csrPem } = await generateCsr({
      ...(shape.subject !== undefined ? { subject: shape.subject } : {}),
      ...(shape.dnsNames ? { dnsNames: shape.dnsNames } : {}),
      keyAlgorithm: shape.keyAlgorithm ?? "ECDSA-P256",
    });
    await new ResourceClient(this.client, CERTIFICATE_SIGNING_REQUESTS).create({
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name, ...(options.annotations ? { annotations: options.annotations } : {}) },
      spec: {
        signerName: this.signerName(issuer.ref),
        request: btoa(csrPem),
        usages: shape.usages ?? ["digital signature", "key encipherment", "server auth"],
        ...(options.expirationSeconds !== undefined
          ? { expirationSeconds: options.expirationSeconds }
          : {}),
      },
    } as KubeObject);
    await this.client.performRequest({
      method: "PATCH",
      path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`,
      contentType: "application/merge-patch+json",
      bodyJson: {
        status: {
          conditions: [{
            type: "Approved",
            status: "True",
            reason: "Conformance",
            message: "approved by the conformance kit",
          }],
        },
      },
      expectJson: true,
    });
    const csr = await this.waitFor(
      CSR_RESOURCE,
      "",
      name,
      (o) => statusField(o, "certificate") !== undefined || conditionOf(o, "Failed") !== undefined,
      `the approved CertificateSigningRequest ${name} got no certificate`,
    );
    const certificate = statusField(csr, "certificate");
    if (!certificate) {
      const failed = conditionOf(csr, "Failed");
      fail(`the CertificateSigningRequest ${name} failed: ${failed?.reason}: ${failed?.message}`);
    }
    return checkIssued(shape, csrPem, atob(certificate), undefined);
  }
}

interface IssuedCertificate {
  leaf: x509.X509Certificate;
  chain: x509.X509Certificate[];
  caPem: string | undefined;
}

function checkIssued(
  shape: RequestShape,
  csrPem: string,
  chainPem: string,
  caBase64: string | undefined,
): IssuedCertificate {
  let chain: x509.X509Certificate[];
  try {
    chain = parseChain(chainPem);
  } catch (error) {
    fail(`the certificate is not a PEM chain: ${(error as Error).message}`);
  }
  const leaf = chain[0];
  if (!leaf) fail("the certificate chain is empty");
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!bytesEqual(leaf.publicKey.rawData, csr.publicKey.rawData)) {
    fail("the certificate's public key is not the CSR's public key");
  }
  const sans = subjectAltNames(leaf);
  const expect = (label: string, got: string[], want: readonly string[] | undefined) => {
    if (sorted(got) !== sorted(want ?? [])) {
      fail(
        `the certificate's ${label} SANs are ${sorted(got)}; the CSR asked for ${
          sorted(want ?? [])
        }`,
      );
    }
  };
  expect("DNS", sans.dns ?? [], shape.dnsNames);
  expect("IP", sans.ip ?? [], shape.ipAddresses);
  expect("URI", sans.url ?? [], shape.uris);
  expect("email", sans.email ?? [], shape.emailAddresses);
  const cn = shape.subject?.match(/CN=([^,]+)/)?.[1];
  if (cn !== undefined) {
    const got = leaf.subjectName.getField("CN");
    if (!got.includes(cn)) {
      fail(`the certificate's common name is ${JSON.stringify(got)}; the CSR asked for "${cn}"`);
    }
  }
  return { leaf, chain, caPem: caBase64 === undefined ? undefined : atob(caBase64) };
}

async function verifyChain(issued: IssuedCertificate): Promise<void> {
  const chain = issued.chain;
  const ca = issued.caPem !== undefined ? parseChain(issued.caPem)[0] : chain.at(-1);
  if (!ca) fail("status.ca is set but holds no certificate");
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const parent = chain[i + 1]!;
    if (!(await cert.verify({ publicKey: parent.publicKey, signatureOnly: true }))) {
      fail(
        `certificate ${i} of the chain (${cert.subject}) is not signed by certificate ${
          i + 1
        } (${parent.subject})`,
      );
    }
  }
  const top = chain.at(-1)!;
  const selfIsCa = bytesEqual(top.rawData, ca.rawData);
  if (!selfIsCa && !(await top.verify({ publicKey: ca.publicKey, signatureOnly: true }))) {
    fail(`the chain does not verify to the CA the issuer reports (${ca.subject})`);
  }
}

function usagesOf(cert: x509.X509Certificate): { keyUsage: number; eku: string[] } {
  return {
    keyUsage: cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0,
    eku: (cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String),
  };
}

function checkDuration(cert: x509.X509Certificate, wantMs: number): void {
  const got = cert.notAfter.getTime() - cert.notBefore.getTime();
  // Allow an hour of back-dating and a minute of rounding.
  if (Math.abs(got - wantMs) > 3_660_000) {
    fail(
      `the certificate is valid for ${Math.round(got / 1000)} s; ${
        Math.round(wantMs / 1000)
      } s were requested`,
    );
  }
}

const FIVE_HOURS = 5 * 3_600_000;

function cases(): CaseDefinition[] {
  const issueCase = (name: string, shape: RequestShape, needs: ConformanceFeature[] = []) => ({
    name: `CertificateRequest: ${name}`,
    needs,
    run: async (env: KitEnv) => {
      await env.issue(shape);
    },
  });
  return [
    {
      name: "Issuer: becomes Ready before anything is requested",
      run: async (env) => {
        await env.makeIssuer(false);
        env.issuerReady = true;
      },
    },
    issueCase("RSA 2048 key → Ready with a certificate for that key", {
      keyAlgorithm: "RSA-2048",
      dnsNames: ["rsa.example.com"],
    }, ["rsa"]),
    issueCase("ECDSA P-256 key, single DNS name → Ready with a certificate for that key", {
      keyAlgorithm: "ECDSA-P256",
      dnsNames: ["ecdsa.example.com"],
    }, ["ecdsa"]),
    issueCase("Ed25519 key → Ready with a certificate for that key", {
      keyAlgorithm: "Ed25519",
      dnsNames: ["ed25519.example.com"],
    }, ["ed25519"]),
    issueCase("single DNS name → exactly that DNS SAN", { dnsNames: ["single.example.com"] }),
    issueCase("common name only → that CN, no SANs", { subject: "CN=cn-only.example.com" }, [
      "commonNameOnly",
    ]),
    issueCase("CN + IP → that CN and IP SAN", {
      subject: "CN=cn-ip.example.com",
      ipAddresses: ["10.0.0.1"],
    }, ["ipSans"]),
    issueCase("IP only → exactly that IP SAN", { ipAddresses: ["192.0.2.7"] }, ["ipSans"]),
    issueCase("DNS + IP → both SANs", {
      dnsNames: ["dns-ip.example.com"],
      ipAddresses: ["198.51.100.3"],
    }, ["ipSans"]),
    issueCase("email SAN → exactly that email SAN", {
      emailAddresses: ["someone@example.com"],
    }, ["emailSans"]),
    issueCase("URI SAN → exactly that URI SAN", {
      uris: ["spiffe://example.com/ns/default/sa/app"],
    }, ["uriSans"]),
    issueCase("CN + URI → that CN and URI SAN", {
      subject: "CN=cn-uri",
      uris: ["spiffe://example.com/cn-uri"],
    }, ["uriSans"]),
    issueCase("two DNS names, one as CN → both DNS SANs and that CN", {
      subject: "CN=a.example.com",
      dnsNames: ["a.example.com", "b.example.com"],
    }),
    issueCase("wildcard DNS name → that wildcard SAN", { dnsNames: ["*.example.com"] }, [
      "wildcard",
    ]),
    issueCase("wildcard + apex → both SANs", { dnsNames: ["*.example.org", "example.org"] }, [
      "wildcard",
    ]),
    issueCase("a 63-character DNS label → that SAN", {
      dnsNames: [`${"a".repeat(63)}.example.com`],
    }),
    {
      name: "CertificateRequest: spec.duration 5h → a certificate valid for 5 hours",
      needs: ["duration"],
      run: async (env) => {
        const issued = await env.issue({
          dnsNames: ["duration.example.com"],
          durationMs: FIVE_HOURS,
        });
        checkDuration(issued.leaf, FIVE_HOURS);
      },
    },
    {
      name: "CertificateRequest: spec.isCA → a CA certificate (basicConstraints CA:TRUE)",
      needs: ["isCA"],
      run: async (env) => {
        const issued = await env.issue({ subject: "CN=Intermediate", isCA: true });
        if (!issued.leaf.getExtension(x509.BasicConstraintsExtension)?.ca) {
          fail("spec.isCA was set but the certificate is not a CA (no basicConstraints CA:TRUE)");
        }
      },
    },
    {
      name:
        "CertificateRequest: key usages (digital signature, key encipherment, client auth, code signing) → all of them",
      needs: ["keyUsages"],
      run: async (env) => {
        const issued = await env.issue({
          dnsNames: ["usages.example.com"],
          usages: ["digital signature", "key encipherment", "client auth", "code signing"],
        });
        const { keyUsage, eku } = usagesOf(issued.leaf);
        const wantKu = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
        if ((keyUsage & wantKu) !== wantKu) {
          fail(`the key usage is ${keyUsage}; digitalSignature and keyEncipherment were requested`);
        }
        for (
          const [oid, label] of [["1.3.6.1.5.5.7.3.2", "client auth"], [
            "1.3.6.1.5.5.7.3.3",
            "code signing",
          ]]
        ) {
          if (!eku.includes(oid!)) fail(`the extended key usage lacks ${label} (${oid})`);
        }
      },
    },
    {
      name: "CertificateRequest: the certificate's key is the CSR's key",
      run: async (env) => {
        await env.issue({ dnsNames: ["key.example.com"] });
      },
    },
    {
      name:
        "CertificateRequest: the chain verifies to the CA the issuer reports (status.ca or the chain's last certificate)",
      run: async (env) => {
        await verifyChain(await env.issue({ dnsNames: ["chain.example.com"] }));
      },
    },
    {
      name: "CertificateRequest: default usages → key usage includes digitalSignature",
      run: async (env) => {
        const issued = await env.issue({ dnsNames: ["ds.example.com"] });
        if ((usagesOf(issued.leaf).keyUsage & DIGITAL_SIGNATURE) === 0) {
          fail("the certificate's key usage lacks digitalSignature");
        }
      },
    },
    {
      name: "CertificateSigningRequest: approved → a certificate for the CSR's key and names",
      needs: ["kubernetesCsr"],
      run: async (env) => {
        env.requireIssuer();
        await verifyChain(await env.issueCsr({ dnsNames: ["csr.example.com"] }));
      },
    },
    {
      name:
        "CertificateSigningRequest: spec.expirationSeconds 5h → a certificate valid for 5 hours",
      needs: ["kubernetesCsr", "duration"],
      run: async (env) => {
        env.requireIssuer();
        const issued = await env.issueCsr({ dnsNames: ["csr-exp.example.com"] }, {
          expirationSeconds: FIVE_HOURS / 1000,
        });
        checkDuration(issued.leaf, FIVE_HOURS);
      },
    },
    {
      name:
        "CertificateSigningRequest: the request-duration annotation 5h → a certificate valid for 5 hours",
      needs: ["kubernetesCsr", "duration"],
      run: async (env) => {
        env.requireIssuer();
        const issued = await env.issueCsr({ dnsNames: ["csr-ann.example.com"] }, {
          annotations: { "experimental.cert-manager.io/request-duration": "5h" },
        });
        checkDuration(issued.leaf, FIVE_HOURS);
      },
    },
    {
      name:
        "CertificateSigningRequest: the request-is-ca annotation → a CA certificate (basicConstraints CA:TRUE)",
      needs: ["kubernetesCsr", "isCA"],
      run: async (env) => {
        env.requireIssuer();
        const issued = await env.issueCsr({ subject: "CN=CSR Intermediate" }, {
          annotations: { "experimental.cert-manager.io/request-is-ca": "true" },
        });
        if (!issued.leaf.getExtension(x509.BasicConstraintsExtension)?.ca) {
          fail("the request-is-ca annotation was set but the certificate is not a CA");
        }
      },
    },
    {
      name: "Approval: an unapproved CertificateRequest is left untouched",
      run: async (env) => {
        const { name } = await env.createCertificateRequest({ dnsNames: ["unapproved.example"] }, {
          approve: false,
        });
        const control = await env.createCertificateRequest({ dnsNames: ["control.example"] });
        await env.waitForCertificate(control.name);
        await env.quiet();
        if (env.statusWrites("certificaterequests", name) !== 0) {
          fail(`the unapproved CertificateRequest ${name} was written to`);
        }
      },
    },
    {
      name:
        "Approval: a denied (Denied=True only) CertificateRequest ends Denied with a failure time",
      run: async (env) => {
        const { name } = await env.createCertificateRequest({ dnsNames: ["denied.example"] }, {
          denied: true,
        });
        const cr = await env.waitFor(
          CR_RESOURCE,
          env.requestNamespace,
          name,
          (o) => conditionOf(o, "Ready")?.reason === "Denied",
          `the denied CertificateRequest ${name} did not end Ready=False/Denied`,
        );
        if (conditionOf(cr, "Ready")?.status !== "False") {
          fail("a denied request is not Ready=False");
        }
        if (!statusField(cr, "failureTime")) fail("a denied request has no status.failureTime");
        if (statusField(cr, "certificate")) fail("a denied request got a certificate");
      },
    },
    ...[
      [
        "a foreign group",
        (ref: ConformanceIssuerRef) => ({ ...refOf(ref), group: "foreign.example.com" }),
      ],
      ["a foreign kind", (ref: ConformanceIssuerRef) => ({ ...refOf(ref), kind: "ForeignIssuer" })],
      [
        "an empty group",
        (ref: ConformanceIssuerRef) => ({ name: ref.name, kind: ref.kind, group: "" }),
      ],
    ].map(([label, makeRef]): CaseDefinition => ({
      name: `Approval: an approved CertificateRequest for ${label as string} is left untouched`,
      run: async (env) => {
        const ref = (makeRef as (r: ConformanceIssuerRef) => { name: string })(
          env.requireIssuer().ref,
        );
        const { name } = await env.createCertificateRequest({ dnsNames: ["foreign.example"] }, {
          issuerRef: ref,
        });
        const control = await env.createCertificateRequest({ dnsNames: ["control.example"] });
        await env.waitForCertificate(control.name);
        await env.quiet();
        if (env.statusWrites("certificaterequests", name) !== 0) {
          fail(`the CertificateRequest ${name} for ${label as string} was written to`);
        }
      },
    })),
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
        const shape = { dnsNames: ["transient.example"] };
        const next = env.nextName("transient");
        env.faults.set(next, "transient");
        const created = await createNamed(env, next, shape);
        await env.waitForCertificate(created);
        if ((env.signCalls.get(next) ?? 0) < 2) fail("sign was not called again after the failure");
      },
    },
    {
      name:
        "Retries: a permanent sign failure fails the request once (Failed, failure time, no retry)",
      run: async (env) => {
        env.requireIssuer();
        const next = env.nextName("permanent");
        env.faults.set(next, "permanent");
        await createNamed(env, next, { dnsNames: ["permanent.example"] });
        const cr = await env.waitFor(
          CR_RESOURCE,
          env.requestNamespace,
          next,
          (o) => conditionOf(o, "Ready")?.reason === "Failed",
          `the CertificateRequest ${next} did not end Ready=False/Failed after a PermanentError`,
        );
        if (!statusField(cr, "failureTime")) fail("the failed request has no status.failureTime");
        await env.quiet();
        const calls = env.signCalls.get(next) ?? 0;
        if (calls !== 1) fail(`sign was called ${calls} times for a permanent failure; want once`);
      },
    },
  ];
}

function refOf(ref: ConformanceIssuerRef): { name: string; kind: string; group: string } {
  return { name: ref.name, kind: ref.kind, group: ref.group };
}

/** Creates an approved CertificateRequest with a given name. */
async function createNamed(env: KitEnv, name: string, shape: RequestShape): Promise<string> {
  const issuer = env.requireIssuer();
  const { csrPem } = await generateCsr({ ...shape, keyAlgorithm: "ECDSA-P256" });
  await new ResourceClient(env.client, CERTIFICATE_REQUESTS).create({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name, namespace: env.requestNamespace },
    spec: { issuerRef: refOf(issuer.ref), request: btoa(csrPem) },
  } as KubeObject);
  await env.setCondition(name, { type: "Approved", status: "True", reason: "Conformance" });
  return name;
}

/**
 * Runs every conformance case against an issuer's `check` and `sign`, on a fresh fake
 * API server, and returns what each case found. {@linkcode issuerConformance} wraps it in
 * a Deno test.
 *
 * @param options The issuer (types, field manager, `check`, `sign`, `createIssuer`) and
 *   the features its CA does not support.
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
  const env = new KitEnv(options as unknown as ConformanceOptions<JsonObject>);
  const unsupported = new Set(options.unsupported ?? []);
  const results: ConformanceResult[] = [];
  await env.start();
  try {
    for (const c of cases()) {
      const missing = (c.needs ?? []).find((f) => unsupported.has(f));
      if (missing !== undefined) {
        results.push({
          name: `${c.name} (skipped: the issuer declares it does not support ${missing})`,
          status: "skip",
          message: `the issuer declares it does not support ${missing}`,
        });
        continue;
      }
      try {
        await c.run(env);
        results.push({ name: c.name, status: "pass" });
      } catch (error) {
        const message = error instanceof CaseFailure
          ? error.message
          : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
        results.push({ name: c.name, status: "fail", message });
      }
    }
  } finally {
    await env.stop();
  }
  return results;
}

/**
 * Registers a Deno test that runs the conformance cases against an issuer: one step per
 * case, named after what it checks; a failed step's error says what broke, a skipped one
 * says which declared unsupported feature skipped it.
 *
 * @param options As for {@linkcode runConformanceCases}.
 *
 * @example The first thing an issuer author runs (in `conformance_test.ts`)
 * ```ts ignore
 * import { issuerConformance } from "@certkit/issuer-lib/testing";
 * import { MyIssuer } from "./api.ts";
 * import { check, sign, createMyIssuer } from "./signer.ts";
 *
 * issuerConformance({
 *   issuerTypes: [MyIssuer],
 *   fieldManager: "my-issuer.example.com",
 *   check,
 *   sign,
 *   createIssuer: createMyIssuer,
 *   unsupported: ["ed25519"],
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
