/**
 * Issuer types: the custom resource kinds (a namespaced "Issuer" or a cluster-scoped
 * "ClusterIssuer") an issuer author defines and registers with the library (spec §2.1).
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import type { KubeObject } from "../client/object.ts";
import type { ConditionLike } from "./conditions.ts";

/**
 * What {@linkcode issuerType} needs to know about a kind.
 *
 * @example A cluster issuer kind with a short retry window
 * ```ts
 * import { issuerType, type IssuerTypeOptions } from "@certkit/issuer-lib";
 *
 * const options: IssuerTypeOptions = {
 *   group: "ca.example.com",
 *   version: "v1",
 *   kind: "MyClusterIssuer",
 *   plural: "myclusterissuers",
 *   namespaced: false,
 *   maxRetryDurationMs: 5 * 60_000,
 * };
 * issuerType(options);
 * ```
 */
export interface IssuerTypeOptions {
  /** The API group, such as `ca.example.com`. Must not be empty. */
  group: string;
  /** The API version, such as `v1alpha1`. */
  version: string;
  /** The kind, such as `MyIssuer`. */
  kind: string;
  /** The plural resource name, such as `myissuers`. */
  plural: string;
  /** `true` for a namespaced Issuer kind, `false` for a cluster-scoped ClusterIssuer kind. */
  namespaced: boolean;
  /**
   * How long ordinary `sign` errors are retried for requests of this type, in
   * milliseconds; overrides the controller-wide value. An issuer object can override it
   * again with the `issuer-lib.certkit.dev/max-retry-duration` annotation.
   */
  maxRetryDurationMs?: number | undefined;
  /**
   * How often a Ready issuer of this type is re-checked, in milliseconds; overrides the
   * controller-wide value. 0 turns the periodic re-check off.
   */
  recheckIntervalMs?: number | undefined;
}

/**
 * The status of an issuer object: the library writes only the `Ready` condition.
 *
 * @example A status without conditions yet
 * ```ts
 * import type { IssuerStatus } from "@certkit/issuer-lib";
 *
 * const status: IssuerStatus = {};
 * if (status.conditions !== undefined) throw new Error("none yet");
 * ```
 */
export interface IssuerStatus {
  /** The conditions, keyed by type. */
  conditions?: ConditionLike[];
}

/**
 * An issuer object: a Kubernetes object with the author's spec and the issuer status.
 *
 * @example Reading the spec of an issuer
 * ```ts
 * import type { IssuerObject } from "@certkit/issuer-lib";
 *
 * const issuer: IssuerObject<{ url: string }> = {
 *   apiVersion: "ca.example.com/v1",
 *   kind: "MyIssuer",
 *   metadata: { name: "ca", namespace: "default", generation: 1 },
 *   spec: { url: "https://ca.example.com" },
 * };
 * if (!issuer.spec?.url.startsWith("https:")) throw new Error("want https");
 * ```
 */
export interface IssuerObject<TSpec = JsonObject> extends KubeObject {
  /** The author's spec. */
  spec?: TSpec;
  /** The issuer status. */
  status?: IssuerStatus;
}

/**
 * A registered issuer type; create one with {@linkcode issuerType}.
 *
 * @example The CSR signer name of an issuer
 * ```ts
 * import { issuerType, type IssuerType } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const t: IssuerType = issuerType({
 *   group: "ca.example.com",
 *   version: "v1",
 *   kind: "MyClusterIssuer",
 *   plural: "myclusterissuers",
 *   namespaced: false,
 * });
 * assert.equal(`${t.typeIdentifier}/prod-ca`, "myclusterissuers.ca.example.com/prod-ca");
 * ```
 */
