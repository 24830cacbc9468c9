import { strict as assert } from "node:assert";
import { UnknownUsageError } from "./errors.ts";
import {
  DEFAULT_USAGES,
  extKeyUsageNames,
  ExtKeyUsageOid,
  isKnownExtKeyUsage,
  KeyUsageBit,
  keyUsageNames,
  keyUsagesFromUsages,
} from "./usages.ts";

Deno.test("keyUsagesFromUsages() maps every key-usage string of spec §10.3 to its bit", () => {
  const table: [string, number][] = [
    ["signing", 0],
    ["digital signature", 0],
    ["content commitment", 1],
    ["key encipherment", 2],
    ["data encipherment", 3],
    ["key agreement", 4],
    ["cert sign", 5],
    ["crl sign", 6],
    ["encipher only", 7],
    ["decipher only", 8],
  ];
  for (const [usage, bit] of table) {
    assert.deepEqual(keyUsagesFromUsages([usage]), { keyUsage: 1 << bit, extKeyUsage: [] }, usage);
  }
});

Deno.test("keyUsagesFromUsages() maps every extended-key-usage string of spec §10.3 to its OID", () => {
  const table: [string, string][] = [
    ["any", "2.5.29.37.0"],
    ["server auth", "1.3.6.1.5.5.7.3.1"],
    ["client auth", "1.3.6.1.5.5.7.3.2"],
    ["code signing", "1.3.6.1.5.5.7.3.3"],
    ["email protection", "1.3.6.1.5.5.7.3.4"],
    ["s/mime", "1.3.6.1.5.5.7.3.4"],
    ["ipsec end system", "1.3.6.1.5.5.7.3.5"],
    ["ipsec tunnel", "1.3.6.1.5.5.7.3.6"],
    ["ipsec user", "1.3.6.1.5.5.7.3.7"],
    ["timestamping", "1.3.6.1.5.5.7.3.8"],
    ["ocsp signing", "1.3.6.1.5.5.7.3.9"],
    ["microsoft sgc", "1.3.6.1.4.1.311.10.3.3"],
    ["netscape sgc", "2.16.840.1.113730.4.1"],
  ];
  for (const [usage, oid] of table) {
    assert.deepEqual(keyUsagesFromUsages([usage]), { keyUsage: 0, extKeyUsage: [oid] }, usage);
  }
});

Deno.test("keyUsagesFromUsages() uses digital signature and key encipherment when no usage is given", () => {
  const defaults = {
    keyUsage: KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
    extKeyUsage: [],
  };
  assert.deepEqual(keyUsagesFromUsages(undefined), defaults);
  assert.deepEqual(keyUsagesFromUsages([]), defaults);
  assert.deepEqual(DEFAULT_USAGES, ["digital signature", "key encipherment"]);
});

Deno.test("keyUsagesFromUsages() adds cert sign only when asked (CertificateRequest isCA)", () => {
  assert.equal(
    keyUsagesFromUsages([], { addCertSign: true }).keyUsage,
    KeyUsageBit.certSign | KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
  );
  assert.equal(
    keyUsagesFromUsages(["server auth"], { addCertSign: true }).keyUsage,
    KeyUsageBit.certSign,
  );
  assert.equal(keyUsagesFromUsages(["server auth"]).keyUsage, 0);
});

Deno.test("keyUsagesFromUsages() keeps extended key usages in order, duplicates included", () => {
  const { keyUsage, extKeyUsage } = keyUsagesFromUsages([
    "client auth",
    "signing",
    "server auth",
    "s/mime",
    "email protection",
    "client auth",
  ]);
  assert.equal(keyUsage, KeyUsageBit.digitalSignature);
  assert.deepEqual(extKeyUsage, [
    ExtKeyUsageOid.clientAuth,
    ExtKeyUsageOid.serverAuth,
    ExtKeyUsageOid.emailProtection,
    ExtKeyUsageOid.emailProtection,
    ExtKeyUsageOid.clientAuth,
  ]);
});

Deno.test("keyUsagesFromUsages() rejects unknown usages, listing all of them", () => {
  assert.throws(
    () => keyUsagesFromUsages(["server auth", "Server Auth", "fly", "digital signature"]),
    (error: unknown) => {
      assert.ok(error instanceof UnknownUsageError);
      assert.equal(error.message, "unknown key usages: [Server Auth fly]");
      assert.deepEqual(error.usages, ["Server Auth", "fly"]);
      return true;
    },
  );
});

Deno.test("keyUsageNames() names bits lowest first, as cert-manager prints them", () => {
  assert.deepEqual(keyUsageNames(0), []);
  assert.deepEqual(keyUsageNames(0x1ff), [
    "digital signature",
    "content commitment",
    "key encipherment",
    "data encipherment",
    "key agreement",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
  ]);
  assert.deepEqual(keyUsageNames(1 << 9), ["unknown"]);
});

Deno.test("extKeyUsageNames() prints the e-mail OID as email protection and unmapped OIDs as unknown", () => {
  assert.deepEqual(
    extKeyUsageNames([
      ExtKeyUsageOid.emailProtection,
      ExtKeyUsageOid.any,
      ExtKeyUsageOid.microsoftCommercialCodeSigning,
      "1.2.3.4",
    ]),
    ["email protection", "any", "unknown", "unknown"],
  );
});

Deno.test("isKnownExtKeyUsage() knows Go's extended key usages only", () => {
  for (const oid of Object.values(ExtKeyUsageOid)) assert.ok(isKnownExtKeyUsage(oid), oid);
  assert.equal(isKnownExtKeyUsage("1.2.3.4"), false);
});
