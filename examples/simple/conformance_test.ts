// The issuer conformance kit against the example issuer: every feature is supported,
// including Kubernetes CSRs for a namespaced SimpleIssuer.
import { issuerConformance } from "@certkit/issuer-lib/testing";
import { simpleConformanceOptions } from "./conformance_issuer.ts";

issuerConformance({
  name: "the example issuer passes the conformance kit",
  ...simpleConformanceOptions(),
});
