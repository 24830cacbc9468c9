import { strict as assert } from "node:assert";
import {
  describeRemoval,
  describeRule,
  parseRbac,
  permissions,
  removes,
  type RoleObject,
  subtract,
} from "./_rbac_rules.ts";

const MANIFEST = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: r }
rules:
  - apiGroups: ["g"]
    resources: ["a", "b"]
    verbs: ["list", "watch"]
  - apiGroups: ["s"]
    resources: ["signers"]
    verbs: ["sign"]
    resourceNames: ["x/*", "y/*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: l, namespace: n }
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
`;

function role(ref: string): RoleObject {
  const found = parseRbac(MANIFEST).roles.find((r) => r.ref === ref);
  assert.ok(found, ref);
  return found;
}

Deno.test("permissions: the product of each rule, with the Role's namespace", () => {
  assert.equal(permissions(role("ClusterRole/r")).length, 4 + 2);
  assert.deepEqual(permissions(role("Role/l")), [
    {
      role: "Role/l",
      namespace: "n",
      group: "coordination.k8s.io",
      resource: "leases",
      verb: "create",
    },
  ]);
});

Deno.test("subtract: one verb of one resource splits the rule", () => {
  const rules = subtract(role("ClusterRole/r"), {
    role: "ClusterRole/r",
    group: "g",
    resources: ["a"],
    verbs: ["list"],
  });
  assert.deepEqual(rules.map(describeRule), [
    "g b list,watch",
    "g a watch",
    "s signers sign [x/*,y/*]",
  ]);
});

Deno.test("subtract: one resource name; a whole rule; another role is untouched", () => {
  const r = role("ClusterRole/r");
  const names = subtract(r, { role: r.ref, group: "s", resourceNames: ["x/*"] });
  assert.deepEqual(names.map(describeRule), ["g a,b list,watch", "s signers sign [y/*]"]);
  const whole = subtract(r, { role: r.ref, group: "g" });
  assert.deepEqual(whole.map(describeRule), ["s signers sign [x/*,y/*]"]);
  assert.equal(subtract(r, { role: "Role/l", group: "g" }), r.object.rules);
});

Deno.test("subtract: names cannot be taken from a rule for every name", () => {
  assert.throws(
    () =>
      subtract(role("ClusterRole/r"), { role: "ClusterRole/r", group: "g", resourceNames: ["q"] }),
    RangeError,
  );
});

Deno.test("removes and describeRemoval agree with subtract", () => {
  const r = role("ClusterRole/r");
  const removal = { role: r.ref, group: "g", verbs: ["watch"] };
  const left = permissions({ ...r, object: { ...r.object, rules: subtract(r, removal) } });
  const kept = permissions(r).filter((p) => !removes(removal, p));
  assert.deepEqual(
    new Set(left.map((p) => JSON.stringify(p))),
    new Set(kept.map((p) => JSON.stringify(p))),
  );
  assert.equal(describeRemoval(removal), "watch on any resource");
});

Deno.test("parseRbac: a rule with two API groups is refused", () => {
  assert.throws(
    () =>
      parseRbac(
        "kind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [a, b], resources: [x], verbs: [get]}\n",
      ),
    /one API group per rule/,
  );
});
