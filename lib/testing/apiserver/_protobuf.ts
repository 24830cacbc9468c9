/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`)
 * for the few built-in types kubectl sends that way.
 *
 * client-go's typed clients encode built-in objects as protobuf on their own — kubectl's
 * `create namespace`, `create secret …`, `create configmap` and `certificate approve|deny`
 * do, and so does `auth can-i` — and they do not fall back to JSON when the server answers
 * 415. A real server
 * decodes every built-in type; the fake decodes the ones in {@linkcode PROTOBUF_KINDS}
 * into their JSON form, which then runs through the ordinary JSON pipeline.
 *
 * Wire format: the magic `k8s\0`, then a `runtime.Unknown` message whose `typeMeta` names
 * the kind and whose `raw` holds the object's own message (generated from the Go types by
 * go-to-protobuf; field numbers below are those of `k8s.io/api` and
 * `k8s.io/apimachinery`'s `generated.proto`).
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../../core/json.ts";

/** The protobuf media type of kube-apiserver. */
export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

/** A field's wire type and how it maps to JSON. */
type FieldType =
  | "string"
  | "bytes" // base64 in JSON
  | "int"
  | "bool"
  | "time" // meta/v1 Time: RFC 3339, whole seconds
  | "microTime" // meta/v1 MicroTime: RFC 3339, six fractional digits
  | "json" // FieldsV1: a message whose field 1 is raw JSON
  | Message
  | { map: "string" | "bytes" | Message };

interface Field {
  /** The JSON name. */
  name: string;
  type: FieldType;
  /** A list (`repeated`). */
  repeated?: boolean;
  /** A Go pointer: present on the wire means set, even when zero. */
  pointer?: boolean;
  /** Shown in JSON even when zero (no `omitempty`). */
  always?: boolean;
}

/** A message: field number → field. A function defers a reference to a later constant. */
type Message = { fields: Record<number, Field> } | (() => { fields: Record<number, Field> });

const f = (name: string, type: FieldType, extra: Omit<Field, "name" | "type"> = {}): Field => ({
  name,
  type,
  ...extra,
});

const TYPE_META: Message = { fields: { 1: f("apiVersion", "string"), 2: f("kind", "string") } };

const UNKNOWN: Message = {
  fields: {
    1: f("typeMeta", TYPE_META),
    2: f("raw", "bytes"),
    3: f("contentEncoding", "string"),
    4: f("contentType", "string"),
  },
};

const OWNER_REFERENCE: Message = {
  fields: {
    1: f("kind", "string"),
    3: f("name", "string"),
    4: f("uid", "string"),
    5: f("apiVersion", "string"),
    6: f("controller", "bool", { pointer: true }),
    7: f("blockOwnerDeletion", "bool", { pointer: true }),
  },
};

const MANAGED_FIELDS_ENTRY: Message = {
  fields: {
    1: f("manager", "string"),
    2: f("operation", "string"),
    3: f("apiVersion", "string"),
    4: f("time", "time"),
    6: f("fieldsType", "string"),
    7: f("fieldsV1", "json"),
    8: f("subresource", "string"),
  },
};

const OBJECT_META: Message = {
  fields: {
    1: f("name", "string"),
    2: f("generateName", "string"),
    3: f("namespace", "string"),
    4: f("selfLink", "string"),
    5: f("uid", "string"),
    6: f("resourceVersion", "string"),
    7: f("generation", "int"),
    8: f("creationTimestamp", "time"),
    9: f("deletionTimestamp", "time"),
    10: f("deletionGracePeriodSeconds", "int", { pointer: true }),
    11: f("labels", { map: "string" }),
    12: f("annotations", { map: "string" }),
    13: f("ownerReferences", OWNER_REFERENCE, { repeated: true }),
    14: f("finalizers", "string", { repeated: true }),
    17: f("managedFields", MANAGED_FIELDS_ENTRY, { repeated: true }),
  },
};

const NAMESPACE: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", { fields: { 1: f("finalizers", "string", { repeated: true }) } }),
    3: f("status", {
      fields: {
        1: f("phase", "string"),
        2: f("conditions", {
          fields: {
            1: f("type", "string"),
            2: f("status", "string"),
            4: f("lastTransitionTime", "time"),
            5: f("reason", "string"),
            6: f("message", "string"),
          },
        }, { repeated: true }),
      },
    }),
  },
};

const SECRET: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("data", { map: "bytes" }),
    3: f("type", "string"),
    4: f("stringData", { map: "string" }),
    5: f("immutable", "bool", { pointer: true }),
  },
};

const CONFIG_MAP: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("data", { map: "string" }),
    3: f("binaryData", { map: "bytes" }),
    4: f("immutable", "bool", { pointer: true }),
  },
};

/** `ExtraValue` is a `[]string` wrapped in a message; JSON shows the list. */
const EXTRA_VALUE: Message = { fields: { 1: f("items", "string", { repeated: true }) } };

const CSR_CONDITION: Message = {
  fields: {
    1: f("type", "string"),
    6: f("status", "string"),
    2: f("reason", "string"),
    3: f("message", "string"),
    4: f("lastUpdateTime", "time"),
    5: f("lastTransitionTime", "time"),
  },
};

const CERTIFICATE_SIGNING_REQUEST: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", {
      fields: {
        1: f("request", "bytes"),
        7: f("signerName", "string"),
        8: f("expirationSeconds", "int", { pointer: true }),
        5: f("usages", "string", { repeated: true }),
        2: f("username", "string"),
        3: f("uid", "string"),
        4: f("groups", "string", { repeated: true }),
        6: f("extra", { map: EXTRA_VALUE }),
      },
    }),
    3: f("status", {
      fields: {
        1: f("conditions", CSR_CONDITION, { repeated: true }),
        2: f("certificate", "bytes"),
      },
    }),
  },
};

const LEASE: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", {
      fields: {
        1: f("holderIdentity", "string", { pointer: true }),
        2: f("leaseDurationSeconds", "int", { pointer: true }),
        3: f("acquireTime", "microTime"),
        4: f("renewTime", "microTime"),
        5: f("leaseTransitions", "int", { pointer: true }),
        6: f("strategy", "string", { pointer: true }),
        7: f("preferredHolder", "string", { pointer: true }),
      },
    }),
  },
};

const RESOURCE_ATTRIBUTES: Message = {
  fields: {
    1: f("namespace", "string"),
    2: f("verb", "string"),
    3: f("group", "string"),
    4: f("version", "string"),
    5: f("resource", "string"),
    6: f("subresource", "string"),
    7: f("name", "string"),
  },
};

const NON_RESOURCE_ATTRIBUTES: Message = {
  fields: { 1: f("path", "string"), 2: f("verb", "string") },
};

const ACCESS_REVIEW_STATUS: Message = {
  fields: {
    1: f("allowed", "bool", { always: true }),
    4: f("denied", "bool"),
    2: f("reason", "string"),
    3: f("evaluationError", "string"),
  },
};

const SELF_SUBJECT_ACCESS_REVIEW: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", {
      fields: {
        1: f("resourceAttributes", RESOURCE_ATTRIBUTES, { pointer: true }),
        2: f("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES, { pointer: true }),
      },
    }),
    3: f("status", ACCESS_REVIEW_STATUS),
  },
};

const SUBJECT_ACCESS_REVIEW: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", {
      fields: {
        1: f("resourceAttributes", RESOURCE_ATTRIBUTES, { pointer: true }),
        2: f("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES, { pointer: true }),
        3: f("user", "string"),
        4: f("groups", "string", { repeated: true }),
        5: f("extra", { map: EXTRA_VALUE }),
        6: f("uid", "string"),
      },
    }),
    3: f("status", ACCESS_REVIEW_STATUS),
  },
};

const SELF_SUBJECT_RULES_REVIEW: Message = {
  fields: {
    1: f("metadata", OBJECT_META),
    2: f("spec", { fields: { 1: f("namespace", "string") } }),
  },
};

/** The kinds (by `apiVersion` and `kind`) whose protobuf bodies the fake decodes. */
export const PROTOBUF_KINDS: ReadonlyMap<string, Message> = new Map([
  ["v1/Namespace", NAMESPACE],
  ["v1/Secret", SECRET],
  ["v1/ConfigMap", CONFIG_MAP],
  ["certificates.k8s.io/v1/CertificateSigningRequest", CERTIFICATE_SIGNING_REQUEST],
  ["coordination.k8s.io/v1/Lease", LEASE],
  ["authorization.k8s.io/v1/SelfSubjectAccessReview", SELF_SUBJECT_ACCESS_REVIEW],
  ["authorization.k8s.io/v1/SubjectAccessReview", SUBJECT_ACCESS_REVIEW],
  ["authorization.k8s.io/v1/SelfSubjectRulesReview", SELF_SUBJECT_RULES_REVIEW],
]);

/** Why a protobuf body could not be decoded. */
export class ProtobufDecodeError extends Error {
  /** `unsupported` for a kind the fake has no schema for; `malformed` for bad bytes. */
  readonly kind: "unsupported" | "malformed";

  constructor(kind: "unsupported" | "malformed", message: string) {
    super(message);
    this.name = "ProtobufDecodeError";
    this.kind = kind;
  }
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/**
 * Decodes a protobuf request body into the object's JSON form (with `apiVersion` and
 * `kind`, zero values left out as Go's `omitempty` would).
 *
 * @example Decoding what `kubectl create namespace demo` sends
 * ```ts
 * import { decodeProtobufObject } from "./_protobuf.ts";
 * import { strict as assert } from "node:assert";
 *
 * const body = Uint8Array.from(atob(
 *   "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEZGVtbxIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==",
 * ), (c) => c.charCodeAt(0));
 * assert.deepEqual(decodeProtobufObject(body), {
 *   apiVersion: "v1",
 *   kind: "Namespace",
 *   metadata: { name: "demo" },
 *   spec: {},
 *   status: {},
 * });
 * ```
 *
 * @param body The request body.
 * @returns The object.
 * @throws ProtobufDecodeError For malformed bytes (`malformed`) or a kind without a schema
 * here (`unsupported`).
 */
export function decodeProtobufObject(body: Uint8Array): JsonObject {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError(
      "malformed",
      "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
    );
  }
  const unknown = decodeMessage(body.subarray(4), UNKNOWN, true);
  const typeMeta = (unknown.typeMeta ?? {}) as JsonObject;
  const apiVersion = String(typeMeta.apiVersion ?? "");
  const kind = String(typeMeta.kind ?? "");
  if (unknown.contentEncoding || (unknown.contentType && unknown.contentType !== "")) {
    throw new ProtobufDecodeError(
      "unsupported",
      `unsupported runtime.Unknown content encoding/type ${
        JSON.stringify(unknown.contentEncoding ?? "")
      }/${JSON.stringify(unknown.contentType ?? "")}`,
    );
  }
  const schema = PROTOBUF_KINDS.get(`${apiVersion}/${kind}`);
  if (!schema) {
    throw new ProtobufDecodeError(
      "unsupported",
      `the fake API server cannot decode ${apiVersion} ${kind} from protobuf`,
    );
  }
  const raw = rawBytes.get(unknown) ?? new Uint8Array();
  return { apiVersion, kind, ...decodeMessage(raw, schema, false) };
}

/** The undecoded `raw` bytes of a decoded `runtime.Unknown`, kept aside from its JSON form. */
const rawBytes = new WeakMap<JsonObject, Uint8Array>();

function resolve(m: Message): { fields: Record<number, Field> } {
  return typeof m === "function" ? m() : m;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw malformed("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw malformed("varint too long");
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw malformed("truncated length-delimited field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw malformed(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.buf.length) throw malformed("truncated fixed-size field");
  }
}

function malformed(detail: string): ProtobufDecodeError {
  return new ProtobufDecodeError("malformed", `malformed protobuf body: ${detail}`);
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function formatSeconds(seconds: bigint, micros?: number): string {
  const date = new Date(Number(seconds) * 1000);
  const iso = date.toISOString(); // …T…:…:….000Z
  const whole = iso.slice(0, 19);
  if (micros === undefined) return `${whole}Z`;
  return `${whole}.${String(micros).padStart(6, "0")}Z`;
}

/** Decodes meta/v1 Time or MicroTime (a Timestamp message); empty means unset. */
function decodeTimestamp(bytes: Uint8Array, micro: boolean): string | undefined {
  if (bytes.length === 0) return undefined;
  const r = new Reader(bytes);
  let seconds = 0n;
  let nanos = 0;
  while (!r.done) {
    const tag = Number(r.varint());
    const [num, wire] = [tag >>> 3, tag & 7];
    if (num === 1 && wire === 0) seconds = BigInt.asIntN(64, r.varint());
    else if (num === 2 && wire === 0) nanos = Number(BigInt.asIntN(32, r.varint()));
    else r.skip(wire);
  }
  // metav1.Time drops the nanoseconds when decoding protobuf; MicroTime keeps microseconds.
  return formatSeconds(seconds, micro ? Math.floor(nanos / 1000) : undefined);
}

function isZero(value: JsonValue): boolean {
  return value === "" || value === 0 || value === false;
}

function decodeScalar(r: Reader, wire: number, type: FieldType): JsonValue | undefined {
  if (type === "int" || type === "bool") {
    if (wire !== 0) throw malformed(`expected a varint, got wire type ${wire}`);
    const v = r.varint();
    return type === "bool" ? v !== 0n : Number(BigInt.asIntN(64, v));
  }
  if (wire !== 2) throw malformed(`expected a length-delimited field, got wire type ${wire}`);
  const bytes = r.bytes();
  switch (type) {
    case "string":
      return utf8.decode(bytes);
    case "bytes":
      return base64(bytes);
    case "time":
    case "microTime":
      return decodeTimestamp(bytes, type === "microTime");
    case "json": {
      const fields = decodeMessage(bytes, { fields: { 1: f("raw", "bytes") } }, true);
      const raw = rawBytes.get(fields);
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(utf8.decode(raw)) as JsonValue;
      } catch {
        throw malformed("fieldsV1 is not JSON");
      }
    }
    default:
      if (typeof type === "object" && "map" in type) throw malformed("unexpected map");
      return decodeMessage(bytes, type as Message, false);
  }
}

function decodeMapEntry(
  bytes: Uint8Array,
  value: "string" | "bytes" | Message,
): [string, JsonValue] {
  const r = new Reader(bytes);
  let key = "";
  let val: JsonValue | undefined;
  while (!r.done) {
    const tag = Number(r.varint());
    const [num, wire] = [tag >>> 3, tag & 7];
    if (num === 1 && wire === 2) key = utf8.decode(r.bytes());
    else if (num === 2) {
      const decoded = decodeScalar(r, wire, value);
      // ExtraValue shows as its list.
      val =
        value === EXTRA_VALUE && decoded && typeof decoded === "object" && !Array.isArray(decoded)
          ? ((decoded as JsonObject).items ?? [])
          : decoded;
    } else r.skip(wire);
  }
  if (val === undefined) val = value === EXTRA_VALUE ? [] : "";
  return [key, val];
}

function decodeMessage(bytes: Uint8Array, message: Message, keepRaw: boolean): JsonObject {
  const { fields } = resolve(message);
  const out: JsonObject = {};
  const r = new Reader(bytes);
  while (!r.done) {
    const tag = Number(r.varint());
    const [num, wire] = [tag >>> 3, tag & 7];
    const field = fields[num];
    if (!field) {
      r.skip(wire);
      continue;
    }
    const { name, type } = field;
    if (typeof type === "object" && "map" in type) {
      if (wire !== 2) throw malformed(`map field ${name} has wire type ${wire}`);
      const [key, val] = decodeMapEntry(r.bytes(), type.map);
      const map = (out[name] ??= {}) as JsonObject;
      map[key] = val;
      continue;
    }
    if (keepRaw && name === "raw") {
      if (wire !== 2) throw malformed("raw has the wrong wire type");
      rawBytes.set(out, r.bytes());
      continue;
    }
    if (field.repeated && type === "string" && wire === 2) {
      ((out[name] ??= []) as JsonValue[]).push(utf8.decode(r.bytes()));
      continue;
    }
    const value = decodeScalar(r, wire, type);
    if (field.repeated) {
      if (value !== undefined) ((out[name] ??= []) as JsonValue[]).push(value);
      continue;
    }
    if (value === undefined) continue;
    if (!field.pointer && !field.always && isZero(value)) continue;
    out[name] = value;
  }
  return out;
}
