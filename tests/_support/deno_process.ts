/**
 * Running the repository's programs as separate processes the way their `deno.json` tasks
 * do (the task's own permission flags, parsed from `deno.json`, with `Deno.execPath()`),
 * reading their output line by line, and stopping them with SIGTERM.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { Lines } from "./lines.ts";
import { REPO } from "./kubectl_tools.ts";

/** A child process with its output read line by line. */
export interface Proc {
  /** The process. */
  child: Deno.ChildProcess;
  /** Its standard output. */
  out: Lines;
  /** Its standard error (where the example logs). */
  err: Lines;
}

/** The words after `deno` of a deno.json task, checked to end with `entry` if given. */
export async function taskArgs(name: string, entry?: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  const task = String(config.tasks?.[name] ?? "");
  const words = task.split(/\s+/).filter(Boolean);
  assert.match(words[0] ?? "", /(^|\/)deno$/, `unexpected ${name} task: ${task}`);
  if (entry !== undefined) assert.equal(words.at(-1), entry, `unexpected ${name} task: ${task}`);
  return words.slice(1);
}

/** Runs `deno <args>` from the repository root, with piped output. */
export function spawnDeno(args: readonly string[]): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd: REPO,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { child, out: new Lines(child.stdout), err: new Lines(child.stderr) };
}

/**
 * Starts the example issuer as `deno task example` does (its permission flags), with
 * `args` after `examples/simple/main.ts`, and waits for its start line.
 */
export async function startExample(args: readonly string[]): Promise<Proc> {
  const proc = spawnDeno([...await taskArgs("example", "examples/simple/main.ts"), ...args]);
  try {
    await proc.err.next((l) => l.includes("Starting the simple issuer"), "the start line");
  } catch (error) {
    await terminate(proc);
    throw error;
  }
  return proc;
}

/** Sends SIGTERM and returns the exit code (SIGKILL after 15 s). */
export async function terminate(proc: Proc): Promise<number> {
  try {
    proc.child.kill("SIGTERM");
  } catch {
    // already exited
  }
  const timer = setTimeout(() => {
    try {
      proc.child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, 15_000);
  const status = await proc.child.status;
  clearTimeout(timer);
  await Promise.all([proc.out.done, proc.err.done]);
  return status.code;
}
