import { strict as assert } from "node:assert";

const REPO = new URL("../../", import.meta.url);

Deno.test("the demo (deno task demo's command line) issues a certificate with one status write", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", REPO)));
  const words = String(config.tasks.demo).split(/\s+/).filter(Boolean);
  assert.match(words[0] ?? "", /(^|\/)deno$/);
  const out = await new Deno.Command(Deno.execPath(), {
    args: words.slice(1),
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `demo failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /issuer Ready: True \(Checked\)/);
  assert.match(stdout, /request Ready: True \(Issued\)/);
  assert.match(stdout, /wrote the request's status 1 time\(s\)/);
  assert.match(stdout, /SANs +dns:demo\.example\.com, dns:www\.demo\.example\.com/);
  assert.match(stdout, /issuer +CN=certkit demo CA/);
});
