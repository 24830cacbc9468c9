/**
 * Write rules of the built-in types an issuer touches: Namespaces, Secrets, Leases and
 * CustomResourceDefinitions (Events: `_strategy_event.ts`; CSRs: `_strategy_csr.ts`).
 *
 * @module
 */
import { jsonEqual, type JsonObject } from "../../core/json.ts";
import { goDecode, type GoType } from "./_go_decode.ts";
import {
  BuiltinStrategy,
  CustomResourceStrategy,
  metadataOf,
  objectField,
  restoreField,
  type WriteContext,
} from "./_strategy.ts";
import type { FieldError, ResourceInfo, StoredObject } from "./_types.ts";
import { validateCrd } from "./_crd.ts";
import { isQualifiedName } from "./_validation.ts";

type GoStruct = { name: string; fields: Record<string, GoType> };

const NAMESPACE_TYPE: GoStruct = {
  name: "v1.Namespace",
  fields: {
    spec: {
      kind: "struct",
      name: "v1.NamespaceSpec",
      fields: {
        finalizers: {
          kind: "slice",
          name: "[]v1.FinalizerName",
          item: { kind: "string", name: "v1.FinalizerName" },
        },
      },
    },
    status: {
      kind: "struct",
      name: "v1.NamespaceStatus",
      fields: { phase: { kind: "string", name: "v1.NamespacePhase" } },
    },
  },
};

const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];

function setNameLabel(obj: StoredObject): void {
  const meta = metadataOf(obj);
  const labels = objectField(meta, "labels") ?? {};
  labels["kubernetes.io/metadata.name"] = meta.name ?? null;
  meta.labels = labels;
}

/**
 * Namespaces: created `Active` with the `kubernetes` finalizer and the name label; the
 * main resource cannot change `spec.finalizers` or `status`, `/finalize` changes only the
 * finalizers and `/status` only the status.
 */
export class NamespaceStrategy extends BuiltinStrategy {
  override readonly writableSubresources: readonly string[] = ["status", "finalize"];

  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "status.phase"]);
  }

  override decode(obj: StoredObject): void {
    goDecode(obj, NAMESPACE_TYPE, "Namespace", "v1");
  }

  override prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    obj.status = { phase: "Active" };
    const spec = objectField(obj, "spec") ?? {};
    const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    if (!finalizers.includes("kubernetes")) finalizers.push("kubernetes");
    spec.finalizers = finalizers;
    obj.spec = spec;
    setNameLabel(obj);
  }

  override prepareForUpdate(obj: StoredObject, old: StoredObject, _ctx: WriteContext): void {
    restoreField(obj, old, "spec");
    restoreField(obj, old, "status");
    setNameLabel(obj);
  }

  override prepareForSubresourceUpdate(
    subresource: string,
    obj: StoredObject,
    old: StoredObject,
    ctx: WriteContext,
  ): StoredObject {
    const next = super.prepareForSubresourceUpdate(subresource, obj, old, ctx);
    if (subresource === "finalize") {
      restoreField(next, old, "status");
      restoreField(next, obj, "spec");
    }
    setNameLabel(next);
    return next;
  }

  override validate(obj: StoredObject): FieldError[] {
    const finalizers = objectField(obj, "spec")?.finalizers;
    const errors: FieldError[] = [];
    for (const f of Array.isArray(finalizers) ? finalizers : []) {
      const name = String(f ?? "");
      for (const msg of isQualifiedName(name)) {
        errors.push({
          type: "FieldValueInvalid",
          field: "spec.finalizers",
          value: name,
          detail: msg,
        });
      }
      if (!name.includes("/") && !STANDARD_FINALIZERS.includes(name)) {
        errors.push({
          type: "FieldValueInvalid",
          field: "spec.finalizers",
          value: name,
          detail: "name is neither a standard finalizer name nor is it fully qualified",
        });
      }
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return this.validate(obj);
  }
}

const SECRET_TYPE: GoStruct = {
  name: "v1.Secret",
  fields: {
    data: { kind: "map", name: "map[string][]uint8", value: { kind: "bytes" } },
    stringData: { kind: "map", name: "map[string]string", value: { kind: "string" } },
    type: { kind: "string", name: "v1.SecretType" },
    immutable: { kind: "bool" },
  },
};

