/**
 * How errors and logs name a resource and a scope.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";

/** Such as `certificaterequests.cert-manager.io`, or `configmaps` for the core group. */
export function describeResource(resource: ResourceDescriptor<KubeObject>): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

/** Such as `certificaterequests.cert-manager.io in team-a labels "app=x"`. */
export function describeScope(
  resource: ResourceDescriptor<KubeObject>,
  scope: { namespace?: string | undefined; labelSelector?: string; fieldSelector?: string },
): string {
  const parts = [describeResource(resource)];
  if (scope.namespace !== undefined && resource.namespaced) parts.push(`in ${scope.namespace}`);
  if (scope.labelSelector) parts.push(`labels ${JSON.stringify(scope.labelSelector)}`);
  if (scope.fieldSelector) parts.push(`fields ${JSON.stringify(scope.fieldSelector)}`);
  return parts.join(" ");
}
