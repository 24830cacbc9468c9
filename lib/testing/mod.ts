/**
 * Test tools for issuer authors' own `deno test`: an in-memory Kubernetes API server
 * that speaks the real HTTP API (so the real `kubectl` works against it), and a fake
 * clock.
 *
 * @example A fake API server serving cert-manager's CertificateRequests
 * ```ts
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * const res = await server.fetch(new Request("http://fake/version"));
 * assert.equal((await res.json()).minor, "32");
 * ```
 *
 * @module
 */
export { FakeClock } from "./fake_clock.ts";
export {
  FakeApiServer,
  type FakeApiServerOptions,
  type ListeningApiServer,
  type ListenOptions,
} from "./apiserver/fake_api_server.ts";
export { matchesRequest, type RequestFacts, type RequestMatch } from "./apiserver/request_match.ts";
export { type RecordMatch, RequestLog, type RequestRecord } from "./apiserver/request_log.ts";
export {
  type FailureSpec,
  type FaultDecision,
  type FaultHandle,
  FaultInjector,
  type FaultRule,
} from "./apiserver/faults.ts";
export {
  generateServingCertificates,
  type ServingCertificateOptions,
  type ServingCertificates,
} from "./apiserver/tls.ts";
export { type KubeconfigOptions, kubeconfigYaml } from "./apiserver/kubeconfig.ts";
export type { PolicyRule } from "./apiserver/_auth.ts";
export type { UserInfo } from "./apiserver/_types.ts";
export { CERTIFICATE_REQUESTS_CRD } from "./crds/certificate_requests_crd.ts";
export { FakeEventRecorder, type FakeRecordedEvent } from "./fake_event_recorder.ts";
export {
  type ConformanceContext,
  type ConformanceFeature,
  type ConformanceIssuer,
  type ConformanceIssuerRef,
  type ConformanceIssuerScope,
  type ConformanceOptions,
  type ConformanceResult,
  type ConformanceTarget,
} from "./conformance/conformance_options.ts";
export { issuerConformance, runConformanceCases } from "./conformance/conformance.ts";
