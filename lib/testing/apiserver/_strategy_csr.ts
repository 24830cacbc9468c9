/**
 * Write rules of certificates.k8s.io/v1 CertificateSigningRequests: the requester is
 * stamped from the authenticated user, the spec never changes, approval goes through
 * `/approval`, the certificate through `/status` — once — by a user allowed to sign
 * for the signer. Texts as kube-apiserver 1.34 reports them
 * (`pkg/apis/certificates/validation`, `pkg/registry/certificates/certificates/strategy.go`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createPublicKey, verify } from "node:crypto";
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import { forbidden } from "./_errors.ts";
import { goBase64Decode, goDecode, type GoType } from "./_go_decode.ts";
import {
  BuiltinStrategy,
  metadataOf,
  objectField,
  restoreField,
  type WriteContext,
} from "./_strategy.ts";
import type { FieldError, ResourceInfo, StoredObject } from "./_types.ts";
import { isDns1123Label, isDns1123Subdomain } from "./_validation.ts";

/** The key usages a CSR may ask for (certificates/v1 `KeyUsage`), sorted as Go lists them. */
export const KNOWN_USAGES: readonly string[] = [
  "any",
  "cert sign",
  "client auth",
  "code signing",
  "content commitment",
  "crl sign",
  "data encipherment",
  "decipher only",
  "digital signature",
  "email protection",
  "encipher only",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "key agreement",
  "key encipherment",
  "microsoft sgc",
  "netscape sgc",
  "ocsp signing",
  "s/mime",
  "server auth",
  "signing",
  "timestamping",
];

const str: GoType = { kind: "string" };
const time: GoType = { kind: "time" };
const CSR_TYPE = {
  name: "v1.CertificateSigningRequest",
  fields: {
    spec: {
      kind: "struct",
      name: "v1.CertificateSigningRequestSpec",
      fields: {
        request: { kind: "bytes" },
        signerName: str,
        expirationSeconds: { kind: "int32" },
        usages: {
          kind: "slice",
          name: "[]v1.KeyUsage",
          item: { kind: "string", name: "v1.KeyUsage" },
        },
        username: str,
        uid: str,
        groups: { kind: "slice", name: "[]string", item: str },
        extra: {
          kind: "map",
          name: "map[string]v1.ExtraValue",
          value: { kind: "slice", name: "v1.ExtraValue", item: str },
        },
      },
    },
    status: {
      kind: "struct",
      name: "v1.CertificateSigningRequestStatus",
      fields: {
        conditions: {
          kind: "slice",
          name: "[]v1.CertificateSigningRequestCondition",
          item: {
            kind: "struct",
            name: "v1.CertificateSigningRequestCondition",
            fields: {
              type: { kind: "string", name: "v1.RequestConditionType" },
              status: { kind: "string", name: "v1.ConditionStatus" },
              reason: str,
              message: str,
              lastUpdateTime: time,
              lastTransitionTime: time,
            },
          },
        },
        certificate: { kind: "bytes" },
      },
    },
  },
} satisfies { name: string; fields: Record<string, GoType> };

function conditionsOf(obj: JsonObject): JsonObject[] {
  const list = objectField(obj, "status")?.conditions;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function bytesOf(value: JsonValue | undefined): Uint8Array {
  if (typeof value !== "string") return new Uint8Array();
  const decoded = goBase64Decode(value);
  return typeof decoded === "number" ? new Uint8Array() : decoded;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** One PEM block, as Go's `pem.Decode` finds it. */
export interface PemBlock {
  /** The type, such as `CERTIFICATE`. */
  type: string;
  /** Whether the block has `Key: value` headers. */
  headers: boolean;
  /** The DER bytes (`undefined` when the body is not base64). */
  der: Uint8Array | undefined;
}

/** Splits PEM text into its blocks. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    let body = m[2] ?? "";
    const lines = body.split(/\r?\n/);
    const headers = (lines[0] ?? "").includes(":");
    if (headers) body = lines.slice(lines.findIndex((l) => l.trim() === "") + 1).join("\n");
    const decoded = goBase64Decode(body.replace(/\s+/g, ""));
    out.push({ type: m[1] ?? "", headers, der: typeof decoded === "number" ? undefined : decoded });
  }
  return out;
}

interface Tlv {
  tag: number;
  start: number;
  header: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number, limit = der.length): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at] ?? 0;
  let len = der[at + 1] ?? 0;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
    header += n;
  }
  const end = at + header + len;
  return end > limit ? undefined : { tag, start: at, header, end };
}

/** Reads the children of a constructed TLV. */
function children(der: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let at = parent.start + parent.header; at < parent.end;) {
    const t = readTlv(der, at, parent.end);
    if (!t) return undefined;
    out.push(t);
    at = t.end;
  }
  return out;
}

function oidText(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.start + t.header, t.end);
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value % 40);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

