import { strict as assert } from "node:assert";
import { Registry } from "./registry.ts";

Deno.test("Registry writes families sorted by name and skips empty ones", () => {
  const registry = new Registry();
  registry.counter({ name: "b_total", help: "B." }).inc();
  registry.gauge({ name: "a", help: "A.", labelNames: ["x"] });
  registry.gauge({ name: "c", help: "C." }).set(2);
  assert.equal(
    registry.expose(),
    "# HELP b_total B.\n# TYPE b_total counter\nb_total 1\n# HELP c C.\n# TYPE c gauge\nc 2\n",
  );
});

Deno.test("Registry refuses a second family of the same name", () => {
  const registry = new Registry();
  registry.counter({ name: "x_total", help: "" });
  assert.throws(
    () => registry.gauge({ name: "x_total", help: "" }),
    (e) => e instanceof TypeError && /x_total is already registered/.test(e.message),
  );
  assert.equal(registry.unregister("x_total"), true);
  registry.gauge({ name: "x_total", help: "" });
});

Deno.test("Registry runs collect hooks before writing, until they are removed", () => {
  const registry = new Registry();
  const g = registry.gauge({ name: "g", help: "G." });
  let n = 0;
  const remove = registry.onCollect(() => g.set(++n));
  assert.match(registry.expose(), /^g 1$/m);
  assert.match(registry.expose(), /^g 2$/m);
  remove();
  assert.match(registry.expose(), /^g 2$/m);
});
