/**
 * Chooses the write strategy of each built-in resource, and of custom resources, and
 * where each built-in resource is stored.
 *
 * @module
 */
import { CustomResourceStrategy, type Strategy } from "./_strategy.ts";
import {
  CrdStrategy,
  LeaseStrategy,
  NamespaceStrategy,
  ReviewStrategy,
  SecretStrategy,
} from "./_strategy_builtin.ts";
import { CoreEventStrategy, EventsV1Strategy } from "./_strategy_event.ts";
import { BuiltinStrategy } from "./_strategy.ts";
import { CsrStrategy } from "./_strategy_csr.ts";
import { EVENTS_V1_CODEC, type StorageCodec } from "./_event_conversion.ts";
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

/** Where a resource's objects live, and how they convert to and from that form. */
export interface ResourceStorage {
  /** The bucket (`<group>/<plural>` of the stored form). */
  storeKey: string;
  /** Converts between the stored form and this resource's form; absent when they are the same. */
  codec?: StorageCodec;
}

/**
 * Where a resource is stored. Everything lives under its own `<group>/<plural>`, except
 * events.k8s.io/v1 Events: kube-apiserver stores them as core/v1 Events, so both APIs
 * list, get and watch the same objects (a `tools/events` Event shows in `kubectl
 * describe`). Serving that needs the registry to honour `codec` on every read and write.
 *
 * @param info The resource.
 * @returns Its bucket and, when its form differs from the stored one, the codec.
 */
export function storageFor(info: ResourceInfo): ResourceStorage {
  if (!info.custom && info.group === "events.k8s.io" && info.plural === "events") {
    return { storeKey: "/events", codec: EVENTS_V1_CODEC };
  }
  return { storeKey: `${info.group}/${info.plural}` };
}
