/**
 * The machine's tools as the end-to-end tests use them: `kubectl` (a fresh `HOME` and
 * `KUBECACHEDIR` for every invocation), `openssl`, and polling `kubectl get` until a
 * condition holds (bounded by a deadline, never a blind sleep).
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { fileURLToPath } from "node:url";

/** The repository's root directory, with a trailing slash. */
export const REPO: string = fileURLToPath(new URL("../../", import.meta.url));

/** The kubectl binary (`$KUBECTL`, else `kubectl` on the `PATH`). */
export const KUBECTL: string = Deno.env.get("KUBECTL") ?? "kubectl";

/** What one kubectl invocation did. */
export interface KubectlOutput {
  /** Exit code. */
  code: number;
  /** Decoded standard output. */
  stdout: string;
  /** Decoded standard error. */
  stderr: string;
}

/** Runs kubectl once with `args` (and `stdin`, if given). */
export type RunKubectl = (args: readonly string[], stdin?: string) => Promise<KubectlOutput>;

/** kubectl as one user of one cluster, with the checks the tests make. */
export interface Kubectl {
  /** Runs kubectl; any exit code. */
  run: RunKubectl;
  /** Runs kubectl, asserts exit code 0, and returns standard output. */
  ok(args: readonly string[], stdin?: string): Promise<string>;
  /**
   * Polls `kubectl get <args> -o jsonpath=<jsonpath>` every 200 ms until `test` passes;
   * throws naming `what` and the last value after `timeoutMs`.
   */
  poll(
    args: readonly string[],
    jsonpath: string,
    test: (value: string) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<string>;
}

/** Why `command args` cannot run here, or `undefined` when it can. */
export async function missingTool(command: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(command, {
      args,
      stdout: "null",
      stderr: "null",
      env: { HOME: Deno.env.get("TMPDIR") ?? "/tmp" },
    }).output();
    return out.success ? undefined : `${command} ${args.join(" ")} failed (exit ${out.code})`;
  } catch (e) {
    return `${command} is not installed (${(e as Error).message})`;
  }
}

/** Why kubectl or openssl cannot run here, or `undefined` when both can. */
export async function missingTools(): Promise<string | undefined> {
  return (await missingTool(KUBECTL, ["version", "--client"])) ??
    (await missingTool("openssl", ["version"]));
}

/**
 * kubectl with `--kubeconfig kubeconfig`, each run in a fresh `HOME` (and `KUBECACHEDIR`)
 * made under `dir`.
 */
export function kubeconfigKubectl(kubeconfig: string, dir: string): RunKubectl {
  let homes = 0;
  return async (args, stdin) => {
    const home = `${dir}/kubectl-home-${++homes}`;
    await Deno.mkdir(home, { recursive: true });
    try {
      const child = new Deno.Command(KUBECTL, {
        args: ["--kubeconfig", kubeconfig, ...args],
        env: { HOME: home, KUBECACHEDIR: `${home}/cache`, KUBECONFIG: kubeconfig },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      if (stdin !== undefined) await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    } finally {
      await Deno.remove(home, { recursive: true }).catch(() => {});
    }
  };
}

/** Adds {@linkcode Kubectl.ok} and {@linkcode Kubectl.poll} to a way of running kubectl. */
export function checkedKubectl(run: RunKubectl): Kubectl {
  const ok = async (args: readonly string[], stdin?: string): Promise<string> => {
    const r = await run(args, stdin);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const poll = async (
    args: readonly string[],
    jsonpath: string,
    test: (value: string) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      last = await ok(["get", ...args, "-o", `jsonpath=${jsonpath}`]);
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${args.join(" ")}: ${what} not reached in ${timeoutMs} ms: ${last}`);
  };
  return { run, ok, poll };
}

/** Runs openssl, asserts success, and returns standard output. */
export async function openssl(args: readonly string[]): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(out.success, `openssl ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** Makes a self-signed P-256 CA with openssl: `<dir>/ca.pem` and `<dir>/ca.key`. */
export async function makeCa(dir: string, commonName: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
    "-subj",
    `/CN=${commonName}`,
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/**
 * Makes a key and a CSR with openssl (`<dir>/<name>.key`, `<dir>/<name>.csr`) for `dns`
 * and `ip` (subject CN = `dns`), and returns the CSR's PEM in base64.
 */
export async function makeCsr(
  dir: string,
  name: string,
  keyArgs: readonly string[],
  dns: string,
  ip?: string,
): Promise<string> {
  await openssl([
    "req",
    "-new",
    ...keyArgs,
    "-nodes",
    "-keyout",
    `${dir}/${name}.key`,
    "-subj",
    `/CN=${dns}`,
    "-addext",
    `subjectAltName=DNS:${dns}${ip ? `,IP:${ip}` : ""}`,
    "-out",
    `${dir}/${name}.csr`,
  ]);
  return btoa(await Deno.readTextFile(`${dir}/${name}.csr`));
}

/** The openssl `req -newkey` arguments of each key algorithm the scenario signs. */
export const KEY_ALGORITHMS: Readonly<Record<"ec" | "rsa" | "ed25519", readonly string[]>> = {
  ec: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
  rsa: ["-newkey", "rsa:2048"],
  ed25519: ["-newkey", "ed25519"],
};
