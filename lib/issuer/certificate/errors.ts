/**
 * The errors of request details, certificate templates and CA signing.
 *
 * Every {@linkcode RequestDetailsError} describes a request that can never be signed as it
 * stands (an unparsable CSR, an unknown usage, a bad duration): retrying cannot help, so
 * the request reconcilers treat it as permanent (the spec's deliberate difference 9).
 *
 * @module
 */

/**
 * The request's details are unusable: its CSR, usages or duration. The base class of
 * {@linkcode InvalidCsrError}, {@linkcode UnknownUsageError},
 * {@linkcode InvalidDurationError} and {@linkcode CsrMismatchError}; the request
 * reconcilers treat any of them as a permanent failure.
 *
 * @example Telling a request problem from a signer problem
 * ```ts
 * import { RequestDetailsError, UnknownUsageError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err: unknown = new UnknownUsageError(["fly"]);
 * assert.ok(err instanceof RequestDetailsError);
 * ```
 */
export class RequestDetailsError extends Error {
  /** The class name of the concrete error. */
  /** Always `"RequestDetailsError"`. */
  override name = "RequestDetailsError";
}

/** What is wrong with a certificate signing request; see {@linkcode InvalidCsrError}. */
export type InvalidCsrReason =
  | "NotBase64"
  | "TooLarge"
  | "NotPem"
  | "WrongPemType"
  | "Malformed"
  | "UnsupportedKeyAlgorithm"
  | "UnsupportedSignatureAlgorithm"
  | "BadSignature";

/**
 * A PKCS#10 certificate signing request cannot be used: it is not PEM, not a CSR, uses an
 * unsupported key, or its self-signature does not verify. The message says which; the
 * {@linkcode InvalidCsrError.reason} says it in a machine-readable way.
 *
 * @example Reading the reason
 * ```ts
 * import { InvalidCsrError, parseCsr } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * await assert.rejects(() => parseCsr("hello"), (err: unknown) => {
 *   assert.ok(err instanceof InvalidCsrError);
 *   assert.equal(err.reason, "NotPem");
 *   return true;
 * });
 * ```
 */
export class InvalidCsrError extends RequestDetailsError {
  /** Always `"InvalidCsrError"`. */
  override name = "InvalidCsrError";
  /** What is wrong, machine-readable. */
  readonly reason: InvalidCsrReason;

  /**
   * Creates the error.
   *
   * @param reason What is wrong, machine-readable.
   * @param message What is wrong, for an operator.
   * @param options The underlying error, if any.
   */
  constructor(reason: InvalidCsrReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A request names usages that are neither a key usage nor an extended key usage of the
 * table in spec §10.3. The message is cert-manager's: `unknown key usages: [a b]`.
 *
 * @example The unknown usages, in order
 * ```ts
 * import { UnknownUsageError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new UnknownUsageError(["fly", "swim"]);
 * assert.equal(err.message, "unknown key usages: [fly swim]");
 * assert.deepEqual(err.usages, ["fly", "swim"]);
 * ```
 */
export class UnknownUsageError extends RequestDetailsError {
  /** Always `"UnknownUsageError"`. */
  override name = "UnknownUsageError";
  /** The usages that are not in the table, in the order the request lists them. */
  readonly usages: readonly string[];

  /**
   * Creates the error.
   *
   * @param usages The unknown usage strings.
   */
  constructor(usages: readonly string[]) {
    super(`unknown key usages: [${usages.join(" ")}]`);
    this.usages = [...usages];
  }
}

/**
 * A requested duration does not parse as a Go duration. The message names where the
 * duration came from and quotes Go's parse error.
 *
 * @example The duration annotation of a Kubernetes CSR
 * ```ts
 * import { InvalidDurationError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new InvalidDurationError("abc", "failed to parse: time: invalid duration \"abc\"");
 * assert.equal(err.value, "abc");
 * ```
 */
export class InvalidDurationError extends RequestDetailsError {
  /** Always `"InvalidDurationError"`. */
  override name = "InvalidDurationError";
  /** The text that failed to parse. */
  readonly value: string;

  /**
   * Creates the error.
   *
   * @param value The text that failed to parse.
   * @param message What failed, for an operator.
   * @param options The parse error as `cause`.
   */
  constructor(value: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.value = value;
  }
}

/** Which requested extension of a CSR disagrees with the request; see {@linkcode CsrMismatchError}. */
export type CsrMismatchField = "isCA" | "keyUsage" | "extKeyUsage";

/**
 * The CSR asks for something the request does not: a basic-constraints extension whose CA
 * flag differs from the request's `isCA`, or key usages or extended key usages that differ
 * from the request's usages. Messages are cert-manager's, starting `encoded CSR error: `.
 *
 * @example A CSR that asks to be a CA
 * ```ts
 * import { CsrMismatchError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new CsrMismatchError("isCA", "encoded CSR error: IsCA true does not match expected value false");
 * assert.equal(err.field, "isCA");
 * ```
 */
export class CsrMismatchError extends RequestDetailsError {
  /** Always `"CsrMismatchError"`. */
  override name = "CsrMismatchError";
  /** The field that disagrees. */
  readonly field: CsrMismatchField;

  /**
   * Creates the error.
   *
   * @param field The field that disagrees.
   * @param message cert-manager's message.
   */
  constructor(field: CsrMismatchField, message: string) {
    super(message);
    this.field = field;
  }
}

/** What is wrong with a signed chain; see {@linkcode InvalidSignedChainError}. */
export type InvalidSignedChainReason = "Empty" | "Malformed" | "KeyMismatch";

/**
 * The chain a signer returned cannot be the answer to the request: it is empty, does not
 * parse, or its leaf certifies a key other than the CSR's (the spec's deliberate
 * difference 8). The request reconcilers treat it as a permanent failure.
 *
 * @example An empty chain
 * ```ts
 * import { InvalidSignedChainError, validateSignedChain } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.throws(() => validateSignedChain("", ""), InvalidSignedChainError);
 * ```
 */
export class InvalidSignedChainError extends Error {
  /** Always `"InvalidSignedChainError"`. */
  override name = "InvalidSignedChainError";
  /** What is wrong, machine-readable. */
  readonly reason: InvalidSignedChainReason;

  /**
   * Creates the error.
   *
   * @param reason What is wrong, machine-readable.
   * @param message What is wrong, for an operator.
   * @param options The underlying error, if any.
   */
  constructor(reason: InvalidSignedChainReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The CA certificate or key given to {@linkcode signCertificate} cannot sign: it does not
 * parse, uses an unsupported algorithm, is not a CA, or the key is not the certificate's.
 * This is a problem of the issuer, not of the request: a CA-backed issuer reports it from
 * `check` (or as an issuer error from `sign`).
 *
 * @example A key that is not PEM
 * ```ts
 * import { InvalidCaError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new InvalidCaError("the CA private key is not a PEM PRIVATE KEY block");
 * assert.equal(err.name, "InvalidCaError");
 * ```
 */
export class InvalidCaError extends Error {
  /** Always `"InvalidCaError"`. */
  override name = "InvalidCaError";
}
