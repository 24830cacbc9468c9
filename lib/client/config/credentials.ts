/**
 * Credential sources for the `Authorization` header: a static bearer token, basic auth,
 * and a token file that is re-read as it rotates (bound service-account tokens).
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import { systemClock } from "../../core/clock.ts";
import type { CredentialSource } from "../connection.ts";
import { ConfigError } from "./errors.ts";
import { base64Utf8 } from "./_base64.ts";
import { denoReadTextFile, readFile, type ReadTextFile } from "./_deno.ts";

/**
 * A fixed bearer token (kubeconfig `token`).
 *
 * @param token The token, without `Bearer `.
 * @returns A source that always answers `Bearer <token>`.
 *
 * @example A static token
 * ```ts
 * import { bearerTokenCredentials } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(await bearerTokenCredentials("abc").authorization(), "Bearer abc");
 * ```
 */
export function bearerTokenCredentials(token: string): CredentialSource {
  if (token === "") throw new TypeError("bearerTokenCredentials: token must not be empty");
  const header = `Bearer ${token}`;
  return { authorization: () => Promise.resolve(header) };
}

/**
 * HTTP basic auth (kubeconfig `username` and `password`), encoded as UTF-8.
 *
 * @param username The user name.
 * @param password The password.
 * @returns A source that always answers `Basic <base64(username:password)>`.
 *
 * @example Basic auth
 * ```ts
 * import { basicAuthCredentials } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const header = await basicAuthCredentials("admin", "pa55").authorization();
 * assert.equal(header, `Basic ${btoa("admin:pa55")}`);
 * ```
 */
export function basicAuthCredentials(username: string, password: string): CredentialSource {
  const header = `Basic ${base64Utf8(`${username}:${password}`)}`;
  return { authorization: () => Promise.resolve(header) };
}

/** Options of {@linkcode TokenFileCredentials}. */
export interface TokenFileOptions {
  /** The clock that decides when the file is due to be re-read (default: the real clock). */
  clock?: Clock;
  /** How files are read (default `Deno.readTextFile`). */
  readTextFile?: ReadTextFile;
  /** How long a read token is reused, in milliseconds (default 60,000, as client-go). */
  refreshIntervalMs?: number;
  /**
   * Called when a re-read fails while an earlier token is still at hand; that token is
   * then kept, as client-go does, and the next call tries again.
   */
  onRefreshError?: (error: ConfigError) => void;
}

/**
 * A bearer token read from a file (kubeconfig `tokenFile`, or the service account's
 * `token` in a pod). Bound service-account tokens rotate on disk, so the file is re-read
 * when the token is older than `refreshIntervalMs` (one minute, as client-go) and after
 * {@linkcode TokenFileCredentials.invalidate} (the server answered 401).
 *
 * @example Re-reading a rotated token
 * ```ts
 * import { TokenFileCredentials } from "./mod.ts";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const files = new Map([["/sa/token", "one\n"]]);
 * const clock = new FakeClock();
 * const source = new TokenFileCredentials("/sa/token", {
 *   clock,
 *   readTextFile: (path) => Promise.resolve(files.get(path) ?? ""),
 * });
 * assert.equal(await source.authorization(), "Bearer one");
 * files.set("/sa/token", "two\n");
 * assert.equal(await source.authorization(), "Bearer one");
 * await clock.advance(60_000);
 * assert.equal(await source.authorization(), "Bearer two");
 * ```
 */
export class TokenFileCredentials implements CredentialSource {
  /** The token file. */
  readonly path: string;
  #clock: Clock;
  #read: ReadTextFile;
  #interval: number;
  #onRefreshError: ((error: ConfigError) => void) | undefined;
  #token: string | undefined;
  #readAt = 0;
  #stale = false;
  #reading: Promise<string> | undefined;

  /**
   * Creates the source; the file is first read by the first
   * {@linkcode TokenFileCredentials.authorization} call.
   *
   * @param path The token file.
   * @param options Clock, reader, refresh interval and a refresh-error hook.
   */
  constructor(path: string, options: TokenFileOptions = {}) {
    if (path === "") throw new TypeError("TokenFileCredentials: path must not be empty");
    const interval = options.refreshIntervalMs ?? 60_000;
    if (!(interval >= 0)) {
      throw new RangeError(
        `TokenFileCredentials: refreshIntervalMs must be >= 0, got ${options.refreshIntervalMs}`,
      );
    }
    this.path = path;
    this.#clock = options.clock ?? systemClock;
    this.#read = options.readTextFile ?? denoReadTextFile;
    this.#interval = interval;
    this.#onRefreshError = options.onRefreshError;
  }

  /**
   * `Bearer <token>`, re-reading the file when the token is due for a refresh.
   *
   * @param signal Checked before a read starts.
   * @throws {ConfigError} When the file cannot be read or is empty and no earlier token
   * is at hand.
   */
  async authorization(signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const fresh = this.#token !== undefined && !this.#stale &&
      this.#clock.now() - this.#readAt < this.#interval;
    if (fresh) return `Bearer ${this.#token}`;
    this.#reading ??= this.#refresh().finally(() => this.#reading = undefined);
    return `Bearer ${await this.#reading}`;
  }

  /** Makes the next {@linkcode TokenFileCredentials.authorization} re-read the file. */
  invalidate(): void {
    this.#stale = true;
  }

  async #refresh(): Promise<string> {
    const startedAt = this.#clock.now();
    try {
      const token = (await readFile(this.#read, "token file", this.path)).trim();
      if (token === "") throw new ConfigError(`token file ${this.path} is empty`);
      this.#token = token;
      this.#readAt = startedAt;
      this.#stale = false;
      return token;
    } catch (err) {
      if (this.#token === undefined || !(err instanceof ConfigError)) throw err;
      this.#onRefreshError?.(err);
      return this.#token;
    }
  }
}
