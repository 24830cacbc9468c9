import { strict as assert } from "node:assert";
import { Counter, Gauge } from "./metrics.ts";

Deno.test("Counter writes HELP, TYPE and one line per series, sorted by label values", () => {
  const c = new Counter({ name: "reqs_total", help: "Requests.", labelNames: ["method", "code"] });
  c.labels("PUT", "200").inc();
  c.labels("GET", "500").inc(2);
  c.labels("GET", "200").inc();
  assert.equal(
    c.expose(),
    "# HELP reqs_total Requests.\n# TYPE reqs_total counter\n" +
      'reqs_total{code="200",method="GET"} 1\n' +
      'reqs_total{code="200",method="PUT"} 1\n' +
      'reqs_total{code="500",method="GET"} 2\n',
  );
});

Deno.test("Counter escapes label values and help text", () => {
  const c = new Counter({ name: "x_total", help: 'A \\ "b"\nc', labelNames: ["path"] });
  c.labels('C:\\dir "q"\nnext').inc();
  assert.equal(
    c.expose(),
    '# HELP x_total A \\\\ "b"\\nc\n# TYPE x_total counter\nx_total{path="C:\\\\dir \\"q\\"\\nnext"} 1\n',
  );
});

Deno.test("a labelled family with no series writes nothing; an unlabelled one writes 0", () => {
  assert.equal(new Counter({ name: "a_total", help: "A.", labelNames: ["x"] }).expose(), "");
  assert.equal(new Gauge({ name: "g", help: "G." }).expose(), "# HELP g G.\n# TYPE g gauge\ng 0\n");
});

Deno.test("Counter refuses to go down, naming the amount", () => {
  const c = new Counter({ name: "a_total", help: "A." });
  assert.throws(
    () => c.inc(-1),
    (e) => e instanceof RangeError && /a_total.*got -1/.test(e.message),
  );
  c.inc();
  c.inc(0.5);
  assert.equal(c.labels().value, 1.5);
});

Deno.test("labels(...) checks the number of values", () => {
  const c = new Counter({ name: "a_total", help: "A.", labelNames: ["x", "y"] });
  assert.throws(
    // @ts-expect-error: one value for two labels
    () => c.labels("only"),
    (e) => e instanceof RangeError && /expected 2 label values \(x, y\), got 1/.test(e.message),
  );
});

Deno.test("labels(...) returns the same series for the same values", () => {
  const g = new Gauge({ name: "g", help: "G.", labelNames: ["x"] });
  g.labels("a").set(3);
  g.labels("a").inc(2);
  g.labels("a").dec();
  assert.equal(g.labels("a").value, 4);
  assert.equal(g.remove("a"), true);
  assert.equal(g.labels("a").value, 0);
});

Deno.test("metric and label names are validated, naming the bad one", () => {
  assert.throws(() => new Counter({ name: "1bad", help: "" }), /metric name .* got "1bad"/);
  assert.throws(() => new Gauge({ name: "g", help: "", labelNames: ["__x"] }), /"__x"/);
  assert.throws(() => new Gauge({ name: "g", help: "", labelNames: ["a-b"] }), /"a-b"/);
  assert.throws(
    () => new Gauge({ name: "g", help: "", labelNames: ["a", "a"] }),
    /duplicate .*"a"/,
  );
});

Deno.test("Gauge writes negative and fractional values", () => {
  const g = new Gauge({ name: "temp", help: "T." });
  g.set(-2.5);
  assert.equal(g.expose(), "# HELP temp T.\n# TYPE temp gauge\ntemp -2.5\n");
});
