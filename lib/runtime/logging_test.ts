import { strict as assert } from "node:assert";
import { ConfigError } from "@logtape/logtape";
import { configureLogging, libraryLogger, parseLoggingFlags } from "./logging.ts";

Deno.test("parseLoggingFlags: both spellings, other flags left alone", () => {
  assert.deepEqual(parseLoggingFlags([]), {});
  assert.deepEqual(parseLoggingFlags(["--log-format", "text", "--other=1"]), { format: "text" });
  assert.deepEqual(parseLoggingFlags(["--log-level=warning", "x"]), { level: "warning" });
  assert.deepEqual(parseLoggingFlags(["--log-level=error", "--log-level=debug"]), {
    level: "debug",
  });
});

Deno.test("parseLoggingFlags: a bad or missing value names the flag and the value", () => {
  assert.throws(
    () => parseLoggingFlags(["--log-format=yaml"]),
    /--log-format must be json or text, got "yaml"/,
  );
  assert.throws(
    () => parseLoggingFlags(["--log-level", "loud"]),
    /--log-level must be .*got "loud"/,
  );
  assert.throws(() => parseLoggingFlags(["--log-level"]), /--log-level needs a value/);
  assert.throws(() => parseLoggingFlags(["--log-format", "--log-level=info"]), /needs a value/);
});

async function capture(
  options: Parameters<typeof configureLogging>[0],
  body: () => void,
): Promise<string[]> {
  const lines: string[] = [];
  const logging = await configureLogging({ ...options, write: (l) => lines.push(l) });
  try {
    body();
  } finally {
    await logging[Symbol.asyncDispose]();
  }
  return lines;
}

Deno.test("configureLogging: JSON lines off a terminal, text on one", async () => {
  const say = () =>
    libraryLogger("controller").with({ controller: "cr", key: "ns/a" }).info("Reconciled.");
  const json = await capture({ isTerminal: false }, say);
  assert.equal(json.length, 1, "only the line logged: LogTape's own notice is silenced");
  const record = JSON.parse(json[0]!);
  assert.equal(record.logger, "certkit.controller");
  assert.equal(record.controller, "cr");
  assert.equal(record.key, "ns/a");
  assert.ok(json[0]!.endsWith("\n"));
  const text = await capture({ isTerminal: true }, say);
  assert.match(
    text[0]!,
    /^\d{4}-\d\d-\d\dT[\d:.]+Z INF certkit\.controller: Reconciled\. controller=cr key=ns\/a\n$/,
  );
});

Deno.test("configureLogging: the level filters, for the app's own loggers too", async () => {
  const lines = await capture({ format: "json", level: "warning" }, () => {
    libraryLogger("x").info("dropped");
    libraryLogger("x").warning("kept");
    libraryLogger().error("kept too");
  });
  assert.deepEqual(lines.map((l) => JSON.parse(l).message), ["kept", "kept too"]);
});

Deno.test("configureLogging: text shows placeholders inline, other properties as key=value, stacks below", async () => {
  const lines = await capture({ format: "text", level: "debug" }, () => {
    const error = new Error("the API server answered 500");
    libraryLogger("c").with({ key: "ns/a b" }).error("Reconciler error: {error}", {
      error,
      tries: 2,
    });
  });
  const [first, ...rest] = lines[0]!.split("\n");
  assert.match(
    first!,
    /ERR certkit\.c: Reconciler error: Error: the API server answered 500 key="ns\/a b" tries=2$/,
  );
  assert.match(rest.join("\n"), /^ {4}Error: the API server answered 500\n {8}at /);
});

Deno.test("configureLogging: a second call before disposing the first fails", async () => {
  const first = await configureLogging({ write: () => {} });
  try {
    await assert.rejects(configureLogging({ write: () => {} }), ConfigError);
  } finally {
    await first[Symbol.asyncDispose]();
  }
});

/** An error like the client's, with an own field and a fixed stack. */
class ApiError extends Error {
  override name = "ApiError";
  readonly code = 500;
}

function failure(): Error {
  const root = new TypeError("connection reset by peer");
  root.stack = "TypeError: connection reset by peer\n    at read (conn.ts:1:1)";
  const error = new ApiError("the API server answered 500 to PATCH", { cause: root });
  error.stack = "ApiError: the API server answered 500 to PATCH\n    at patch (client.ts:2:2)";
  return error;
}

const TIME = /^\d{4}-\d\d-\d\dT[\d:.]+Z/;

Deno.test("configureLogging: JSON lines hold an error's name, message, fields and cause chain", async () => {
  const log = () =>
    libraryLogger("c").with({ key: "ns/a" }).error("Reconciler error: {error}", {
      error: failure(),
    });
  const [info] = await capture({ format: "json", level: "info" }, log);
  assert.equal(
    info!.replace(/"@timestamp":"[^"]+"/, '"@timestamp":"T"'),
    '{"@timestamp":"T","level":"ERROR","message":"Reconciler error: ApiError: the API server answered 500 to PATCH","logger":"certkit.c","key":"ns/a","error":{"name":"ApiError","message":"the API server answered 500 to PATCH","code":500,"cause":{"name":"TypeError","message":"connection reset by peer"}}}\n',
  );
  // At debug, each error of the chain also carries its stack.
  const [debug] = await capture({ format: "json", level: "debug" }, log);
  assert.deepEqual(JSON.parse(debug!).error, {
    name: "ApiError",
    message: "the API server answered 500 to PATCH",
    code: 500,
    cause: {
      name: "TypeError",
      message: "connection reset by peer",
      stack: "TypeError: connection reset by peer\n    at read (conn.ts:1:1)",
    },
    stack: "ApiError: the API server answered 500 to PATCH\n    at patch (client.ts:2:2)",
  });
});

Deno.test("configureLogging: text shows an error's cause chain below the line, stacks at debug", async () => {
  const log = () => libraryLogger("c").warning("Watch failed.", { error: failure() });
  const [info] = await capture({ format: "text", level: "info" }, log);
  assert.equal(
    info!.replace(TIME, "T"),
    'T WRN certkit.c: Watch failed. error="ApiError: the API server answered 500 to PATCH"\n' +
      "    caused by: TypeError: connection reset by peer\n",
  );
  const [debug] = await capture({ format: "text", level: "debug" }, log);
  assert.equal(
    debug!.replace(TIME, "T"),
    'T WRN certkit.c: Watch failed. error="ApiError: the API server answered 500 to PATCH"\n' +
      "    ApiError: the API server answered 500 to PATCH\n" +
      "        at patch (client.ts:2:2)\n" +
      "    caused by: TypeError: connection reset by peer\n" +
      "        at read (conn.ts:1:1)\n",
  );
  const [forced] = await capture({ format: "text", level: "info", stacks: true }, log);
  assert.equal(forced, debug!.replace(TIME, forced!.match(TIME)![0]));
});
