/**
 * Write rules of certificates.k8s.io/v1 CertificateSigningRequests: the requester is
 * stamped from the authenticated user, the spec never changes, approval goes through
 * `/approval`, the certificate through `/status` — once — by a user allowed to sign
 * for the signer.
 *
 * @module
 */
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import { badRequest, forbidden } from "./_errors.ts";
import {
  BuiltinStrategy,
  metadataOf,
  objectField,
  restoreField,
  type WriteContext,
} from "./_strategy.ts";
import type { FieldError, ResourceInfo, StoredObject } from "./_types.ts";

/** The key usages a CSR may ask for (certificates/v1 `KeyUsage`). */
export const KNOWN_USAGES = [
  "signing",
  "digital signature",
  "content commitment",
  "key encipherment",
  "key agreement",
  "data encipherment",
  "cert sign",
  "crl sign",
  "encipher only",
  "decipher only",
  "any",
  "server auth",
  "client auth",
  "code signing",
  "email protection",
  "s/mime",
  "ipsec end system",
  "ipsec tunnel",
  "ipsec user",
  "timestamping",
  "ocsp signing",
  "microsoft sgc",
  "netscape sgc",
];

const SIGNER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[^/]+.*$/;

function conditionsOf(obj: JsonObject): JsonObject[] {
  const status = objectField(obj, "status");
  const list = status?.conditions;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function decodeBase64(value: string): Uint8Array | number {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    const bad = value.search(/[^A-Za-z0-9+/=]/);
    return bad >= 0 ? bad : value.length - (value.length % 4);
  }
  const bin = atob(value);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Splits PEM text into its blocks. */
export function pemBlocks(text: string): { type: string; body: string }[] {
  const out: { type: string; body: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    out.push({ type: m[1] ?? "", body: (m[2] ?? "").replace(/\s+/g, "") });
  }
  return out;
}

function byteLiteral(bytes: Uint8Array): string {
  const shown = [...bytes.slice(0, 16)].map((b) => `0x${b.toString(16)}`).join(", ");
  return `[]byte{${shown}${bytes.length > 16 ? ", ..." : ""}}`;
}

/** The strategy of `certificatesigningrequests`. */
export class CsrStrategy extends BuiltinStrategy {
  override readonly writableSubresources: readonly string[] = ["status", "approval"];

  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "spec.signerName"]);
  }

  override decode(obj: StoredObject): void {
    const check = (value: JsonValue | undefined) => {
      if (typeof value !== "string") return;
      const decoded = decodeBase64(value);
      if (typeof decoded === "number") {
        throw badRequest(
          `CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: illegal base64 data at input byte ${decoded}`,
        );
      }
    };
    check(objectField(obj, "spec")?.request);
    check(objectField(obj, "status")?.certificate);
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
    const next = cloneJson(old);
    const reqMeta = objectField(obj, "metadata");
    const meta = metadataOf(next);
    if (reqMeta && "managedFields" in reqMeta) {
      meta.managedFields = cloneJson(reqMeta.managedFields ?? null);
    }
    if (reqMeta && "resourceVersion" in reqMeta) {
      meta.resourceVersion = reqMeta.resourceVersion ?? null;
    }
    const requested = objectField(obj, "status") ?? {};
    const status: JsonObject = objectField(next, "status") ?? {};
    if (subresource === "approval") {
      if ("conditions" in requested) status.conditions = cloneJson(requested.conditions ?? null);
      else delete status.conditions;
    } else {
      const certificate = status.certificate;
      for (const key of Object.keys(status)) delete status[key];
      Object.assign(status, cloneJson(requested));
      if (certificate !== undefined && status.certificate === undefined) {
        status.certificate = certificate;
      }
    }
    const now = formatTime(ctx.now);
    if (Array.isArray(status.conditions)) {
      for (const c of status.conditions) {
        if (!isJsonObject(c)) continue;
        if (!c.lastUpdateTime) c.lastUpdateTime = now;
        if (!c.lastTransitionTime) c.lastTransitionTime = now;
      }
    }
    next.status = status;
    return next;
  }

  override validate(obj: StoredObject): FieldError[] {
    const spec = objectField(obj, "spec") ?? {};
    const errors: FieldError[] = [];
    const request = spec.request;
    if (typeof request !== "string" || request === "") {
      errors.push({ type: "FieldValueRequired", field: "spec.request", detail: "" });
    } else {
      const bytes = decodeBase64(request);
      if (typeof bytes !== "number") {
        const blocks = pemBlocks(new TextDecoder().decode(bytes));
        if (blocks.length === 0 || blocks[0]?.type !== "CERTIFICATE REQUEST") {
          errors.push({
            type: "FieldValueInvalid",
            field: "spec.request",
            value: byteLiteral(bytes),
            detail: "PEM block type must be CERTIFICATE REQUEST",
          });
        }
      }
    }
    const signer = spec.signerName;
    if (typeof signer !== "string" || signer === "") {
      errors.push({ type: "FieldValueRequired", field: "spec.signerName", detail: "" });
    } else if (!SIGNER_NAME.test(signer)) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.signerName",
        value: signer,
        detail: "must be a fully qualified domain and path of the form 'example.com/signer-name'",
      });
    }
    const usages = spec.usages;
    if (!Array.isArray(usages) || usages.length === 0) {
      errors.push({ type: "FieldValueRequired", field: "spec.usages", detail: "" });
    } else {
      usages.forEach((u, i) => {
        if (typeof u !== "string" || !KNOWN_USAGES.includes(u)) {
          errors.push({
            type: "FieldValueNotSupported",
            field: `spec.usages[${i}]`,
            value: u,
            detail: "",
            supported: KNOWN_USAGES,
          });
        }
      });
    }
    const exp = spec.expirationSeconds;
    if (exp !== undefined && exp !== null && !(typeof exp === "number" && exp >= 600)) {
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
    const errors: FieldError[] = [];
    const conditions = conditionsOf(obj);
    const oldConditions = conditionsOf(old);
    const count = (list: JsonObject[], type: string) => list.filter((c) => c.type === type).length;
    const seen = new Set<string>();
    conditions.forEach((c, i) => {
      const type = c.type;
      if (typeof type !== "string" || type === "") {
        errors.push({
          type: "FieldValueRequired",
          field: `status.conditions[${i}].type`,
          detail: "",
        });
        return;
      }
      if (seen.has(type) && ["Approved", "Denied", "Failed"].includes(type)) {
        errors.push({
          type: "FieldValueDuplicate",
          field: `status.conditions[${i}].type`,
          value: type,
          detail: "",
        });
      }
      seen.add(type);
      if (["Approved", "Denied", "Failed"].includes(type) && c.status !== "True") {
        errors.push({
          type: "FieldValueNotSupported",
          field: `status.conditions[${i}].status`,
          value: c.status ?? null,
          detail: "",
          supported: ["True"],
        });
      }
    });
    if (seen.has("Approved") && seen.has("Denied")) {
      const i = conditions.findIndex((c) => c.type === "Denied");
      errors.push({
        type: "FieldValueInvalid",
        field: `status.conditions[${i}].type`,
        value: "Denied",
        detail: "Approved and Denied conditions are mutually exclusive",
      });
    }
    for (const type of ["Approved", "Denied", "Failed"]) {
      if (count(conditions, type) < count(oldConditions, type)) {
        errors.push({
          type: "FieldValueForbidden",
          field: "status.conditions",
          detail: `updates may not remove a condition of type "${type}"`,
        });
      }
    }
    if (ctx.subresource === "status") {
      for (const type of ["Approved", "Denied"]) {
        if (count(conditions, type) > count(oldConditions, type)) {
          errors.push({
            type: "FieldValueForbidden",
            field: "status.conditions",
            detail: `updates may not add a condition of type "${type}"`,
          });
        }
      }
    }
    const cert = objectField(obj, "status")?.certificate;
    const oldCert = objectField(old, "status")?.certificate;
    if (typeof oldCert === "string" && oldCert !== "" && cert !== oldCert) {
      errors.push({
        type: "FieldValueForbidden",
        field: "status.certificate",
        detail: "updates may not modify existing certificate content",
      });
    } else if (typeof cert === "string" && cert !== "" && cert !== oldCert) {
      const bytes = decodeBase64(cert);
      const blocks = typeof bytes === "number" ? [] : pemBlocks(new TextDecoder().decode(bytes));
      if (blocks.length === 0 || blocks.some((b) => b.type !== "CERTIFICATE")) {
        errors.push({
          type: "FieldValueInvalid",
          field: "status.certificate",
          value: "<certificate data>",
          detail: "must contain at least one CERTIFICATE PEM block",
        });
      }
    }
    return errors;
  }

  override admit(obj: StoredObject, old: StoredObject | undefined, ctx: WriteContext): void {
    if (!old) return;
    const signerName = String(objectField(old, "spec")?.signerName ?? "");
    const name = String(metadataOf(old).name ?? "");
    const allowed = (verb: string) => {
      const domain = signerName.split("/")[0] ?? "";
      for (const resourceName of [signerName, `${domain}/*`]) {
        if (
          ctx.authorize({
            verb,
            apiGroup: "certificates.k8s.io",
            apiVersion: "*",
            resource: "signers",
            subresource: "",
            namespace: "",
            name: resourceName,
          })
        ) return true;
      }
      return false;
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
