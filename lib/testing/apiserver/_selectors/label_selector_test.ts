import { strict as assert } from "node:assert";
import fc from "fast-check";
import { StatusError } from "../_errors.ts";
import { parseLabelSelector } from "./label_selector.ts";

/** Asserts that parsing fails with a 400 BadRequest whose message is exactly `message`. */
function assertRejects(text: string, message: string): void {
  assert.throws(
    () => parseLabelSelector(text),
    (e: unknown) => {
      assert.ok(e instanceof StatusError, `${text}: not a StatusError: ${e}`);
      assert.equal(e.code, 400);
      assert.equal(e.status.reason, "BadRequest");
      assert.equal(e.status.message, message);
      return true;
    },
  );
}

const VALUE_REGEX = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const VALUE_MSG =
  `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${VALUE_REGEX}')`;
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

Deno.test("empty selectors select everything", () => {
  for (const text of ["", "   ", "\t\n"]) {
    const s = parseLabelSelector(text);
    assert.equal(s.empty, true);
    assert.equal(s.text, text);
    assert.equal(s.matches(undefined), true);
    assert.equal(s.matches({ a: "b" }), true);
  }
});

Deno.test("equality operators", () => {
  for (const text of ["app=web", "app==web", " app = web ", "app == web"]) {
    const s = parseLabelSelector(text);
    assert.equal(s.empty, false);
    assert.equal(s.matches({ app: "web" }), true, text);
    assert.equal(s.matches({ app: "db" }), false, text);
    assert.equal(s.matches({}), false, text);
    assert.equal(s.matches(undefined), false, text);
  }
});

Deno.test("!= selects objects without the key", () => {
  const s = parseLabelSelector("app != web");
  assert.equal(s.matches({ app: "web" }), false);
  assert.equal(s.matches({ app: "db" }), true);
  assert.equal(s.matches({}), true);
  assert.equal(s.matches(undefined), true);
});

Deno.test("empty values", () => {
  assert.equal(parseLabelSelector("app=").matches({ app: "" }), true);
  assert.equal(parseLabelSelector("app=").matches({}), false);
  assert.equal(parseLabelSelector("app=,b").matches({ app: "", b: "x" }), true);
  assert.equal(parseLabelSelector("app in ()").matches({ app: "" }), true);
  assert.equal(parseLabelSelector("app in (,x)").matches({ app: "" }), true);
  assert.deepEqual(parseLabelSelector("app in (x,,y)").requirements[0]?.values, ["", "x", "y"]);
});

Deno.test("in and notin", () => {
  const inSel = parseLabelSelector("env in (prod, dev)");
  assert.deepEqual(inSel.requirements, [{ key: "env", operator: "in", values: ["dev", "prod"] }]);
  assert.equal(inSel.matches({ env: "prod" }), true);
  assert.equal(inSel.matches({ env: "dev" }), true);
  assert.equal(inSel.matches({ env: "qa" }), false);
  assert.equal(inSel.matches({}), false);
  const notIn = parseLabelSelector("env notin (prod,dev)");
  assert.equal(notIn.matches({ env: "prod" }), false);
  assert.equal(notIn.matches({ env: "qa" }), true);
  assert.equal(notIn.matches({}), true);
});

Deno.test("in and notin are values inside the value context", () => {
  assert.equal(parseLabelSelector("x in (in,notin)").matches({ x: "notin" }), true);
  assert.equal(parseLabelSelector("x=in").matches({ x: "in" }), true);
  assert.equal(parseLabelSelector("in").matches({ in: "1" }), true);
});

Deno.test("exists and does not exist", () => {
  const exists = parseLabelSelector("app");
  assert.equal(exists.matches({ app: "" }), true);
  assert.equal(exists.matches({}), false);
  const absent = parseLabelSelector("!app");
  assert.equal(absent.matches({ app: "x" }), false);
  assert.equal(absent.matches({}), true);
  assert.equal(parseLabelSelector("! app").matches({}), true);
});

Deno.test("labels inherited from Object.prototype do not count", () => {
  assert.equal(parseLabelSelector("constructor").matches({}), false);
  assert.equal(parseLabelSelector("!toString").matches({}), true);
});

Deno.test("gt and lt compare integers", () => {
  const gt = parseLabelSelector("replicas>3");
  assert.deepEqual(gt.requirements, [{ key: "replicas", operator: "gt", values: ["3"] }]);
  assert.equal(gt.matches({ replicas: "4" }), true);
  assert.equal(gt.matches({ replicas: "3" }), false);
  assert.equal(gt.matches({ replicas: "10" }), true, "numeric, not lexical");
  assert.equal(gt.matches({ replicas: "x" }), false, "non-integer values are not selected");
  assert.equal(gt.matches({}), false, "objects without the key are not selected");
  const lt = parseLabelSelector("replicas < 3");
  assert.equal(lt.matches({ replicas: "2" }), true);
  assert.equal(lt.matches({ replicas: "3" }), false);
  assert.equal(lt.matches({ replicas: "-1" }), true);
  assert.equal(lt.matches({}), false);
  assert.equal(
    parseLabelSelector("n>9223372036854775806").matches({ n: "9223372036854775807" }),
    true,
  );
  assert.equal(
    parseLabelSelector("n<1").matches({ n: "9223372036854775808" }),
    false,
    "out of int64 range does not parse",
  );
});

