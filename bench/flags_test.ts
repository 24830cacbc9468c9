// The benchmarks refuse flags they do not know, saying which and how to call them.
import { strict as assert } from "node:assert";

async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(script, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("bench:load refuses an unknown flag and a bad size, and prints usage on --help", async () => {
  const unknown = await run("./load.ts", ["--wokers=4"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^bench:load: Unknown option '--wokers'.*\nusage: deno task bench:load /,
  );
  const bad = await run("./load.ts", ["--n=0"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "bench:load: --n must be 1..100000, got 0\n");
  const help = await run("./load.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task bench:load \[--n 1000\] \[--workers 1\]/);
});

Deno.test("soak refuses an unknown flag and a non-number, and prints usage on --help", async () => {
  const bad = await run("./soak.ts", ["--kill=1", "--n", "many"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^soak: unknown argument "--kill=1"; --n wants a number, got "many"\nusage: deno task soak /,
  );
  const help = await run("./soak.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task soak \[--n 200\]/);
});

Deno.test("bench:scaling prints usage on --help", async () => {
  const help = await run("./scaling.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task bench:scaling \[--sizes /);
});