const CONFIG_KEY_DETAIL =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** `IsConfigMapKey`: the rules of Secret and ConfigMap data keys. */
export function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (new TextEncoder().encode(key).length > 253) errs.push("must be no more than 253 characters");
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) errs.push(CONFIG_KEY_DETAIL);
  if (key === ".") errs.push("must not be '.'");
  else if (key === "..") errs.push("must not be '..'");
  else if (key.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Secrets: `stringData` is folded into `data` (and never stored), `type` defaults to
 * `Opaque` and is immutable, an `immutable` Secret keeps its data, and typed Secrets
 * need their keys (`kubernetes.io/tls`: `tls.crt` and `tls.key`).
 */
export class SecretStrategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "metadata.namespace", "type"]);
  }

  override decode(obj: StoredObject): void {
    goDecode(obj, SECRET_TYPE, "Secret", "v1");
  }

  #normalise(obj: StoredObject): void {
    const stringData = objectField(obj, "stringData");
    if (stringData) {
      const data = objectField(obj, "data") ?? {};
      for (const [k, v] of Object.entries(stringData)) data[k] = encodeBase64(String(v ?? ""));
      obj.data = data;
    }
    delete obj.stringData;
    if (typeof obj.type !== "string" || obj.type === "") obj.type = "Opaque";
  }

  override prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    this.#normalise(obj);
  }

  override prepareForUpdate(obj: StoredObject, _old: StoredObject, _ctx: WriteContext): void {
    this.#normalise(obj);
  }

  override validate(obj: StoredObject): FieldError[] {
    const errors: FieldError[] = [];
    const data = objectField(obj, "data") ?? {};
    for (const key of Object.keys(data)) {
      for (const detail of configKeyErrors(key)) {
        errors.push({ type: "FieldValueInvalid", field: `data[${key}]`, value: key, detail });
      }
    }
    if (obj.type === "kubernetes.io/tls") {
      for (const key of ["tls.crt", "tls.key"]) {
        if (!(key in data)) {
          errors.push({ type: "FieldValueRequired", field: `data[${key}]`, detail: "" });
        }
      }
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
    const errors: FieldError[] = [];
    if (obj.type !== old.type) {
      errors.push({
        type: "FieldValueInvalid",
        field: "type",
        value: obj.type ?? null,
        detail: "field is immutable",
      });
    }
    if (old.immutable === true) {
      const detail = "field is immutable when `immutable` is set";
      if (obj.immutable !== true) {
        errors.push({ type: "FieldValueForbidden", field: "immutable", detail });
      }
      if (!jsonEqual(obj.data ?? null, old.data ?? null)) {
        errors.push({ type: "FieldValueForbidden", field: "data", detail });
      }
    }
    return [...errors, ...this.validate(obj)];
  }
}

const LEASE_TYPE: GoStruct = {
  name: "v1.Lease",
  fields: {
    spec: {
      kind: "struct",
      name: "v1.LeaseSpec",
      fields: {
        holderIdentity: { kind: "string" },
        leaseDurationSeconds: { kind: "int32" },
        acquireTime: { kind: "microTime" },
        renewTime: { kind: "microTime" },
        leaseTransitions: { kind: "int32" },
        strategy: { kind: "string", name: "v1.CoordinatedLeaseStrategy" },
        preferredHolder: { kind: "string" },
      },
    },
  },
};

/**
 * Leases: PUT creates, PUT needs a resourceVersion, times are MicroTime (normalised to
 * UTC). `spec.strategy` and `spec.preferredHolder` are dropped, as the
 * `CoordinatedLeaderElection` feature gate is off by default.
 */
export class LeaseStrategy extends BuiltinStrategy {
  override readonly allowUnconditionalUpdate: boolean = false;
  override readonly allowCreateOnUpdate: boolean = true;

  override decode(obj: StoredObject): void {
    goDecode(obj, LEASE_TYPE, "Lease", "v1");
  }

  #dropDisabledFields(obj: StoredObject, old: StoredObject | undefined): void {
    const oldSpec = old ? objectField(old, "spec") : undefined;
    if (oldSpec && (oldSpec.strategy != null || oldSpec.preferredHolder != null)) return;
    const spec = objectField(obj, "spec");
    if (!spec) return;
    delete spec.strategy;
    delete spec.preferredHolder;
  }

  override prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    this.#dropDisabledFields(obj, undefined);
  }

  override prepareForUpdate(obj: StoredObject, old: StoredObject, _ctx: WriteContext): void {
    this.#dropDisabledFields(obj, old);
  }

  override validate(obj: StoredObject): FieldError[] {
    const spec = objectField(obj, "spec") ?? {};
    const errors: FieldError[] = [];
    const duration = spec.leaseDurationSeconds;
    if (typeof duration === "number" && duration <= 0) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.leaseDurationSeconds",
        value: duration,
        detail: "must be greater than 0",
      });
    }
    const transitions = spec.leaseTransitions;
    if (typeof transitions === "number" && transitions < 0) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.leaseTransitions",
        value: transitions,
        detail: "must be greater than or equal to 0",
      });
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return this.validate(obj);
  }
}

/** CustomResourceDefinitions: generation tracked, status set by the server. */
export class CrdStrategy extends CustomResourceStrategy {
  override validate(obj: StoredObject): FieldError[] {
    return validateCrd(obj);
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return validateCrd(obj);
  }
}

/** SubjectAccessReviews and friends: create-only, never stored. */
export class ReviewStrategy extends BuiltinStrategy {}

/** Reads `spec` of an object, for strategies and admission. */
export function specOf(obj: JsonObject): JsonObject {
  return objectField(obj, "spec") ?? {};
}