/** Signature algorithms Go verifies on CSRs: OID → [hash for node:crypto, key kind]. */
const SIGNATURE_ALGORITHMS: Record<string, [string | null, "ecdsa" | "rsa" | "ed25519"]> = {
  "1.2.840.10045.4.3.2": ["sha256", "ecdsa"],
  "1.2.840.10045.4.3.3": ["sha384", "ecdsa"],
  "1.2.840.10045.4.3.4": ["sha512", "ecdsa"],
  "1.2.840.113549.1.1.5": ["sha1", "rsa"],
  "1.2.840.113549.1.1.11": ["sha256", "rsa"],
  "1.2.840.113549.1.1.12": ["sha384", "rsa"],
  "1.2.840.113549.1.1.13": ["sha512", "rsa"],
  "1.3.101.112": [null, "ed25519"],
};

/**
 * Parses a DER CertificationRequest and checks its signature, as `x509.ParseCertificateRequest`
 * and `CheckSignature` do.
 *
 * @returns `undefined` when valid, or Go's error text.
 */
function checkCertificateRequest(der: Uint8Array): string | undefined {
  const outer = readTlv(der, 0);
  const tagByte = der[0] ?? 0;
  if (!outer || tagByte !== 0x30) {
    if (der.length < 2) return "asn1: syntax error: sequence truncated";
    return `asn1: structure error: tags don't match (16 vs {class:${tagByte >> 6} tag:${
      tagByte & 0x1f
    } length:${der[1] ?? 0} isCompound:${
      (tagByte & 0x20) !== 0
    }}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} certificateRequest @2`;
  }
  const malformed = "x509: malformed certificate request";
  const [info, alg, sig] = children(der, outer) ?? [];
  if (!info || !alg || !sig || info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) {
    return malformed;
  }
  const [, subject, spki] = children(der, info) ?? [];
  const [oid] = children(der, alg) ?? [];
  if (!subject || !spki || spki.tag !== 0x30 || !oid || oid.tag !== 0x06) return malformed;
  const algorithm = SIGNATURE_ALGORITHMS[oidText(der, oid)];
  if (!algorithm) return "x509: cannot verify signature: algorithm unimplemented";
  const [hash, keyKind] = algorithm;
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({
      key: Buffer.from(der.subarray(spki.start, spki.end)),
      format: "der",
      type: "spki",
    });
  } catch {
    return "x509: failed to parse public key";
  }
  let ok = false;
  try {
    ok = verify(
      hash,
      der.subarray(info.start, info.end),
      key,
      der.subarray(sig.start + sig.header + 1, sig.end),
    );
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  return keyKind === "ecdsa"
    ? "x509: ECDSA verification failure"
    : keyKind === "rsa"
    ? "crypto/rsa: verification error"
    : "x509: Ed25519 verification failure";
}

/** `validateCSR`: the request must be a PEM `CERTIFICATE REQUEST` with a valid signature. */
function requestError(bytes: Uint8Array): string | undefined {
  const block = pemBlocks(new TextDecoder().decode(bytes))[0];
  if (!block || block.type !== "CERTIFICATE REQUEST" || !block.der) {
    return "PEM block type must be CERTIFICATE REQUEST";
  }
  return checkCertificateRequest(block.der);
}

