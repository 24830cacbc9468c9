/**
 * The conformance cases of issuance: the issuer becomes Ready, then CertificateRequests of
 * every key type and name shape, durations, isCA, key usages and chains.
 *
 * @module
 */
import {
  checkDuration,
  DIGITAL_SIGNATURE,
  fail,
  isCaCertificate,
  KEY_ENCIPHERMENT,
  type RequestShape,
  usagesOf,
  verifyChain,
} from "./_checks.ts";
import type { CaseDefinition } from "./_case.ts";
import type { ConformanceFeature } from "./conformance_options.ts";

/** Five hours, the duration the duration cases ask for. */
export const FIVE_HOURS = 5 * 3_600_000;

function issueCase(
  name: string,
  shape: RequestShape,
  needs: ConformanceFeature[] = [],
): CaseDefinition {
  return {
    name: `CertificateRequest: ${name}`,
    needs,
    run: async (env) => {
      await env.issue(shape);
    },
  };
}

/** The issuance cases for CertificateRequests, the first of which makes the issuer. */
export function certificateCases(): CaseDefinition[] {
  return [
    {
      name: "Issuer: becomes Ready before anything is requested",
      run: async (env) => {
        await env.issuerFor("any");
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
        if (!isCaCertificate(issued.leaf)) {
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
        const wantKu = DIGITAL_SIGNATURE | KEY_ENCIPHERMENT;
        if ((keyUsage & wantKu) !== wantKu) {
          fail(`the key usage is ${keyUsage}; digitalSignature and keyEncipherment were requested`);
        }
        const wanted = [["1.3.6.1.5.5.7.3.2", "client auth"], [
          "1.3.6.1.5.5.7.3.3",
          "code signing",
        ]];
        for (const [oid, label] of wanted) {
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
  ];
}
