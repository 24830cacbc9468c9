/**
 * `realTest`: a `Deno.test` that runs only against the real kube-apiserver tier, shared by
 * the tests in this folder. It runs under `CONFORMANCE_TARGET=real` (`deno task test:real`)
 * and is ignored otherwise, saying why in its name. Without binaries in tests/real/bin it
 * is ignored too, unless `REAL_APISERVER_REQUIRED=1`: then it fails and says to run
 * tests/real/build.sh.
 *
 * @module
 */
import { DEFAULT_BIN_DIR, realClusterBinariesPresent } from "./real_cluster.ts";

const target = Deno.env.get("CONFORMANCE_TARGET") ?? "fake";
const required = Deno.env.get("REAL_APISERVER_REQUIRED") === "1";
const present = realClusterBinariesPresent();

/** Appended to a real-tier test's name: why it is skipped, or `""` when it runs. */
export const REAL_SKIP_NOTE: string = target !== "real"
  ? ` [SKIPPED: CONFORMANCE_TARGET=${target}; set CONFORMANCE_TARGET=real to run against a real kube-apiserver]`
  : !present && !required
  ? " [SKIPPED: no etcd/kube-apiserver in tests/real/bin; run tests/real/build.sh]"
  : "";

/** Throws, saying what to do, when the binaries are missing (under REAL_APISERVER_REQUIRED). */
export function requireRealBinaries(): void {
  if (present) return;
  throw new Error(
    `REAL_APISERVER_REQUIRED=1 but ${DEFAULT_BIN_DIR}/{etcd,kube-apiserver} are missing: ` +
      "run tests/real/build.sh",
  );
}

/** Registers `fn` as a test against the real tier, skipped as {@linkcode REAL_SKIP_NOTE} says. */
export function realTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: name + REAL_SKIP_NOTE,
    ignore: REAL_SKIP_NOTE !== "",
    fn: async (t) => {
      requireRealBinaries();
      await fn(t);
    },
  });
}
