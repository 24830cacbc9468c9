import { strict as assert } from "node:assert";
import { parseBindAddress } from "./_bind_address.ts";

Deno.test("parseBindAddress: controller-runtime's flag syntax", () => {
  const rows: [string | undefined, ReturnType<typeof parseBindAddress>][] = [
    [undefined, undefined],
    ["", undefined],
    ["0", undefined],
    [":8080", { hostname: "0.0.0.0", port: 8080 }],
    ["127.0.0.1:0", { hostname: "127.0.0.1", port: 0 }],
    ["localhost:8081", { hostname: "localhost", port: 8081 }],
    ["[::1]:9443", { hostname: "::1", port: 9443 }],
  ];
  for (const [input, expected] of rows) {
    assert.deepEqual(parseBindAddress("--flag", input), expected, String(input));
  }
});

Deno.test("parseBindAddress: a malformed address names the flag and the value", () => {
  for (const bad of ["8080", "host:", "host:70000", "::1:80", "a:b"]) {
    assert.throws(
      () => parseBindAddress("--metrics-bind-address", bad),
      (e: unknown) =>
        e instanceof RangeError && e.message.includes("--metrics-bind-address") &&
        e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});
