import { strict as assert } from "node:assert";
import { FakeClock } from "../../testing/fake_clock.ts";
import {
  basicAuthCredentials,
  bearerTokenCredentials,
  ConfigError,
  TokenFileCredentials,
} from "./mod.ts";

/** A file system in a map that counts reads. */
function fakeFiles(initial: Record<string, string>) {
  const files = new Map(Object.entries(initial));
  const reads: string[] = [];
  return {
    files,
    reads,
    read: (path: string): Promise<string> => {
      reads.push(path);
      const text = files.get(path);
      return text === undefined
        ? Promise.reject(new Deno.errors.NotFound(`no such file: ${path}`))
        : Promise.resolve(text);
    },
  };
}

Deno.test("bearerTokenCredentials answers Bearer <token>", async () => {
  const source = bearerTokenCredentials("abc.def");
  assert.equal(await source.authorization(), "Bearer abc.def");
  assert.equal(source.invalidate, undefined);
  assert.throws(() => bearerTokenCredentials(""), TypeError);
});

Deno.test("basicAuthCredentials encodes user:password as UTF-8 base64", async () => {
  assert.equal(
    await basicAuthCredentials("admin", "pa:ss").authorization(),
    "Basic YWRtaW46cGE6c3M=",
  );
  assert.equal(await basicAuthCredentials("jörg", "ü").authorization(), "Basic asO2cmc6w7w=");
});

Deno.test("TokenFileCredentials re-reads the file after 60 s of fake time", async () => {
  const fs = fakeFiles({ "/t": "one\n" });
  const clock = new FakeClock();
  const source = new TokenFileCredentials("/t", { clock, readTextFile: fs.read });
  assert.equal(await source.authorization(), "Bearer one");
  fs.files.set("/t", "two");
  await clock.advance(59_999);
  assert.equal(await source.authorization(), "Bearer one");
  assert.equal(fs.reads.length, 1);
  await clock.advance(1);
  assert.equal(await source.authorization(), "Bearer two");
  assert.equal(fs.reads.length, 2);
  assert.equal(await source.authorization(), "Bearer two");
  assert.equal(fs.reads.length, 2);
});

Deno.test("TokenFileCredentials re-reads the file after invalidate (a 401)", async () => {
  const fs = fakeFiles({ "/t": "one" });
  const clock = new FakeClock();
  const source = new TokenFileCredentials("/t", { clock, readTextFile: fs.read });
  assert.equal(await source.authorization(), "Bearer one");
  fs.files.set("/t", "two");
  source.invalidate();
  assert.equal(await source.authorization(), "Bearer two");
  assert.equal(await source.authorization(), "Bearer two");
  assert.equal(fs.reads.length, 2);
});

Deno.test("TokenFileCredentials honours a custom refresh interval", async () => {
  const fs = fakeFiles({ "/t": "one" });
  const clock = new FakeClock();
  const source = new TokenFileCredentials("/t", {
    clock,
    readTextFile: fs.read,
    refreshIntervalMs: 5_000,
  });
  await source.authorization();
  await clock.advance(5_000);
  await source.authorization();
  assert.equal(fs.reads.length, 2);
  assert.throws(() => new TokenFileCredentials("/t", { refreshIntervalMs: -1 }), RangeError);
  assert.throws(() => new TokenFileCredentials(""), TypeError);
});

Deno.test("TokenFileCredentials shares one read between concurrent callers", async () => {
  const fs = fakeFiles({ "/t": "one" });
  const source = new TokenFileCredentials("/t", { clock: new FakeClock(), readTextFile: fs.read });
  const headers = await Promise.all([source.authorization(), source.authorization()]);
  assert.deepEqual(headers, ["Bearer one", "Bearer one"]);
  assert.equal(fs.reads.length, 1);
});

Deno.test("TokenFileCredentials fails clearly when there is no token yet", async () => {
  const fs = fakeFiles({ "/empty": " \n" });
  const clock = new FakeClock();
  await assert.rejects(
    new TokenFileCredentials("/missing", { clock, readTextFile: fs.read }).authorization(),
    (err) =>
      err instanceof ConfigError && err.message === "cannot read token file /missing: no such file",
  );
  await assert.rejects(
    new TokenFileCredentials("/empty", { clock, readTextFile: fs.read }).authorization(),
    (err) => err instanceof ConfigError && err.message === "token file /empty is empty",
  );
  const denied = new TokenFileCredentials("/t", {
    clock,
    readTextFile: () => Promise.reject(new Deno.errors.NotCapable('Requires read access to "/t"')),
  });
  await assert.rejects(denied.authorization(), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(
      err.message,
      "cannot read token file /t: Deno's read permission is missing (run with --allow-read=/t)",
    );
    assert.equal(err.permissionFlag, "--allow-read=/t");
    return true;
  });
  await assert.rejects(
    new TokenFileCredentials("/t", { clock, readTextFile: fs.read }).authorization(
      AbortSignal.abort(new Error("stop")),
    ),
    /stop/,
  );
});

Deno.test("TokenFileCredentials keeps the last token when a re-read fails, and reports it", async () => {
  const fs = fakeFiles({ "/t": "one" });
  const clock = new FakeClock();
  const errors: string[] = [];
  const source = new TokenFileCredentials("/t", {
    clock,
    readTextFile: fs.read,
    onRefreshError: (err) => errors.push(err.message),
  });
  assert.equal(await source.authorization(), "Bearer one");
  fs.files.delete("/t");
  await clock.advance(60_000);
  assert.equal(await source.authorization(), "Bearer one");
  assert.deepEqual(errors, ["cannot read token file /t: no such file"]);
  fs.files.set("/t", "two");
  // The failed read did not count as a refresh: the next call tries again.
  assert.equal(await source.authorization(), "Bearer two");
});
