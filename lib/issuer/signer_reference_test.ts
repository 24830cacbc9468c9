import { strict as assert } from "node:assert";
import type { CertificateSigningRequestObject } from "./request.ts";
import { signerReferenceReviews } from "./signer_reference.ts";
import { csr1, testIssuer } from "./_test_fixtures.ts";

Deno.test("difference #10: the reference reviews ask for `reference` on `signers`, by name and by *", () => {
  const csr = csr1().object as CertificateSigningRequestObject;
  const reviews = signerReferenceReviews(csr, testIssuer, { namespace: "ns1", name: "issuer-1" });
  const attributes = (name: string) => ({
    group: "testing.cert-manager.io",
    resource: "signers",
    verb: "reference",
    namespace: "ns1",
    name,
    version: "*",
  });
  assert.deepEqual(
    reviews,
    ["issuer-1", "*"].map((name) => ({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: "alice",
        uid: "u-1",
        groups: ["devs"],
        extra: { scopes: ["a"] },
        resourceAttributes: attributes(name),
      },
    })),
  );
});
