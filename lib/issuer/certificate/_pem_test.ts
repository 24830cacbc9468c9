import { strict as assert } from "node:assert";
import { decodeBase64, decodePem, encodeBase64, encodePem } from "./_pem.ts";

Deno.test("decodePem() finds every block, skipping surrounding text", () => {
  const text = `junk\n${encodePem("CERTIFICATE", new Uint8Array([1, 2, 3]))}between\n${
    encodePem("PRIVATE KEY", new Uint8Array(100).fill(7))
  }trailer`;
  const blocks = decodePem(text);
  assert.deepEqual(blocks.map((block) => block.type), ["CERTIFICATE", "PRIVATE KEY"]);
  assert.deepEqual([...blocks[0]!.der], [1, 2, 3]);
  assert.equal(blocks[1]!.der.length, 100);
});

Deno.test("decodePem() skips RFC 1421 headers and blocks that are not base64", () => {
  const withHeaders =
    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n-----END RSA PRIVATE KEY-----\n";
  const [block] = decodePem(withHeaders);
  assert.equal(block?.hasHeaders, true);
  assert.deepEqual(block?.headers, { "Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00" });
  assert.deepEqual(decodePem("-----BEGIN X-----\nAQID\n-----END X-----\n")[0]?.headers, {});
  assert.deepEqual([...block!.der], [1, 2, 3]);
  assert.deepEqual(decodePem("-----BEGIN X-----\n!!!!\n-----END X-----\n"), []);
  assert.deepEqual(decodePem("-----BEGIN X-----\nAQID\n-----END Y-----\n"), []);
  assert.deepEqual(decodePem("no pem here"), []);
});

Deno.test("encodePem() wraps lines at 64 characters", () => {
  const pem = encodePem("CERTIFICATE", new Uint8Array(100));
  const lines = pem.trim().split("\n");
  assert.equal(lines[0], "-----BEGIN CERTIFICATE-----");
  assert.equal(lines[1]?.length, 64);
  assert.equal(lines.at(-1), "-----END CERTIFICATE-----");
  assert.ok(pem.endsWith("\n"));
});

Deno.test("decodeBase64() is strict, encodeBase64() round-trips", () => {
  const data = crypto.getRandomValues(new Uint8Array(60_000));
  assert.deepEqual(decodeBase64(encodeBase64(data)), data);
  assert.throws(() => decodeBase64("abc"), SyntaxError);
  assert.throws(() => decodeBase64("ab$="), SyntaxError);
  assert.deepEqual([...decodeBase64("")], []);
});
