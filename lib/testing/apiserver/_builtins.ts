/**
 * Chooses the write strategy of each built-in resource, and of custom resources.
 *
 * @module
 */
import { CustomResourceStrategy, type Strategy } from "./_strategy.ts";
import {
  CoreEventStrategy,
  CrdStrategy,
  EventsV1Strategy,
  LeaseStrategy,
  NamespaceStrategy,
  ReviewStrategy,
  SecretStrategy,
} from "./_strategy_builtin.ts";
import { BuiltinStrategy } from "./_strategy.ts";
import { CsrStrategy } from "./_strategy_csr.ts";
import type { ResourceInfo } from "./_types.ts";

/** The strategy for a resource. */
export function strategyFor(info: ResourceInfo): Strategy {
  if (info.custom) return new CustomResourceStrategy(info);
  switch (`${info.group}/${info.plural}`) {
    case "/namespaces":
      return new NamespaceStrategy(info);
    case "/secrets":
      return new SecretStrategy(info);
    case "/events":
      return new CoreEventStrategy(info);
    case "events.k8s.io/events":
      return new EventsV1Strategy(info);
    case "coordination.k8s.io/leases":
      return new LeaseStrategy(info);
    case "certificates.k8s.io/certificatesigningrequests":
      return new CsrStrategy(info);
    case "apiextensions.k8s.io/customresourcedefinitions":
      return new CrdStrategy(info);
    case "authorization.k8s.io/subjectaccessreviews":
    case "authorization.k8s.io/selfsubjectaccessreviews":
      return new ReviewStrategy(info);
    default:
      return new BuiltinStrategy(info);
  }
}
