import { strict as assert } from "node:assert";
import { signalOnTermination } from "./signal_on_termination.ts";
import { until } from "./_controller_test_helpers.ts";

// SIGUSR1/SIGUSR2 stand in for SIGTERM/SIGINT so a broken listener cannot kill the test run.
Deno.test({
  name: "signalOnTermination: the first signal aborts, a second one calls onSecondSignal",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const seconds: Deno.Signal[] = [];
    using termination = signalOnTermination({
      signals: ["SIGUSR1", "SIGUSR2"],
      onSecondSignal: (s) => seconds.push(s),
    });
    assert.equal(termination.signal.aborted, false);
    Deno.kill(Deno.pid, "SIGUSR1");
    await until(() => termination.signal.aborted, "the abort");
    assert.match(String((termination.signal.reason as DOMException).message), /Received SIGUSR1/);
    Deno.kill(Deno.pid, "SIGUSR2");
    await until(() => seconds.length === 1, "the second signal");
    assert.deepEqual(seconds, ["SIGUSR2"]);
  },
});

Deno.test({
  name: "signalOnTermination: disposing removes the listeners",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const seconds: Deno.Signal[] = [];
    const termination = signalOnTermination({
      signals: ["SIGUSR1"],
      onSecondSignal: (s) => seconds.push(s),
    });
    termination[Symbol.dispose]();
    termination[Symbol.dispose]();
    // With no listener left, a SIGUSR1 would end the process: listen with a plain one instead.
    let heard = false;
    const plain = () => void (heard = true);
    Deno.addSignalListener("SIGUSR1", plain);
    Deno.kill(Deno.pid, "SIGUSR1");
    await until(() => heard, "the plain listener");
    Deno.removeSignalListener("SIGUSR1", plain);
    assert.equal(termination.signal.aborted, false);
  },
});

Deno.test("signalOnTermination: listens for SIGTERM and SIGINT by default", () => {
  using termination = signalOnTermination();
  assert.equal(termination.signal.aborted, false);
});
