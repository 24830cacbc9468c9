/**
 * A kubeconfig for pointing the real `kubectl` (or any client-go program) at the fake
 * API server.
 *
 * @module
 */
import { stringify } from "yaml";

/** Options of {@linkcode kubeconfigYaml}. */
export interface KubeconfigOptions {
  /** The server URL, such as `https://127.0.0.1:6443`. */
  server: string;
  /** The CA certificate (PEM) that signed the server's certificate; embedded base64. */
  caCertPem?: string;
  /**
   * A bearer token. kubectl only sends it over `https://` (client-go loads user
   * credentials only for TLS transports). Without one, kubectl talking to an `https://`
   * server prompts on stdin for a user name (and fails with `error: EOF` when stdin is
   * closed), so give every HTTPS kubeconfig a token.
   */
  token?: string;
  /** The context's default namespace. */
  namespace?: string;
  /** The name of the cluster, user and context entries. Default `fake`. */
  contextName?: string;
}

/**
 * Renders a kubeconfig (`apiVersion: v1`, `kind: Config`) with one cluster, one user and
 * one context that is current. The CA is embedded as `certificate-authority-data`; TLS
 * verification is never skipped.
 *
 * @param options The server, CA, token, namespace and entry name.
 * @returns The kubeconfig as YAML.
 * @throws {TypeError} If `server` is not an `http://` or `https://` URL, or `contextName`
 * is empty.
 *
 * @example Write a kubeconfig for kubectl
 * ```ts
 * import { kubeconfigYaml } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const yaml = kubeconfigYaml({
 *   server: "https://127.0.0.1:6443",
 *   token: "secret-token",
 *   namespace: "t",
 * });
 * assert.match(yaml, /^current-context: fake$/m);
 * assert.match(yaml, /^ {6}token: secret-token$/m);
 * ```
 */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  let url: URL;
  try {
    url = new URL(options.server);
  } catch {
    throw new TypeError(`kubeconfigYaml: server is not a URL: ${JSON.stringify(options.server)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(
      `kubeconfigYaml: server must be an http:// or https:// URL, got ${
        JSON.stringify(options.server)
      }`,
    );
  }
  const name = options.contextName ?? "fake";
  if (name === "") throw new TypeError("kubeconfigYaml: contextName must not be empty");

  const cluster: Record<string, string> = { server: options.server };
  if (options.caCertPem !== undefined) {
    cluster["certificate-authority-data"] = base64(options.caCertPem);
  }
  const user: Record<string, string> = {};
  if (options.token !== undefined) user.token = options.token;
  const context: Record<string, string> = { cluster: name, user: name };
  if (options.namespace !== undefined) context.namespace = options.namespace;

  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    "current-context": name,
    preferences: {},
  };
  return stringify(config, { lineWidth: 0 });
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
