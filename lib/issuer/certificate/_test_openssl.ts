/**
 * Test helpers: `openssl` as an independent client — it makes the requests and CAs the
 * tests feed in, and verifies and prints the certificates that come out.
 *
 * @module
 */
import { children, ContextTag, encodeSequence, encoding, readSingle } from "./_der.ts";
import { decodePem, encodePem } from "./_pem.ts";

/** A temporary directory that removes itself; use with `await using`. */
export interface TempDir extends AsyncDisposable {
  /** The directory's path. */
  path: string;
  /** The path of a file in the directory. */
  file(name: string): string;
}

/** Creates a temporary directory that `await using` removes. */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "certkit-certificate-test-" });
  return {
    path,
    file: (name) => `${path}/${name}`,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/**
 * Runs `openssl` and returns its standard output.
 *
 * @throws {Error} With openssl's standard error when it exits non-zero.
 */
export async function openssl(args: readonly string[], cwd?: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("openssl", {
    args: [...args],
    stdout: "piped",
    stderr: "piped",
    ...(cwd ? { cwd } : {}),
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) {
    throw new Error(
      `openssl ${args.join(" ")} exited with ${code}: ${decoder.decode(stderr)}${
        decoder.decode(stdout)
      }`,
    );
  }
  return decoder.decode(stdout);
}

/** Key types openssl makes requests with. */
export type OpensslKeyType =
  | "rsa:2048"
  | "P-256"
  | "P-384"
  | "P-521"
  | "ed25519"
  | "ed448"
  | "secp256k1";

/** Options of {@linkcode opensslCsr}. */
export interface OpensslCsrOptions {
  /** The `-subj` argument, such as `/CN=web/O=Acme`; `/` for an empty subject. */
  subject?: string;
  /** `-addext` arguments, such as `subjectAltName=DNS:web`. */
  extensions?: readonly string[];
  /** More `openssl req` arguments, such as `-md5`. */
  extraArgs?: readonly string[];
}

/** Makes a key and a CSR with `openssl req`; returns the CSR PEM and the key's path. */
export async function opensslCsr(
  dir: TempDir,
  keyType: OpensslKeyType,
  options: OpensslCsrOptions = {},
): Promise<{ csrPem: string; keyPath: string }> {
  const name = `${keyType.replace(/[^a-z0-9]/gi, "")}-${crypto.randomUUID()}`;
  const keyPath = dir.file(`${name}.key`);
  const csrPath = dir.file(`${name}.csr`);
  const newkey = keyType === "rsa:2048" || keyType === "ed25519" || keyType === "ed448"
    ? ["-newkey", keyType]
    : ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${keyType}`];
  await openssl([
    "req",
    "-new",
    ...newkey,
    "-nodes",
    "-utf8",
    "-keyout",
    keyPath,
    "-subj",
    options.subject ?? "/CN=test",
    ...(options.extensions ?? []).flatMap((extension) => ["-addext", extension]),
    ...(options.extraArgs ?? []),
    "-out",
    csrPath,
  ]);
  return { csrPem: await Deno.readTextFile(csrPath), keyPath };
}

/** Seconds since the epoch, as `openssl verify -attime` wants them. */
export function epochSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/**
 * A SEC1 `EC PRIVATE KEY` PEM re-encoded without its optional `parameters`, `publicKey`
 * or both — what some tools write, and openssl cannot.
 */
export function sec1Without(pem: string, drop: "parameters" | "publicKey" | "both"): string {
  const der = decodePem(pem).find((b) => b.type === "EC PRIVATE KEY")!.der;
  const fields = children(der, readSingle(der)).filter((field) =>
    !(field.tag === ContextTag.explicit0 && drop !== "publicKey") &&
    !(field.tag === ContextTag.explicit1 && drop !== "parameters")
  );
  return encodePem("EC PRIVATE KEY", encodeSequence(...fields.map((f) => encoding(der, f))));
}
