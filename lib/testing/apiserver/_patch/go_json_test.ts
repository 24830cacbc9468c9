import { strict as assert } from "node:assert";
import { goJsonMarshal, goJsonSyntaxError, goJsonTypeName } from "./go_json.ts";

Deno.test("goJsonSyntaxError: valid documents", () => {
  for (const text of ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]}', " [ ] ", "0", '"x"']) {
    assert.equal(goJsonSyntaxError(text), undefined, text);
  }
});

Deno.test("goJsonSyntaxError: Go's messages", () => {
  const cases: [string, string][] = [
    ["", "unexpected end of JSON input"],
    ["{", "unexpected end of JSON input"],
    ['{"a":', "unexpected end of JSON input"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ['{"spec": x}', "invalid character 'x' looking for beginning of value"],
    ["{a:1}", "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ["{} x", "invalid character 'x' after top-level value"],
    ["01", "invalid character '1' after top-level value"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1ex", "invalid character 'x' in exponent of numeric literal"],
    ["tru!", "invalid character '!' in literal true (expecting 'e')"],
    ["nul", "unexpected end of JSON input"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ["\u0001", "invalid character '\\x01' looking for beginning of value"],
  ];
  for (const [text, message] of cases) assert.equal(goJsonSyntaxError(text), message, text);
});

Deno.test("goJsonTypeName names JSON values as Go does", () => {
  assert.deepEqual(
    [{}, [], "s", 1, true, null].map(goJsonTypeName),
    ["object", "array", "string", "number", "bool", "null"],
  );
});

Deno.test("goJsonMarshal sorts keys and escapes like Go", () => {
  assert.equal(
    goJsonMarshal({ z: { b: 2, a: 1 }, a: ["<&>"], "é": 1, B: null }),
    '{"B":null,"a":["\\u003c\\u0026\\u003e"],"z":{"a":1,"b":2},"é":1}',
  );
});
