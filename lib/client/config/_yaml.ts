/**
 * YAML parsing that works under scoped `--allow-env`.
 *
 * The `yaml` package reads `process.env.LOG_TOKENS` and `process.env.LOG_STREAM` for
 * every token it parses (debug switches). Under `--allow-env=KUBECONFIG,HOME` those
 * reads throw `NotCapable` (or prompt), so a program would need env permissions that
 * have nothing to do with Kubernetes. Parsing is synchronous and calls no user code, so
 * for its duration `process.env` is swapped for an empty object when those two
 * variables are not readable.
 *
 * @module
 */
import process from "node:process";
import { parse, type Tags } from "yaml";

const NUMBER_TAGS = new Set(["tag:yaml.org,2002:int", "tag:yaml.org,2002:float"]);

/**
 * Parses YAML (or JSON) the way `sigs.k8s.io/yaml` fills string fields: numbers keep their
 * source text (`token: 0123` is `"0123"`), while `true`/`false` and `null`/`~` resolve.
 *
 * @throws The `yaml` package's `YAMLParseError` on malformed input.
 */
export function parseYaml(text: string): unknown {
  const options = {
    customTags: (tags: Tags) =>
      tags.filter((t) => typeof t === "string" || !NUMBER_TAGS.has(t.tag)),
  };
  if (debugVariablesReadable()) return parse(text, options);
  const env = Object.getOwnPropertyDescriptor(process, "env");
  if (!env?.configurable) return parse(text, options);
  Object.defineProperty(process, "env", { value: {}, configurable: true, writable: true });
  try {
    return parse(text, options);
  } finally {
    Object.defineProperty(process, "env", env);
  }
}

function debugVariablesReadable(): boolean {
  return ["LOG_TOKENS", "LOG_STREAM"].every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
}
