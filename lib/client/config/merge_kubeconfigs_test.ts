import { strict as assert } from "node:assert";
import { mergeKubeconfigs, parseKubeconfig, selectContext } from "./mod.ts";

const first = parseKubeconfig(
  `
clusters:
- { name: shared, cluster: { server: "https://first", certificate-authority: ca.crt } }
users:
- { name: shared, user: { token: first } }
contexts:
- { name: only-first, context: { cluster: shared, user: shared } }
`,
  "/a/config",
);
const second = parseKubeconfig(
  `
clusters:
- { name: shared, cluster: { server: "https://second" } }
- { name: other, cluster: { server: "https://other", certificate-authority: ca.crt } }
users:
- { name: shared, user: { token: second, username: ignored } }
contexts:
- { name: x, context: { cluster: other, user: shared, namespace: two } }
current-context: x
`,
  "/b/config",
);
const third = parseKubeconfig("current-context: only-first\n", "/c/config");

Deno.test("mergeKubeconfigs: the first file to define a name wins, whole entries", () => {
  const merged = mergeKubeconfigs([first, second]);
  assert.equal(merged.clusters.get("shared")?.server, "https://first");
  assert.equal(merged.users.get("shared")?.token, "first");
  // Entries are not merged field by field: the second file's username is not taken.
  assert.equal(merged.users.get("shared")?.username, undefined);
  assert.deepEqual([...merged.clusters.keys()], ["shared", "other"]);
  assert.deepEqual([...merged.contexts.keys()], ["only-first", "x"]);
  assert.deepEqual(merged.files, ["/a/config", "/b/config"]);
});

Deno.test("mergeKubeconfigs: current-context comes from the first file that sets it", () => {
  assert.equal(mergeKubeconfigs([first, second, third]).currentContext, "x");
  assert.equal(mergeKubeconfigs([third, second]).currentContext, "only-first");
  assert.equal(mergeKubeconfigs([first]).currentContext, undefined);
  assert.equal(mergeKubeconfigs([]).files.length, 0);
});

Deno.test("mergeKubeconfigs: relative paths stay resolved against the file that named them", () => {
  const merged = mergeKubeconfigs([first, second]);
  assert.equal(merged.clusters.get("shared")?.certificateAuthority, "/a/ca.crt");
  assert.equal(merged.clusters.get("other")?.certificateAuthority, "/b/ca.crt");
  // A context of one file may use a user of another.
  const selected = selectContext(mergeKubeconfigs([first, second]));
  assert.equal(selected.cluster.server, "https://other");
  assert.equal(selected.user?.token, "first");
});
