/**
 * The low-level client contract every higher layer speaks: one method,
 * `performRequest`, with the same shape as `RestClient` of
 * `@cloudydeno/kubernetes-client`, so a user who already has that client can hand it
 * to this library, and this library's {@linkcode KubeClient} can be handed to code
 * written for it.
 *
 * @module
 */

/** The HTTP methods the contract allows. */
export type HttpMethods = "GET" | "POST" | "DELETE" | "PUT" | "PATCH" | "OPTIONS" | "HEAD";

/** A JSON value as the contract passes it: like `JsonValue`, but `undefined` is allowed. */
export type RestJsonValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | RestJsonValue[]
  | { [key: string]: RestJsonValue };

/** One request: where it goes, what it carries and what the caller expects back. */
export interface RequestOptions {
  /** The HTTP method. */
  method: HttpMethods;
  /** The path below the API server URL, such as `/api/v1/namespaces`. */
  path: string;
  /** Query parameters. */
  querystring?: URLSearchParams;
  /** Cancels the request, and the stream of a streaming request. */
  abortSignal?: AbortSignal;
  /** The `Content-Type` of the body (default `application/json` for `bodyJson`). */
  contentType?: string;
  /** A raw body. */
  bodyRaw?: Uint8Array;
  /** A body to send as JSON. */
  bodyJson?: RestJsonValue;
  /** A streamed body (never retried: it cannot be replayed). */
  bodyStream?: ReadableStream<Uint8Array>;
  /** The `Accept` header (default `application/json` when `expectJson`). */
  accept?: string;
  /** Subprotocols of a tunnel (exec, port-forward); not supported by this library's client. */
  expectTunnel?: string[];
  /** Return the body as a stream instead of reading it. */
  expectStream?: boolean;
  /** Decode the body as JSON (with `expectStream`: as a stream of JSON values, one per line). */
  expectJson?: boolean;
}

/**
 * The client contract: `performRequest` answers with decoded JSON, a stream of JSON
 * values, a byte stream or bytes depending on `expectJson`/`expectStream`, and throws
 * on error answers. Any object of this shape works, such as a `RestClient` of
 * `@cloudydeno/kubernetes-client` or a hand-written stand-in in a test.
 *
 * @example A stand-in that answers every request with an empty list
 * ```ts
 * import {
 *   type RequestOptions, ResourceClient, type RestClient, type RestJsonValue,
 * } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const seen: string[] = [];
 * function performRequest(o: RequestOptions & { expectStream: true; expectJson: true }): Promise<ReadableStream<RestJsonValue>>;
 * function performRequest(o: RequestOptions & { expectStream: true }): Promise<ReadableStream<Uint8Array>>;
 * function performRequest(o: RequestOptions & { expectJson: true }): Promise<RestJsonValue>;
 * function performRequest(o: RequestOptions): Promise<Uint8Array>;
 * function performRequest(o: RequestOptions): Promise<unknown> {
 *   seen.push(`${o.method} ${o.path}`);
 *   return Promise.resolve({ metadata: { resourceVersion: "7" }, items: [] });
 * }
 * const standIn: RestClient = { performRequest };
 * const secrets = new ResourceClient(standIn, {
 *   group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true,
 * });
 * assert.deepEqual((await secrets.list({ namespace: "t" })).items, []);
 * assert.deepEqual(seen, ["GET /api/v1/namespaces/t/secrets"]);
 * ```
 */
export interface RestClient {
  /** Sends a request and streams its JSON values (one per line), such as watch events. */
  performRequest(
    opts: RequestOptions & { expectStream: true; expectJson: true },
  ): Promise<ReadableStream<RestJsonValue>>;
  /** Sends a request and returns the body as a byte stream. */
  performRequest(
    opts: RequestOptions & { expectStream: true },
  ): Promise<ReadableStream<Uint8Array>>;
  /** Sends a request and returns the decoded JSON body. */
  performRequest(opts: RequestOptions & { expectJson: true }): Promise<RestJsonValue>;
  /** Sends a request and returns the body bytes. */
  performRequest(opts: RequestOptions): Promise<Uint8Array>;
  /** The namespace of the configuration (kubeconfig context, service account), if any. */
  defaultNamespace?: string;
}
