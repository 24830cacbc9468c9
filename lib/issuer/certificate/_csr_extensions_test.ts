import { strict as assert } from "node:assert";
import { formatIp, readSubjectAltNames } from "./_csr_extensions.ts";
import { encodeTlv } from "./_der.ts";

const ascii = (text: string) => new TextEncoder().encode(text);
const names = (...items: Uint8Array[]) => {
  const body = new Uint8Array(items.reduce((sum, item) => sum + item.length, 0));
  let at = 0;
  for (const item of items) {
    body.set(item, at);
    at += item.length;
  }
  return encodeTlv(0x30, body);
};

Deno.test("formatIp() prints addresses as Go's net.IP.String does", () => {
  const v6 = (...groups: number[]) =>
    new Uint8Array(groups.flatMap((group) => [group >> 8, group & 0xff]));
  assert.equal(formatIp(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)), "2001:db8::1");
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0, 0, 1)), "::1");
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0, 0, 0)), "::");
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1)), "2001:db8:0:1::1");
  assert.equal(formatIp(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), "2001:db8::1:0:0:1");
  assert.equal(formatIp(v6(1, 0, 2, 3, 4, 5, 6, 7)), "1:0:2:3:4:5:6:7");
  assert.equal(formatIp(v6(0xfe80, 0, 0, 0, 0xabc, 0, 0, 0)), "fe80::abc:0:0:0");
  assert.equal(formatIp(v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201)), "192.0.2.1");
});

Deno.test("readSubjectAltNames() reads DNS, IP, URI and e-mail names and skips others", () => {
  const value = names(
    encodeTlv(0x82, ascii("web.example")),
    encodeTlv(0x87, new Uint8Array([127, 0, 0, 1])),
    encodeTlv(0x86, ascii("spiffe://example.org/web")),
    encodeTlv(0x81, ascii("ops@example.org")),
    encodeTlv(0x88, new Uint8Array([0x2a, 0x03])),
    encodeTlv(0xa0, encodeTlv(0x06, new Uint8Array([0x2a]))),
  );
  assert.deepEqual(readSubjectAltNames(value), {
    dnsNames: ["web.example"],
    ipAddresses: ["127.0.0.1"],
    uris: ["spiffe://example.org/web"],
    emailAddresses: ["ops@example.org"],
  });
});

Deno.test("readSubjectAltNames() rejects malformed names with Go's wording", () => {
  assert.throws(
    () => readSubjectAltNames(names(encodeTlv(0x87, new Uint8Array(5)))),
    /x509: cannot parse IP address of length 5/,
  );
  assert.throws(
    () => readSubjectAltNames(names(encodeTlv(0x82, new Uint8Array([0xc3, 0xbc])))),
    /x509: SAN dNSName is malformed/,
  );
  assert.throws(() => readSubjectAltNames(encodeTlv(0x04, new Uint8Array())), /GeneralNames/);
});
