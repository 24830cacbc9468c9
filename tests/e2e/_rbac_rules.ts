/**
 * RBAC rules as sets, for proving each rule of a manifest necessary: a rule is the product
 * of its API groups, resources, verbs and resource names, each element of that product is a
 * *permission*, and a {@linkcode Removal} takes a box of permissions out of a role (splitting
 * the rules it cuts). Pure: no I/O.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";

/** One `rules` entry of a Role or ClusterRole. */
export interface PolicyRule {
  /** API groups (`""` is the core group). */
  apiGroups: string[];
  /** Resources, `<resource>` or `<resource>/<subresource>`. */
  resources: string[];
  /** Verbs. */
  verbs: string[];
  /** Object names; absent or empty means every name. */
  resourceNames?: string[];
}

/** A Role or ClusterRole of a manifest. */
export interface RoleObject {
  /** Its manifest object (kept as parsed, so that it can be written back). */
  object: { kind: string; metadata: { name: string; namespace?: string }; rules: PolicyRule[] };
  /** `Role/<name>` or `ClusterRole/<name>`. */
  ref: string;
}

/** One permission: a single group, resource, verb and (optional) name. */
export interface Permission {
  /** The role granting it (`ClusterRole/<name>`, `Role/<name>`). */
  role: string;
  /** The role's namespace, for a Role. */
  namespace?: string;
  /** The API group. */
  group: string;
  /** The resource, with `/<subresource>` if any. */
  resource: string;
  /** The verb. */
  verb: string;
  /** The object name, when the rule lists names. */
  name?: string;
}

/** A box of permissions to take out of one role: each list absent means "all". */
export interface Removal {
  /** The role, `ClusterRole/<name>` or `Role/<name>`. */
  role: string;
  /** The API group. */
  group: string;
  /** Resources, or every resource of the matching rules. */
  resources?: readonly string[];
  /** Verbs, or every verb. */
  verbs?: readonly string[];
  /** Resource names, or every name. Only for rules that list names. */
  resourceNames?: readonly string[];
}

/** The parsed documents of a manifest and its roles. */
export interface RbacManifest {
  /** Every document, in order. */
  documents: Record<string, unknown>[];
  /** The Roles and ClusterRoles. */
  roles: RoleObject[];
}

/** Parses a multi-document RBAC manifest. */
export function parseRbac(text: string): RbacManifest {
  const documents = parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
  const roles: RoleObject[] = [];
  for (const doc of documents) {
    if (doc.kind !== "Role" && doc.kind !== "ClusterRole") continue;
    const object = doc as unknown as RoleObject["object"];
    for (const rule of object.rules) {
      if (rule.apiGroups.length !== 1) {
        throw new RangeError(
          `${doc.kind}/${object.metadata.name}: a rule with apiGroups ${
            JSON.stringify(rule.apiGroups)
          }: write one API group per rule`,
        );
      }
    }
    roles.push({ object, ref: `${doc.kind}/${object.metadata.name}` });
  }
  return { documents, roles };
}

/** Every permission a role grants, in rule order. */
export function permissions(role: RoleObject): Permission[] {
  const out: Permission[] = [];
  const namespace = role.object.metadata.namespace;
  for (const rule of role.object.rules) {
    const names: (string | undefined)[] = rule.resourceNames?.length
      ? rule.resourceNames
      : [undefined];
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        for (const verb of rule.verbs) {
          for (const name of names) {
            out.push({
              role: role.ref,
              ...(namespace ? { namespace } : {}),
              group,
              resource,
              verb,
              ...(name !== undefined ? { name } : {}),
            });
          }
        }
      }
    }
  }
  return out;
}

/** Whether `removal` takes `permission` out. */
export function removes(removal: Removal, permission: Permission): boolean {
  return removal.role === permission.role && removal.group === permission.group &&
    (removal.resources?.includes(permission.resource) ?? true) &&
    (removal.verbs?.includes(permission.verb) ?? true) &&
    (removal.resourceNames === undefined ||
      (permission.name !== undefined && removal.resourceNames.includes(permission.name)));
}

/** `rules` without the permissions `removal` names, splitting the rules it cuts. */
export function subtract(role: RoleObject, removal: Removal): PolicyRule[] {
  if (removal.role !== role.ref) return role.object.rules;
  const out: PolicyRule[] = [];
  const push = (rule: PolicyRule) => {
    if (rule.resources.length && rule.verbs.length && rule.resourceNames?.length !== 0) {
      out.push(rule);
    }
  };
  for (const rule of role.object.rules) {
    const inR = (r: string) => removal.resources?.includes(r) ?? true;
    const inV = (v: string) => removal.verbs?.includes(v) ?? true;
    const names = rule.resourceNames?.length ? rule.resourceNames : undefined;
    const inN = (n: string) => removal.resourceNames?.includes(n) ?? true;
    const boxed = rule.apiGroups[0] === removal.group && rule.resources.some(inR) &&
      rule.verbs.some(inV);
    if (boxed && removal.resourceNames !== undefined && names === undefined) {
      throw new RangeError(
        `${role.ref}: cannot remove names ${JSON.stringify(removal.resourceNames)} from the rule ${
          describeRule(rule)
        }, which is for every name`,
      );
    }
    if (!boxed || (names !== undefined && !names.some(inN))) {
      out.push(rule);
      continue;
    }
    const base = { apiGroups: rule.apiGroups };
    const withNames = (list: string[] | undefined) =>
      list === undefined ? {} : { resourceNames: list };
    // The box difference: other resources; the removed resources with other verbs; the
    // removed resources and verbs with other names.
    push({
      ...base,
      resources: rule.resources.filter((r) => !inR(r)),
      verbs: rule.verbs,
      ...withNames(names),
    });
    push({
      ...base,
      resources: rule.resources.filter(inR),
      verbs: rule.verbs.filter((v) => !inV(v)),
      ...withNames(names),
    });
    if (names !== undefined) {
      push({
        ...base,
        resources: rule.resources.filter(inR),
        verbs: rule.verbs.filter(inV),
        resourceNames: names.filter((n) => !inN(n)),
      });
    }
  }
  return out;
}

/** One rule as a line of text: `<group> <resources> <verbs> [names]`. */
export function describeRule(rule: PolicyRule): string {
  const group = rule.apiGroups.map((g) => g === "" ? '""' : g).join(",");
  const names = rule.resourceNames?.length ? ` [${rule.resourceNames.join(",")}]` : "";
  return `${group} ${rule.resources.join(",")} ${rule.verbs.join(",")}${names}`;
}

/** A removal as text: `<verbs> on <resources> [named <names>]` (`any verb` when all). */
export function describeRemoval(removal: Removal): string {
  const verbs = removal.verbs?.join(",") ?? "any verb";
  const resources = removal.resources?.join(",") ?? "any resource";
  const names = removal.resourceNames ? ` named ${removal.resourceNames.join(",")}` : "";
  return `${verbs} on ${resources}${names}`;
}