export interface IssuerType<TSpec = JsonObject> {
  /** The API group. */
  readonly group: string;
  /** The API version. */
  readonly version: string;
  /** The kind. */
  readonly kind: string;
  /** The plural resource name. */
  readonly plural: string;
  /** Whether the kind is namespaced. */
  readonly namespaced: boolean;
  /** `<group>/<version>`. */
  readonly apiVersion: string;
  /**
   * `<plural>.<group>`: the first part of a Kubernetes CSR signer name that refers to an
   * issuer of this type.
   */
  readonly typeIdentifier: string;
  /** `<group>/<version>, Kind=<kind>`, as Go renders a GroupVersionKind. */
  readonly gvkString: string;
  /** The type's retry window for ordinary `sign` errors, if set. */
  readonly maxRetryDurationMs: number | undefined;
  /** The type's re-check interval for Ready issuers, if set. */
  readonly recheckIntervalMs: number | undefined;
  /**
   * Tells whether an object is of this type, by its `apiVersion` and `kind` (an object
   * without them, as some list responses give, is taken to be of this type).
   *
   * @param object The object to test.
   * @returns `true` when the object is an issuer of this type.
   */
  is(object: KubeObject | undefined): object is IssuerObject<TSpec>;
}

const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PLURAL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VERSION = /^[a-z0-9]+$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

function checkText(field: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new TypeError(`issuerType: ${field} must be ${what}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkDuration(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `issuerType: ${field} must be a finite number of milliseconds >= 0, got ${value}`,
    );
  }
  return value;
}

/**
 * Describes an issuer kind to the library. The `TSpec` type parameter types the spec of
 * the issuer objects handed to `check` and `sign` (it is not checked at run time).
 *
 * @typeParam TSpec The shape of the issuer's `spec`.
 * @param options Group, version, kind, plural name, scope and optional timings.
 * @returns The issuer type descriptor.
 * @throws {TypeError} When a name is empty or malformed (an empty group is refused:
 * requests with an empty `issuerRef.group` mean cert-manager's own group).
 * @throws {RangeError} When a duration is negative or not finite.
 *
 * @example A namespaced and a cluster-scoped issuer kind
 * ```ts
 * import { issuerType } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * interface MySpec { url: string }
 * const myIssuer = issuerType<MySpec>({
 *   group: "ca.example.com",
 *   version: "v1alpha1",
 *   kind: "MyIssuer",
 *   plural: "myissuers",
 *   namespaced: true,
 * });
 * assert.equal(myIssuer.typeIdentifier, "myissuers.ca.example.com");
 * assert.equal(myIssuer.apiVersion, "ca.example.com/v1alpha1");
 *
 * const obj = { apiVersion: "ca.example.com/v1alpha1", kind: "MyIssuer", metadata: { name: "a" } };
 * assert.ok(myIssuer.is(obj));
 * ```
 */
export function issuerType<TSpec = JsonObject>(options: IssuerTypeOptions): IssuerType<TSpec> {
  const group = checkText("group", options.group, GROUP, "a non-empty DNS subdomain");
  const version = checkText("version", options.version, VERSION, "a version such as v1alpha1");
  const kind = checkText("kind", options.kind, KIND, "a kind such as MyIssuer");
  const plural = checkText("plural", options.plural, PLURAL, "a lowercase resource name");
  if (typeof options.namespaced !== "boolean") {
    throw new TypeError(
      `issuerType: namespaced must be a boolean, got ${JSON.stringify(options.namespaced)}`,
    );
  }
  const apiVersion = `${group}/${version}`;
  return Object.freeze({
    group,
    version,
    kind,
    plural,
    namespaced: options.namespaced,
    apiVersion,
    typeIdentifier: `${plural}.${group}`,
    gvkString: `${group}/${version}, Kind=${kind}`,
    maxRetryDurationMs: checkDuration("maxRetryDurationMs", options.maxRetryDurationMs),
    recheckIntervalMs: checkDuration("recheckIntervalMs", options.recheckIntervalMs),
    is(object: KubeObject | undefined): object is IssuerObject<TSpec> {
      if (object === undefined || object === null || typeof object !== "object") return false;
      if (object.kind !== undefined && object.kind !== kind) return false;
      if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) return false;
      const status: unknown = (object as IssuerObject).status;
      if (status === undefined) return true;
      if (typeof status !== "object" || status === null || Array.isArray(status)) return false;
      const conditions: unknown = (status as IssuerStatus).conditions;
      return conditions === undefined || Array.isArray(conditions);
    },
  });
}
