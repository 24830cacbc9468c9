/**
 * Where a cluster is and how to authenticate to it: what configuration loading
 * (kubeconfig, in-cluster) produces and what the fetch transport consumes.
 *
 * @module
 */

/** Supplies the `Authorization` header of requests, refreshing it as needed. */
export interface CredentialSource {
  /**
   * The value of the `Authorization` header (`Bearer …` or `Basic …`), or `undefined`
   * when the request should carry none.
   *
   * @param signal Cancels a slow refresh (an exec plugin, a file read).
   */
  authorization(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Tells the source that the server answered 401 with its last value, so the next
   * call re-reads or re-runs instead of reusing a cached credential.
   */
  invalidate?(): void;
}

/** A cluster endpoint with its TLS settings and credentials. */
export interface ClusterConnection {
  /** The API server URL, such as `https://10.0.0.1:443`. */
  server: string;
  /** CA certificates (PEM) to trust instead of the system roots. */
  caCertsPem?: string[];
  /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  /** The name to verify the server certificate against (kubeconfig `tls-server-name`). */
  tlsServerName?: string;
  /** Client certificate (PEM) for mutual TLS. */
  clientCertPem?: string;
  /** Client key (PEM) for mutual TLS. */
  clientKeyPem?: string;
  /** Bearer token, basic auth or exec plugin credentials. */
  credentials?: CredentialSource;
  /** The default namespace (kubeconfig context namespace, or the service account's). */
  namespace: string;
}
