import { strict as assert } from "node:assert";
import { StatusError } from "./_errors.ts";
import {
  goBase64Decode,
  goDecode,
  type GoType,
  parseGoMicroTime,
  parseGoTime,
} from "./_go_decode.ts";

Deno.test("goBase64Decode reports the byte Go names", () => {
  // Offsets observed on kube-apiserver 1.34 (`illegal base64 data at input byte N`).
  assert.equal(goBase64Decode("e!A=="), 1);
  assert.equal(goBase64Decode("eA="), 3);
  assert.equal(goBase64Decode("eA"), 0);
  assert.equal(goBase64Decode("eAAAA"), 4);
  assert.equal(goBase64Decode("eA==x"), 4);
  assert.equal(goBase64Decode("e==="), 1);
  assert.deepEqual(goBase64Decode(""), new Uint8Array());
  assert.deepEqual(goBase64Decode("aGVsbG8="), new TextEncoder().encode("hello"));
  assert.deepEqual(goBase64Decode("aGVs\nbG8="), new TextEncoder().encode("hello"));
  assert.deepEqual(goBase64Decode("aGVsbG8h"), new TextEncoder().encode("hello!"));
});

const LAYOUT = '"2006-01-02T15:04:05.000000Z07:00"';

Deno.test("parseGoMicroTime gives time.Parse's errors", () => {
  const cases: [string, string][] = [
    ["2024-01-01T00:00:00.123Z", `cannot parse ".123Z" as ".000000"`],
    ["2024-01-01T00:00:00Z", `cannot parse "Z" as ".000000"`],
    ["2024-01-01T00:00:00.1234567Z", `cannot parse "7Z" as "Z07:00"`],
    ["garbage", `cannot parse "garbage" as "2006"`],
    ["", `cannot parse "" as "2006"`],
    ["2024-02-01 00:00:00.000000Z", `cannot parse " 00:00:00.000000Z" as "T"`],
    ["2024-02-01T00:00:00.000000+0200", `cannot parse "+0200" as "Z07:00"`],
  ];
  for (const [value, tail] of cases) {
    assert.equal(parseGoMicroTime(value), `parsing time "${value}" as ${LAYOUT}: ${tail}`);
  }
  const ranges: [string, string][] = [
    ["2024-13-01T00:00:00.000000Z", "month out of range"],
    ["2024-02-30T00:00:00.000000Z", "day out of range"],
    ["2024-02-01T24:00:00.000000Z", "hour out of range"],
    ["2024-02-01T00:00:00.-00001Z", "fractional second out of range"],
    ["2024-02-01T00:00:00.000000+25:00", "time zone offset hour out of range"],
    ["2024-02-01T00:00:00.000000Zx", 'extra text: "x"'],
  ];
  for (const [value, tail] of ranges) {
    assert.equal(parseGoMicroTime(value), `parsing time "${value}": ${tail}`);
  }
});

Deno.test("parseGoMicroTime normalises to UTC", () => {
  assert.deepEqual(parseGoMicroTime("2024-01-01T00:00:00.123456+02:00"), {
    value: "2023-12-31T22:00:00.123456Z",
  });
  assert.deepEqual(parseGoMicroTime("2024-02-01T1:00:00.000000Z"), {
    value: "2024-02-01T01:00:00.000000Z",
  });
  assert.deepEqual(parseGoMicroTime("2024-02-29T23:59:59.999999Z"), {
    value: "2024-02-29T23:59:59.999999Z",
  });
});

Deno.test("parseGoTime accepts RFC 3339 with or without fractions and drops them", () => {
  assert.deepEqual(parseGoTime("2024-01-01T00:00:05.9Z"), { value: "2024-01-01T00:00:05Z" });
  assert.deepEqual(parseGoTime("2024-01-01T01:00:05-01:00"), { value: "2024-01-01T02:00:05Z" });
  assert.equal(
    parseGoTime("2024-01-01"),
    'parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"',
  );
});

const LEASE = {
  name: "v1.Lease",
  fields: {
    spec: {
      kind: "struct",
      name: "v1.LeaseSpec",
      fields: {
        holderIdentity: { kind: "string" },
        leaseDurationSeconds: { kind: "int32" },
        renewTime: { kind: "microTime" },
      },
    },
  },
} satisfies { name: string; fields: Record<string, GoType> };

function decodeError(obj: Record<string, unknown>): string {
  try {
    goDecode(structuredClone(obj) as never, LEASE, "Lease", "v1");
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    return String(e.status.message);
  }
  return "";
}

Deno.test("goDecode reports Go's type errors", () => {
  const prefix = 'Lease in version "v1" cannot be handled as a Lease: ';
  assert.equal(
    decodeError({ spec: { holderIdentity: 5 } }),
    `${prefix}json: cannot unmarshal number into Go struct field LeaseSpec.spec.holderIdentity of type string`,
  );
  assert.equal(
    decodeError({ spec: { leaseDurationSeconds: 3000000000 } }),
    `${prefix}json: cannot unmarshal number 3000000000 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
  );
  assert.equal(
    decodeError({ spec: { leaseDurationSeconds: 1.5 } }),
    `${prefix}json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`,
  );
  assert.equal(
    decodeError({ spec: "x" }),
    `${prefix}json: cannot unmarshal string into Go struct field Lease.spec of type v1.LeaseSpec`,
  );
  assert.equal(
    decodeError({ spec: { renewTime: 5 } }),
    `${prefix}json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string`,
  );
  // A time error ends decoding at once, even after a saved type error.
  assert.match(
    decodeError({ spec: { holderIdentity: 5, renewTime: "x" } }),
    /parsing time "x"/,
  );
  assert.equal(decodeError({ spec: { renewTime: null, holderIdentity: null } }), "");
});

Deno.test("goDecode normalises times in place", () => {
  const obj = { spec: { renewTime: "2024-01-01T00:00:00.000001-01:00" } };
  goDecode(obj, LEASE, "Lease", "v1");
  assert.equal(obj.spec.renewTime, "2024-01-01T01:00:00.000001Z");
});