Deno.test("L6: app in (a,b),!skip", () => {
  const s = parseLabelSelector("app in (a,b),!skip");
  const objects: Record<string, Record<string, string> | undefined> = {
    a: { app: "a" },
    b: { app: "b", other: "x" },
    c: { app: "c" },
    skipped: { app: "a", skip: "true" },
    skippedEmpty: { app: "b", skip: "" },
    none: undefined,
  };
  const selected = Object.entries(objects).filter(([, l]) => s.matches(l)).map(([n]) => n);
  assert.deepEqual(selected, ["a", "b"]);
  assert.deepEqual(s.requirements.map((r) => r.key), ["app", "skip"]);
});

Deno.test("requirements are ANDed and sorted by key", () => {
  const s = parseLabelSelector("z=1, a!=2 ,m");
  assert.deepEqual(s.requirements.map((r) => r.key), ["a", "m", "z"]);
  assert.equal(s.matches({ z: "1", m: "" }), true);
  assert.equal(s.matches({ z: "1", m: "", a: "2" }), false);
  assert.equal(s.matches({ z: "1" }), false);
});

Deno.test("prefixed keys", () => {
  const s = parseLabelSelector("app.kubernetes.io/name=web");
  assert.equal(s.matches({ "app.kubernetes.io/name": "web" }), true);
});

Deno.test("syntax errors answer with Go's texts", () => {
  assertRejects(",", "found ',', expected: !, identifier, or 'end of string'");
  assertRejects("a,", "found '', expected: identifier after ','");
  assertRejects("a,,b", "found ',', expected: identifier after ','");
  assertRejects(
    "a b",
    "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
  );
  assertRejects("a=b c", "found 'c', expected: ',' or 'end of string'");
  assertRejects("a in", "unable to parse requirement: found '' expected: '('");
  assertRejects("a in (b", "unable to parse requirement: found '', expected: ',' or ')'");
  assertRejects("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'");
  assertRejects(
    "a in (=)",
    "unable to parse requirement: found '=', expected: ',', ')' or identifier",
  );
  assertRejects(
    "a in (,=)",
    "unable to parse requirement: found '=', expected: ',', or identifier",
  );
  assertRejects("a===b", "unable to parse requirement: found '=', expected: identifier");
  assertRejects("!", "unable to parse requirement: found '', expected: identifier");
  assertRejects("!a=b", "found '=', expected: ',' or 'end of string'");
  assertRejects("(", "found '(', expected: !, identifier, or 'end of string'");
});

Deno.test("invalid keys answer with the qualified-name texts", () => {
  assertRejects(
    "-a=b",
    `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_PART_MSG}`,
  );
  assertRejects(
    "app/=b",
    `unable to parse requirement: <nil>: Invalid value: "app/": name part must be non-empty; ${NAME_PART_MSG}`,
  );
  assertRejects(
    "a/b/c",
    `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  );
  assertRejects(
    "Example.com/a",
    `unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  assertRejects(
    `${"k".repeat(64)}`,
    `unable to parse requirement: <nil>: Invalid value: "${
      "k".repeat(64)
    }": name part must be no more than 63 characters`,
  );
});

Deno.test("invalid values answer with the label-value texts", () => {
  assertRejects(
    "app=a/b",
    `unable to parse requirement: values[0][app]: Invalid value: "a/b": ${VALUE_MSG}`,
  );
  assertRejects(
    "app in (ok,-bad)",
    `unable to parse requirement: values[0][app]: Invalid value: "-bad": ${VALUE_MSG}`,
  );
  assertRejects(
    `app=${"v".repeat(64)}`,
    `unable to parse requirement: values[0][app]: Invalid value: "${
      "v".repeat(64)
    }": must be no more than 63 characters`,
  );
  assertRejects(
    "n>x",
    `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  assertRejects(
    "n>",
    `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  assertRejects(
    "n<a.",
    `unable to parse requirement: [values[0]: Invalid value: "a.": for 'Gt', 'Lt' operators, the value must be an integer, values[0][n]: Invalid value: "a.": ${VALUE_MSG}]`,
  );
});

const labelKey = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const labelValue = fc.stringMatching(/^([a-z0-9]{0,4})$/);
const labelMap = fc.dictionary(labelKey, labelValue, { maxKeys: 5 });

Deno.test("property: k=v selects iff labels[k] === v, and k!=v is its negation", () => {
  fc.assert(
    fc.property(labelMap, labelKey, labelValue, (labels, k, v) => {
      const eq = parseLabelSelector(`${k}=${v}`).matches(labels);
      const ne = parseLabelSelector(`${k}!=${v}`).matches(labels);
      assert.equal(eq, Object.hasOwn(labels, k) && labels[k] === v);
      assert.equal(ne, !eq);
    }),
  );
});

Deno.test("property: in/notin and exists/!exists are complements", () => {
  fc.assert(
    fc.property(
      labelMap,
      labelKey,
      fc.array(labelValue, { minLength: 1, maxLength: 3 }),
      (labels, k, values) => {
        const list = values.join(",");
        const inSel = parseLabelSelector(`${k} in (${list})`).matches(labels);
        const notIn = parseLabelSelector(`${k} notin (${list})`).matches(labels);
        assert.equal(inSel, Object.hasOwn(labels, k) && values.includes(labels[k] ?? ""));
        assert.equal(notIn, !inSel);
        assert.equal(
          parseLabelSelector(k).matches(labels),
          !parseLabelSelector(`!${k}`).matches(labels),
        );
      },
    ),
  );
});

Deno.test("property: a conjunction selects iff each part does", () => {
  fc.assert(
    fc.property(labelMap, labelKey, labelValue, labelKey, (labels, k1, v1, k2) => {
      const a = `${k1}=${v1}`;
      const b = `!${k2}`;
      assert.equal(
        parseLabelSelector(`${a},${b}`).matches(labels),
        parseLabelSelector(a).matches(labels) && parseLabelSelector(b).matches(labels),
      );
    }),
  );
});
