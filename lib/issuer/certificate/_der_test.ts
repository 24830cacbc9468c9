import { strict as assert } from "node:assert";
import {
  bytesEqual,
  children,
  concatBytes,
  contents,
  DerError,
  encodeOid,
  encodeSequence,
  encodeSmallInteger,
  encodeTlv,
  readBoolean,
  readOid,
  readSingle,
  readSmallInteger,
  readTlv,
  Tag,
} from "./_der.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("readTlv() reads short and long lengths", () => {
  assert.deepEqual(readTlv(bytes(0x04, 0x02, 0xaa, 0xbb)), {
    tag: 0x04,
    start: 0,
    contentStart: 2,
    end: 4,
  });
  const long = new Uint8Array(3 + 200);
  long.set([0x04, 0x81, 200]);
  assert.equal(readTlv(long).end, 203);
  assert.deepEqual(readTlv(encodeTlv(0x04, new Uint8Array(300))), {
    tag: 0x04,
    start: 0,
    contentStart: 4,
    end: 304,
  });
});

Deno.test("readTlv() rejects truncated and unsupported encodings", () => {
  assert.throws(() => readTlv(bytes()), DerError);
  assert.throws(() => readTlv(bytes(0x30)), /truncated length/);
  assert.throws(() => readTlv(bytes(0x30, 0x05, 0x00)), /runs past/);
  assert.throws(() => readTlv(bytes(0x30, 0x80)), /unsupported length form/);
  assert.throws(() => readTlv(bytes(0x1f, 0x01, 0x00)), /high-tag-number/);
  assert.throws(() => readSingle(bytes(0x05, 0x00, 0x05, 0x00)), /trailing data/);
});

Deno.test("children() lists the elements of a constructed element", () => {
  const der = bytes(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x05);
  const [flag, number] = children(der, readSingle(der));
  assert.equal(readBoolean(der, flag!), true);
  assert.equal(readSmallInteger(der, number!), 5);
  assert.deepEqual([...contents(der, number!)], [5]);
});

Deno.test("readOid() decodes dotted object identifiers", () => {
  const der = bytes(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e);
  assert.equal(readOid(der, readSingle(der)), "1.2.840.113549.1.9.14");
  const ec = bytes(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23);
  assert.equal(readOid(ec, readSingle(ec)), "1.3.132.0.35");
  const ekuAny = bytes(0x06, 0x04, 0x55, 0x1d, 0x25, 0x00);
  assert.equal(readOid(ekuAny, readSingle(ekuAny)), "2.5.29.37.0");
  assert.throws(() => readOid(bytes(0x06, 0x01, 0x86), readSingle(bytes(0x06, 0x01, 0x86))));
  assert.throws(
    () => readOid(bytes(0x04, 0x00), readSingle(bytes(0x04, 0x00))),
    /object identifier/,
  );
});

Deno.test("readSmallInteger() rejects negative and oversized integers", () => {
  assert.throws(() =>
    readSmallInteger(bytes(0x02, 0x01, 0xff), readSingle(bytes(0x02, 0x01, 0xff)))
  );
  const big = bytes(0x02, 0x07, 1, 0, 0, 0, 0, 0, 0);
  assert.throws(() => readSmallInteger(big, readSingle(big)), /out of range/);
  assert.equal(Tag.integer, 0x02);
});

Deno.test("bytesEqual() compares contents", () => {
  assert.ok(bytesEqual(bytes(1, 2), bytes(1, 2)));
  assert.ok(!bytesEqual(bytes(1, 2), bytes(1, 3)));
  assert.ok(!bytesEqual(bytes(1), bytes(1, 2)));
});

Deno.test("encodeOid() round-trips through readOid() and rejects what is not an OID", () => {
  for (
    const oid of ["1.2.840.10045.3.1.7", "1.3.132.0.35", "2.5.29.37.0", "1.2.840.113549.1.1.1"]
  ) {
    const der = encodeOid(oid);
    assert.equal(readOid(der, readSingle(der)), oid);
  }
  assert.deepEqual([...encodeOid("1.3.132.0.35")], [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]);
  assert.throws(() => encodeOid("1.2.x"), /not a dotted object identifier: "1\.2\.x"/);
  assert.throws(() => encodeOid("1.40"), /second arc must be below 40/);
});

Deno.test("encodeSmallInteger() and encodeSequence() write DER that the reader reads back", () => {
  assert.deepEqual([...encodeSmallInteger(0)], [0x02, 0x01, 0x00]);
  assert.deepEqual([...encodeSmallInteger(128)], [0x02, 0x02, 0x00, 0x80]);
  assert.deepEqual([...encodeSmallInteger(256)], [0x02, 0x02, 0x01, 0x00]);
  assert.throws(() => encodeSmallInteger(-1), RangeError);
  const der = encodeSequence(encodeSmallInteger(1), encodeSmallInteger(70_000));
  const [a, b] = children(der, readSingle(der));
  assert.equal(readSmallInteger(der, a!), 1);
  assert.equal(readSmallInteger(der, b!), 70_000);
  assert.deepEqual([...concatBytes(bytes(1), bytes(), bytes(2, 3))], [1, 2, 3]);
});
