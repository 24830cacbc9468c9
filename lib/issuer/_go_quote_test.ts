import { strict as assert } from "node:assert";
import { goQuote } from "./_go_quote.ts";

Deno.test("goQuote quotes like Go's %q", () => {
  const cases: [string, string][] = [
    ["", '""'],
    ["name", '"name"'],
    ['a"b', '"a\\"b"'],
    ["a\\b", '"a\\\\b"'],
    ["tab\there", '"tab\\there"'],
    ["nl\n", '"nl\\n"'],
    ["\x00\x7f", '"\\x00\\x7f"'],
    ["\u0085", '"\\u0085"'],
    ["héllo ✓", '"héllo ✓"'],
  ];
  for (const [input, want] of cases) assert.equal(goQuote(input), want, JSON.stringify(input));
});
