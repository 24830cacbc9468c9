/**
 * Per-type write rules ("strategies", as kube-apiserver calls them): what a create or an
 * update may change, what bumps `metadata.generation`, what a subresource write keeps,
 * and how an object is validated. The base strategy here serves custom resources.
 *
 * @module
 */
import { cloneJson, isJsonObject, jsonEqual, type JsonObject } from "../../core/json.ts";
import type { FieldError, ResourceInfo, StoredObject, UserInfo } from "./_types.ts";
import type { RequestAttributes } from "./_types.ts";

/** What a strategy may need to know about the request being served. */
export interface WriteContext {
  /** The time of the request, in milliseconds since the epoch. */
  now: number;
  /** Who is asking. */
  user: UserInfo;
  /** The subresource written, `""` for the main resource. */
  subresource: string;
  /** Asks the server's authorizer (always allows when none is configured). */
  authorize(attrs: Omit<RequestAttributes, "user" | "path" | "resourceRequest">): boolean;
}

/** The write rules of one type. */
export interface Strategy {
  /** Whether the type tracks `metadata.generation`. */
  readonly generation: boolean;
  /** Whether a PUT may leave out `metadata.resourceVersion`. */
  readonly allowUnconditionalUpdate: boolean;
  /** Whether a PUT to a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** The field-selector labels the type supports. */
  readonly fieldLabels: readonly string[];
  /** `custom` types say `field label not supported`; `default` ones name the two defaults. */
  readonly fieldLabelStyle: "custom" | "default";
  /** Subresources that take writes. */
  readonly writableSubresources: readonly string[];
  /** Refuses a body that would not decode into the Go type (400), such as a bad MicroTime. */
  decode(obj: StoredObject): void;
  /** Adjusts a new object before it is validated and stored. */
  prepareForCreate(obj: StoredObject, ctx: WriteContext): void;
  /** Restores what a main-resource update may not change. */
  prepareForUpdate(obj: StoredObject, old: StoredObject, ctx: WriteContext): void;
  /** Builds the object a subresource write stores, from the old object and the request's. */
  prepareForSubresourceUpdate(
    subresource: string,
    obj: StoredObject,
    old: StoredObject,
    ctx: WriteContext,
  ): StoredObject;
  /** Validates a new object (beyond object metadata). */
  validate(obj: StoredObject, ctx: WriteContext): FieldError[];
  /** Validates an update (beyond object metadata). */
  validateUpdate(obj: StoredObject, old: StoredObject, ctx: WriteContext): FieldError[];
  /** Whether the update changes what `metadata.generation` counts. */
  generationChanged(obj: StoredObject, old: StoredObject): boolean;
  /** Top-level paths an apply to this subresource ignores (reset fields). */
  resetFields(subresource: string): string[][];
  /**
   * The values field selectors match (default: the fields at the labels' paths); types
   * with computed selectable fields (core/v1 Event `source`) provide it.
   */
  fieldValues?(obj: StoredObject, labels: readonly string[]): Record<string, string>;
  /** Refuses a write the way an admission plugin would; throws a StatusError. */
  admit(obj: StoredObject, old: StoredObject | undefined, ctx: WriteContext): void;
}

/** Reads `obj[key]` as a JSON object, or `undefined`. */
export function objectField(obj: JsonObject, key: string): JsonObject | undefined {
  const v = obj[key];
  return isJsonObject(v) ? v : undefined;
}

/** The metadata of a stored object (created when missing). */
export function metadataOf(obj: JsonObject): JsonObject {
  let meta = obj.metadata;
  if (!isJsonObject(meta)) {
    meta = {};
    obj.metadata = meta;
  }
  return meta;
}

/** Copies `key` from `from` to `to`, deleting it from `to` when `from` lacks it. */
export function restoreField(to: JsonObject, from: JsonObject, key: string): void {
  if (key in from) to[key] = cloneJson(from[key] ?? null);
  else delete to[key];
}

function withoutKeys(obj: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/**
 * The strategy of custom resources (and the default for built-ins): generation counts
 * every change outside `metadata` (and outside `status` when the status subresource is
 * on); with the status subresource, main writes cannot change `status` and `/status`
 * writes change nothing else.
 */
export class CustomResourceStrategy implements Strategy {
  readonly generation: boolean = true;
  readonly allowUnconditionalUpdate: boolean = false;
  readonly allowCreateOnUpdate: boolean = false;
  readonly fieldLabels: readonly string[];
  readonly fieldLabelStyle: "custom" | "default" = "custom";
  readonly writableSubresources: readonly string[];
  protected readonly statusSubresource: boolean;

  constructor(readonly info: ResourceInfo) {
    this.statusSubresource = info.subresources.includes("status");
    this.writableSubresources = this.statusSubresource ? ["status"] : [];
    this.fieldLabels = [
      "metadata.name",
      ...(info.namespaced ? ["metadata.namespace"] : []),
      ...info.selectableFields.map((f) => f.replace(/^\./, "")),
    ];
  }

  decode(_obj: StoredObject): void {}

  prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    if (this.statusSubresource) delete obj.status;
  }

  prepareForUpdate(obj: StoredObject, old: StoredObject, _ctx: WriteContext): void {
    if (this.statusSubresource) restoreField(obj, old, "status");
  }

  prepareForSubresourceUpdate(
    _subresource: string,
    obj: StoredObject,
    old: StoredObject,
    _ctx: WriteContext,
  ): StoredObject {
    const next = cloneJson(old);
    restoreField(next, obj, "status");
    const meta = metadataOf(next);
    const reqMeta = objectField(obj, "metadata");
    if (reqMeta && "managedFields" in reqMeta) {
      meta.managedFields = cloneJson(reqMeta.managedFields ?? null);
    }
    if (reqMeta && "resourceVersion" in reqMeta) {
      meta.resourceVersion = reqMeta.resourceVersion ?? null;
    }
    return next;
  }

  validate(_obj: StoredObject, _ctx: WriteContext): FieldError[] {
    return [];
  }

  validateUpdate(_obj: StoredObject, _old: StoredObject, _ctx: WriteContext): FieldError[] {
    return [];
  }

  generationChanged(obj: StoredObject, old: StoredObject): boolean {
    const ignored = this.statusSubresource ? ["metadata", "status"] : ["metadata"];
    return !jsonEqual(withoutKeys(obj, ignored), withoutKeys(old, ignored));
  }

  resetFields(subresource: string): string[][] {
    if (!this.statusSubresource) return [];
    return subresource === "status" ? [["spec"]] : [["status"]];
  }

  admit(_obj: StoredObject, _old: StoredObject | undefined, _ctx: WriteContext): void {}
}

/**
 * The strategy of built-in types without generation: `Secret`, `ConfigMap`, `Event`,
 * `Lease` and the like. Subclasses adjust it.
 */
export class BuiltinStrategy extends CustomResourceStrategy {
  override readonly generation: boolean = false;
  override readonly allowUnconditionalUpdate: boolean = true;
  override readonly fieldLabelStyle: "custom" | "default" = "default";
  override readonly fieldLabels: readonly string[];

  constructor(info: ResourceInfo, fieldLabels?: readonly string[]) {
    super(info);
    this.fieldLabels = fieldLabels ?? ["metadata.name", "metadata.namespace"];
    if (fieldLabels) this.fieldLabelStyle = "custom";
  }

  override generationChanged(): boolean {
    return false;
  }
}
