/**
 * The example's `check` and `sign`: a CA issuer whose CA certificate and key live in a
 * `kubernetes.io/tls` Secret.
 *
 * @module
 */
import {
  type CaKeyPair,
  certificateTemplate,
  type CheckFunction,
  InvalidCaError,
  isNotFound,
  type IssuerContext,
  IssuerError,
  type IssuerObject,
  PermanentError,
  ResourceClient,
  signCertificate,
  type SignFunction,
} from "@certkit/issuer-lib";
import { type Secret, SECRETS, type SimpleIssuerSpec } from "./api.ts";
import { CaNotYetValidError, checkCa, checkCaValidity } from "./check_ca.ts";

/** Options of {@linkcode simpleSigner}. */
export interface SimpleSignerOptions {
  /** The namespace of the Secrets of SimpleClusterIssuers (`--cluster-resource-namespace`). */
  clusterResourceNamespace: string;
}

/** The `check` and `sign` functions of the example issuer. */
export interface SimpleSigner {
  /** Proves the issuer's CA can sign. */
  check: CheckFunction<SimpleIssuerSpec>;
  /** Signs a request with the issuer's CA. */
  sign: SignFunction<SimpleIssuerSpec>;
}

/**
 * Creates the example's `check` and `sign`.
 *
 * `check` reads the Secret named by `spec.secretName` — from the issuer's namespace, or
 * for a SimpleClusterIssuer (which has none) from the cluster resource namespace — and
 * proves its CA can sign now. The key in `tls.key` may be in any unencrypted format
 * cert-manager writes: PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#8
 * `PRIVATE KEY` (RSA, ECDSA P-256/384/521, Ed25519). A missing Secret, or a CA that is not valid yet, is retried
 * with back-off. A Secret that can never work as it is (no `tls.crt` or `tls.key`, not a
 * CA, a key that is not the certificate's, expired) is a `PermanentError`: the issuer is
 * `Failed` until its spec changes.
 *
 * `sign` reads the CA the same way (a failure there is the issuer's, an `IssuerError`),
 * builds the certificate template from the request and signs it. It returns the chain
 * and the CA; the library writes the CA to `status.ca` only when asked to.
 *
 * @param options Where SimpleClusterIssuers keep their Secrets.
 * @returns `check` and `sign`, for `runIssuer`.
 *
 * @example Passing them to runIssuer
 * ```ts
 * import { simpleSigner } from "./signer.ts";
 *
 * const { check, sign } = simpleSigner({ clusterResourceNamespace: "simple-issuer" });
 * console.assert(typeof check === "function" && typeof sign === "function");
 * ```
 */
export function simpleSigner(options: SimpleSignerOptions): SimpleSigner {
  /** Reads the CA from the issuer's Secret, and says where it came from. */
  async function readCa(
    issuer: IssuerObject<SimpleIssuerSpec>,
    ctx: IssuerContext,
  ): Promise<{ ca: CaKeyPair; where: string }> {
    const name = issuer.spec?.secretName;
    if (!name) throw new PermanentError("spec.secretName must name the Secret holding the CA");
    const namespace = issuer.metadata.namespace || options.clusterResourceNamespace;
    const where = `Secret ${JSON.stringify(`${namespace}/${name}`)}`;

    let secret: Secret;
    try {
      secret = await new ResourceClient(ctx.client, SECRETS).get(name, {
        namespace,
        signal: ctx.signal,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new Error(`the ${where} does not exist (yet): it is checked again with back-off`, {
        cause: error,
      });
    }
    const caCertPem = secret.data?.["tls.crt"];
    const caKeyPem = secret.data?.["tls.key"];
    if (!caCertPem || !caKeyPem) {
      throw new PermanentError(`the ${where} must hold the CA in tls.crt and its key in tls.key`);
    }
    return { ca: { caCertPem: atob(caCertPem), caKeyPem: atob(caKeyPem) }, where };
  }

  /** A CA that can never sign as it is, said with the Secret it came from. */
  function cannotSign(where: string, error: InvalidCaError): InvalidCaError {
    return new InvalidCaError(`the ${where} cannot sign: ${error.message}`, { cause: error });
  }

  return {
    async check(issuer, ctx) {
      const { ca, where } = await readCa(issuer, ctx);
      try {
        await checkCa(ca, ctx.clock.now());
      } catch (error) {
        if (!(error instanceof InvalidCaError)) throw error;
        throw new PermanentError(cannotSign(where, error));
      }
    },
    // No throwaway signature here (check proved the CA): signing the request proves it
    // again, and a CA that fails now sends the issuer back to be checked.
    async sign(request, issuer, ctx) {
      const { ca, where } = await readCa(issuer, ctx).catch((error) => {
        throw new IssuerError(error);
      });
      const now = ctx.clock.now();
      const template = await certificateTemplate(request.certificateDetails(), now);
      try {
        checkCaValidity(ca.caCertPem, now);
        return await signCertificate(template, ca);
      } catch (error) {
        if (error instanceof InvalidCaError) throw new IssuerError(cannotSign(where, error));
        if (error instanceof CaNotYetValidError) throw new IssuerError(error);
        throw error;
      }
    },
  };
}
