/**
 * Every conformance case, in the order they run.
 *
 * @module
 */
import type { CaseDefinition } from "./_case.ts";
import { certificateCases } from "./_certificate_cases.ts";
import { csrApprovalCases, csrIssuanceCases, namespacedCsrCases } from "./_csr_cases.ts";
import { approvalCases } from "./_approval_cases.ts";
import { lifecycleCases } from "./_lifecycle_cases.ts";

/** The name of the first case on a kubeconfig target. */
export const TARGET_CASE =
  "Target: the cluster serves cert-manager's CertificateRequest CRD and the issuer CRDs";

/** Every case, in the order they run. */
export function conformanceCases(): CaseDefinition[] {
  return [
    ...certificateCases(),
    ...csrIssuanceCases(),
    ...approvalCases(),
    ...csrApprovalCases(),
    ...namespacedCsrCases(),
    ...lifecycleCases(),
  ];
}