/** `validateCertificate`: CERTIFICATE blocks only, no headers, each parsing as X.509. */
function certificateError(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return undefined;
  const blocks = pemBlocks(new TextDecoder().decode(bytes));
  if (blocks.length === 0) return "must contain at least one CERTIFICATE PEM block";
  for (const block of blocks) {
    if (block.type !== "CERTIFICATE") {
      return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    }
    if (block.headers) return "no PEM block headers are permitted";
    const der = block.der ?? new Uint8Array();
    if (der.length === 0) return "found CERTIFICATE PEM block containing 0 certificates";
    for (let at = 0; at < der.length;) {
      const cert = readTlv(der, at);
      const parts = cert && cert.tag === 0x30 ? children(der, cert) : undefined;
      if (!cert || !parts || parts.length !== 3 || parts[2]?.tag !== 0x03) {
        return "x509: malformed certificate";
      }
      at = cert.end;
    }
  }
  return undefined;
}

/** `ValidateSignerName`. */
function signerNameErrors(signerName: string): FieldError[] {
  const field = "spec.signerName";
  if (signerName === "") return [{ type: "FieldValueRequired", field, detail: "" }];
  const segments = signerName.split("/");
  const invalid = (value: string, detail: string): FieldError => ({
    type: "FieldValueInvalid",
    field,
    value,
    detail,
  });
  if (segments.length !== 2) {
    return [
      invalid(
        signerName,
        "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      ),
    ];
  }
  const [domain = "", path = ""] = segments;
  const errors: FieldError[] = [];
  if (domain.length > 253) {
    errors.push({ type: "FieldValueTooLong", field, detail: "may not be more than 253 bytes" });
  }
  const domainLabels = domain.split(".");
  for (const label of domainLabels) {
    const errs = isDns1123Label(label);
    if (errs.length === 0) continue;
    for (const e of errs) {
      errors.push(invalid(domain, `validating label ${JSON.stringify(label)}: ${e}`));
    }
    break;
  }
  if (domainLabels.length < 2) {
    errors.push(invalid(domain, "should be a domain with at least two segments separated by dots"));
  }
  for (const label of path.split(".")) {
    const errs = isDns1123Subdomain(label);
    if (errs.length === 0) continue;
    for (const e of errs) {
      errors.push(invalid(path, `validating label ${JSON.stringify(label)}: ${e}`));
    }
    break;
  }
  return errors;
}

function countOf(list: JsonObject[], type: string): number {
  return list.filter((c) => c.type === type).length;
}

/** `validateConditions`. */
function conditionErrors(conditions: JsonObject[], old: JsonObject[] | undefined): FieldError[] {
  const hasDuplicates = (list: JsonObject[]) =>
    new Set(list.map((c) => c.type)).size !== list.length;
  const allowEmptyType = old?.some((c) => !c.type) ?? false;
  const allowDuplicates = old ? hasDuplicates(old) : false;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const type = typeof c.type === "string" ? c.type : "";
    const at = `status.conditions[${i}]`;
    if (type === "" && !allowEmptyType) {
      errors.push({ type: "FieldValueRequired", field: `${at}.type`, detail: "" });
    }
    const only = ["Approved", "Denied", "Failed"].includes(type)
      ? ["True"]
      : ["False", "True", "Unknown"];
    if (!only.includes(String(c.status ?? ""))) {
      errors.push({
        type: "FieldValueNotSupported",
        field: `${at}.status`,
        value: c.status ?? "",
        detail: "",
        supported: only,
      });
    }
    if (!allowDuplicates && seen.has(type)) {
      errors.push({ type: "FieldValueDuplicate", field: `${at}.type`, value: type, detail: "" });
    }
    seen.add(type);
  });
  if (seen.has("Approved") && seen.has("Denied")) {
    errors.push({
      type: "FieldValueInvalid",
      field: "status.conditions",
      value: "Denied",
      detail: "Approved and Denied conditions are mutually exclusive",
    });
  }
  return errors;
}

