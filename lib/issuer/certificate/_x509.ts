/**
 * The one place this area loads `@peculiar/x509`: `reflect-metadata` must be imported
 * first, and the library must be pointed at the runtime's WebCrypto.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };
