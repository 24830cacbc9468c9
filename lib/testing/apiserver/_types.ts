/**
 * Types shared by the parts of the fake API server.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../../core/json.ts";

/**
 * The subset of an OpenAPI v3 schema (a CRD's `openAPIV3Schema`) that the fake reads:
 * structure for pruning and server-side apply, and the Kubernetes list/map extensions.
 */
export interface SchemaNode {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  enum?: JsonValue[];
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "granular" | "atomic";
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
}

/** A CRD `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority: number;
  jsonPath: string;
}

/** Everything the fake knows about one served resource at one version. */
export interface ResourceInfo {
  /** API group; `""` for the core group. */
  group: string;
  /** Version, such as `v1`. */
  version: string;
  /** Plural resource name, such as `certificaterequests`. */
  plural: string;
  /** Singular name, such as `certificaterequest`. */
  singular: string;
  /** Kind, such as `CertificateRequest`. */
  kind: string;
  /** List kind, such as `CertificateRequestList`. */
  listKind: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
  /** Short names for `kubectl get`. */
  shortNames: string[];
  /** Categories such as `all`. */
  categories: string[];
  /** Subresources served besides the main resource, such as `status` or `approval`. */
  subresources: string[];
  /** Custom resources carry `apiVersion`/`kind` on list items; built-in types do not. */
  custom: boolean;
  /** Structural schema of the object; `undefined` means "keep every field, all atomic lists". */
  schema: SchemaNode | undefined;
  /** Printer columns for Table output. */
  printerColumns: PrinterColumn[];
  /** Extra field-selector labels (CRD `selectableFields` JSON paths, such as `.spec.color`). */
  selectableFields: string[];
  /** The version objects are stored at (the CRD's storage version). */
  storageVersion: string;
}

/** A field validation failure, as the API server reports it in an `Invalid` Status. */
export interface FieldError {
  /** The cause reason, such as `FieldValueInvalid`. */
  type:
    | "FieldValueInvalid"
    | "FieldValueRequired"
    | "FieldValueForbidden"
    | "FieldValueNotSupported"
    | "FieldValueDuplicate"
    | "FieldValueTooLong"
    | "FieldValueTypeInvalid";
  /** The field path, such as `metadata.name`. */
  field: string;
  /** The offending value (for `Invalid`/`NotSupported`/`Duplicate`). */
  value?: JsonValue;
  /** The offending value as Go prints it with `%#v`, shown unquoted (wins over `value`). */
  bareValue?: string;
  /** The explanation, such as `must be no more than 63 characters`. */
  detail: string;
  /** For `NotSupported`: the values that are allowed. */
  supported?: string[];
}

/** The authenticated user a request runs as. */
export interface UserInfo {
  /** The user name, such as `system:serviceaccount:ns:sa` or `admin`. */
  username: string;
  /** Groups, such as `system:authenticated`. */
  groups: string[];
  /** The UID, if any. */
  uid?: string;
  /** Extra attributes. */
  extra?: Record<string, string[]>;
}

/** What a request asks to do, as the authorizer sees it (Kubernetes `RequestInfo`). */
export interface RequestAttributes {
  /** The user. */
  user: UserInfo;
  /** `true` for `/api/...` and `/apis/...` resource requests. */
  resourceRequest: boolean;
  /** The URL path (non-resource requests are authorized on it). */
  path: string;
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or custom verbs like `sign`. */
  verb: string;
  /** API group (`""` for core). */
  apiGroup: string;
  /** API version. */
  apiVersion: string;
  /** Plural resource name. */
  resource: string;
  /** Subresource, such as `status`, or `""`. */
  subresource: string;
  /** Namespace, or `""` for cluster scope. */
  namespace: string;
  /** Object name, or `""` for collections (set from `fieldSelector=metadata.name=` on list/watch). */
  name: string;
}

/** A stored object: plain JSON with the metadata the fake maintains. */
export type StoredObject = JsonObject;
