/**
 * A small program for `permissions_test.ts`: loads the connection with
 * {@linkcode loadConnection} and lists namespaces with plain `fetch`, so it can run
 * under exactly the Deno flags the README documents.
 *
 * Usage: `deno run <flags> _permissions_probe.ts [--service-account-dir=<dir>]`.
 * Prints `{"status":…,"namespace":…,"namespaces":[…]}` on success; on a
 * configuration error prints `error: <message>` to stderr and exits with 1.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { loadConnection } from "./load.ts";

async function main(args: string[]): Promise<number> {
  const dirArg = args.find((a) => a.startsWith("--service-account-dir="));
  let client: Deno.HttpClient | undefined;
  try {
    const connection = await loadConnection(
      dirArg ? { serviceAccountDir: dirArg.slice("--service-account-dir=".length) } : {},
    );
    client = Deno.createHttpClient({ caCerts: connection.caCertsPem ?? [] });
    const authorization = await connection.credentials?.authorization();
    const res = await fetch(`${connection.server}/api/v1/namespaces`, {
      client,
      headers: authorization ? { authorization } : {},
    });
    const body = await res.json() as { items?: { metadata: { name: string } }[] };
    console.log(JSON.stringify({
      status: res.status,
      namespace: connection.namespace,
      namespaces: (body.items ?? []).map((item) => item.metadata.name),
    }));
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  } finally {
    client?.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