/** Fills missing condition times; a condition whose type and status did not change keeps its transition time. */
function populateConditionTimestamps(next: JsonObject, old: JsonObject, now: string): void {
  const previous = conditionsOf(old);
  for (const c of conditionsOf(next)) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const same = previous.find((o) =>
        o.type === c.type && o.status === c.status && Boolean(o.lastTransitionTime)
      );
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

/** Copies the instances of a condition type from `old` when `/status` kept their number. */
function preserveConditionInstances(next: JsonObject, old: JsonObject, type: string): void {
  const olds = conditionsOf(old).filter((c) => c.type === type);
  const list = objectField(next, "status")?.conditions;
  if (!Array.isArray(list)) return;
  const indices = list.flatMap((c, i) => (isJsonObject(c) && c.type === type ? [i] : []));
  if (indices.length !== olds.length) return;
  indices.forEach((index, i) => list[index] = cloneJson(olds[i] ?? {}));
}

/** The strategy of `certificatesigningrequests`. */
export class CsrStrategy extends BuiltinStrategy {
  override readonly writableSubresources: readonly string[] = ["status", "approval"];

  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "spec.signerName"]);
  }

  override decode(obj: StoredObject): void {
    goDecode(obj, CSR_TYPE, "CertificateSigningRequest", "v1");
  }

  override prepareForCreate(obj: StoredObject, ctx: WriteContext): void {
    const spec = objectField(obj, "spec") ?? {};
    spec.username = ctx.user.username;
    if (ctx.user.uid) spec.uid = ctx.user.uid;
    else delete spec.uid;
    spec.groups = [...ctx.user.groups];
    if (ctx.user.extra && Object.keys(ctx.user.extra).length > 0) {
      spec.extra = cloneJson(ctx.user.extra);
    } else delete spec.extra;
    obj.spec = spec;
    obj.status = {};
  }

  override prepareForUpdate(obj: StoredObject, old: StoredObject, _ctx: WriteContext): void {
    restoreField(obj, old, "spec");
    restoreField(obj, old, "status");
  }

  override prepareForSubresourceUpdate(
    subresource: string,
    obj: StoredObject,
    old: StoredObject,
    ctx: WriteContext,
  ): StoredObject {
    const next = super.prepareForSubresourceUpdate(subresource, obj, old, ctx);
    restoreField(next, old, "spec");
    if (subresource === "approval") {
      const requested = objectField(obj, "status") ?? {};
      const status = cloneJson(objectField(old, "status") ?? {});
      if (requested.conditions !== undefined) status.conditions = cloneJson(requested.conditions);
      else delete status.conditions;
      next.status = status;
    } else {
      preserveConditionInstances(next, old, "Approved");
      preserveConditionInstances(next, old, "Denied");
    }
    populateConditionTimestamps(next, old, formatTime(ctx.now));
    return next;
  }

  /**
   * What an apply may not own. kube-apiserver resets `spec` and `status` on the main
   * resource, `spec` and `status.conditions` on `/status`, `spec` and `status.certificate`
   * on `/approval`, and merges them without recording an owner. The fake's apply drops
   * reset fields from the configuration instead, so only the fields whose dropping
   * changes nothing are listed: the main resource keeps `spec` (a CSR created by apply
   * needs it) and `/status` keeps `status.conditions` (they would not apply at all).
   */
  override resetFields(subresource: string): string[][] {
    if (subresource === "") return [["spec"], ["status"]];
    if (subresource === "approval") return [["spec"], ["status", "certificate"]];
    return [["spec"], ["status", "conditions"]];
  }

  override validate(obj: StoredObject): FieldError[] {
    const spec = objectField(obj, "spec") ?? {};
    const errors: FieldError[] = [];
    const request = bytesOf(spec.request);
    const problem = requestError(request);
    if (problem) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.request",
        value: typeof spec.request === "string" ? base64(request) : null,
        detail: problem,
      });
    }
    const usages = Array.isArray(spec.usages) ? spec.usages : [];
    if (usages.length === 0) {
      errors.push({ type: "FieldValueRequired", field: "spec.usages", detail: "" });
    }
    usages.forEach((u, i) => {
      if (typeof u !== "string" || !KNOWN_USAGES.includes(u)) {
        errors.push({
          type: "FieldValueNotSupported",
          field: `spec.usages[${i}]`,
          value: u,
          detail: "",
          supported: [...KNOWN_USAGES],
        });
      }
    });
    usages.forEach((u, i) => {
      if (usages.indexOf(u) < i) {
        errors.push({
          type: "FieldValueDuplicate",
          field: `spec.usages[${i}]`,
          value: u,
          detail: "",
        });
      }
    });
    const signer = typeof spec.signerName === "string" ? spec.signerName : "";
    if (signer === "kubernetes.io/legacy-unknown") {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.signerName",
        value: signer,
        detail: "the legacy signerName is not allowed via this API version",
      });
    } else errors.push(...signerNameErrors(signer));
    const exp = spec.expirationSeconds;
    if (typeof exp === "number" && exp < 600) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.expirationSeconds",
        value: exp,
        detail: "may not specify a duration less than 600 seconds (10 minutes)",
      });
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject, old: StoredObject, ctx: WriteContext): FieldError[] {
    const conditions = conditionsOf(obj);
    const oldConditions = conditionsOf(old);
    const errors = conditionErrors(conditions, oldConditions);
    const cert = bytesOf(objectField(obj, "status")?.certificate);
    const oldCert = bytesOf(objectField(old, "status")?.certificate);
    if (certificateError(oldCert) === undefined) {
      const problem = certificateError(cert);
      if (problem) {
        errors.push({
          type: "FieldValueInvalid",
          field: "status.certificate",
          value: "<certificate data>",
          detail: problem,
        });
      }
    }
    const forbid = (detail: string) =>
      errors.push({ type: "FieldValueForbidden", field: "status.conditions", detail });
    for (const type of ["Approved", "Denied", "Failed"]) {
      if (countOf(conditions, type) < countOf(oldConditions, type)) {
        forbid(`updates may not remove a condition of type "${type}"`);
      }
    }
    if (ctx.subresource !== "approval") {
      for (const type of ["Approved", "Denied"]) {
        if (countOf(conditions, type) > countOf(oldConditions, type)) {
          forbid(`updates may not add a condition of type "${type}"`);
        }
      }
    }
    if (base64(cert) !== base64(oldCert) && oldCert.length > 0) {
      errors.push({
        type: "FieldValueForbidden",
        field: "status.certificate",
        detail: "updates may not modify existing certificate content",
      });
    }
    return errors;
  }

  override admit(obj: StoredObject, old: StoredObject | undefined, ctx: WriteContext): void {
    if (!old) return;
    const signerName = String(objectField(old, "spec")?.signerName ?? "");
    const name = String(metadataOf(old).name ?? "");
    const allowed = (verb: string) => {
      const domain = signerName.split("/")[0] ?? "";
      return [signerName, `${domain}/*`].some((resourceName) =>
        ctx.authorize({
          verb,
          apiGroup: "certificates.k8s.io",
          apiVersion: "*",
          resource: "signers",
          subresource: "",
          namespace: "",
          name: resourceName,
        })
      );
    };
    const refuse = (verb: string) => {
      throw forbidden(
        `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to ${verb} requests with signerName "${signerName}"`,
        { group: "certificates.k8s.io", resource: "certificatesigningrequests" },
        name,
      );
    };
    if (ctx.subresource === "approval") {
      if (
        JSON.stringify(conditionsOf(obj)) !== JSON.stringify(conditionsOf(old)) &&
        !allowed("approve")
      ) {
        refuse("approve");
      }
    } else if (ctx.subresource === "status") {
      const cert = objectField(obj, "status")?.certificate;
      const oldCert = objectField(old, "status")?.certificate;
      if (cert !== oldCert && !allowed("sign")) refuse("sign");
    }
  }
}
