// The timing scenarios of spec §13.9 (126–131): the combined controllers with a 200 ms →
// 5 s back-off, an issuer without status and an approved CR; `check` and `sign` answer as
// scripted, and the gaps between consecutive calls (on the fake clock) must be within
// ±150 ms of the stated ones. Any call beyond the script fails the test.
import { strict as assert } from "node:assert";
import { ExponentialFailureRateLimiter } from "../runtime/rate_limiter.ts";
import { IssuerError, PendingError, PermanentError } from "./errors.ts";
import { conditionOf, TestEnv, testIssuer, testPki } from "./_test_helpers.ts";

type Answer = "ok" | Error;
interface Step {
  fn: "check" | "sign";
  answer: Answer;
  /** The stated gap to the previous call, in ms. */
  gap: number;
}

class Script {
  readonly calls: { fn: string; at: number }[] = [];
  readonly extra: string[] = [];
  #next = 0;
  constructor(readonly steps: Step[], readonly now: () => number) {}

  get done(): boolean {
    return this.#next >= this.steps.length;
  }

  answer(fn: "check" | "sign"): Answer {
    this.calls.push({ fn, at: this.now() });
    const step = this.steps[this.#next];
    if (step === undefined || step.fn !== fn) {
      this.extra.push(`${fn} at call ${this.calls.length}`);
      return new Error(`unexpected ${fn} call`);
    }
    this.#next++;
    return step.answer;
  }
}

async function runTiming(
  steps: Step[],
  maxRetryDurationMs: number,
  options: { startAtMs?: number; final?: "Issued" | "Failed" } = {},
): Promise<void> {
  const pki = await testPki();
  const current: { script?: Script } = {};
  const respond = (fn: "check" | "sign") => {
    const answer = current.script!.answer(fn);
    return answer === "ok" ? Promise.resolve() : Promise.reject(answer);
  };
  await using env = await TestEnv.start({
    instantRetries: false,
    controllers: {
      maxRetryDurationMs,
      rateLimiter: () => new ExponentialFailureRateLimiter<string>(200, 5000),
      check: () => respond("check"),
      sign: () => respond("sign").then(() => ({ chainPem: pki.chainPem })),
    },
  });
  if (options.startAtMs !== undefined) await env.clock.advance(options.startAtMs);
  const script = new Script(steps, () => env.clock.now());
  current.script = script;
  await env.createCertificateRequest("ns1", "cr-1", {
    group: testIssuer.group,
    kind: testIssuer.kind,
    name: "issuer-1",
  });
  await env.approve("ns1", "cr-1");
  await env.createIssuer(testIssuer, "ns1", "issuer-1");
  for (let i = 0; i < 100 && !script.done; i++) {
    await env.quiet();
    if (script.done || !(await env.clock.runNext())) break;
  }
  for (let i = 0; i < 10; i++) {
    await env.quiet();
    await env.clock.advance(1000);
  }
  await env.quiet();
  assert.deepEqual(script.extra, [], "no call beyond the script");
  assert.equal(script.calls.length, steps.length, "every scripted call happened");
  const gaps = script.calls.map((c, i) => i === 0 ? 0 : c.at - script.calls[i - 1]!.at);
  steps.forEach((step, i) => {
    if (i === 0) return;
    assert.ok(
      Math.abs((gaps[i] ?? 0) - step.gap) <= 150,
      `call ${i + 1} (${step.fn}) came ${
        gaps[i]
      } ms after the previous one; stated ${step.gap} ms (all gaps: ${gaps})`,
    );
  });
  const cr = env.server.get("certificaterequests.cert-manager.io", "ns1", "cr-1");
  if (options.final !== undefined) assert.equal(conditionOf(cr, "Ready")?.reason, options.final);
}

const boom = () => new Error("boom");

Deno.test("126. check error, check ok (+200 ms), sign error (+0), sign ok (+200 ms)", async () => {
  await runTiming(
    [
      { fn: "check", answer: boom(), gap: 0 },
      { fn: "check", answer: "ok", gap: 200 },
      { fn: "sign", answer: boom(), gap: 0 },
      { fn: "sign", answer: "ok", gap: 200 },
    ],
    3600_000,
    { final: "Issued" },
  );
});

Deno.test("127. two check errors and two sign errors back off 200 ms then 400 ms", async () => {
  await runTiming(
    [
      { fn: "check", answer: boom(), gap: 0 },
      { fn: "check", answer: boom(), gap: 200 },
      { fn: "check", answer: "ok", gap: 400 },
      { fn: "sign", answer: boom(), gap: 0 },
      { fn: "sign", answer: boom(), gap: 200 },
      { fn: "sign", answer: "ok", gap: 400 },
    ],
    3600_000,
    { final: "Issued" },
  );
});

Deno.test("128. with a 300 ms retry window the first sign error after it is permanent", async () => {
  // As in the Go test, the window has passed at the first sign error because the request's
  // whole-second creationTimestamp lies 900 ms before "now" (spec §15).
  await runTiming(
    [
      { fn: "check", answer: boom(), gap: 0 },
      { fn: "check", answer: "ok", gap: 200 },
      { fn: "sign", answer: boom(), gap: 0 },
    ],
    300,
    { startAtMs: 900, final: "Failed" },
  );
});

Deno.test("129. a pending sign ignores the 300 ms retry window", async () => {
  await runTiming(
    [
      { fn: "check", answer: boom(), gap: 0 },
      { fn: "check", answer: "ok", gap: 200 },
      { fn: "sign", answer: new PendingError("wait", { requeueAfterMs: 100 }), gap: 100 },
      { fn: "sign", answer: "ok", gap: 200 },
    ],
    300,
    { startAtMs: 900, final: "Issued" },
  );
});

Deno.test("130. a permanent check error stops every further call", async () => {
  await runTiming([
    { fn: "check", answer: new PermanentError("bad spec"), gap: 0 },
  ], 3600_000);
});

Deno.test("131. an issuer error from sign makes the issuer re-check (+200 ms), then sign succeeds (+0)", async () => {
  await runTiming(
    [
      { fn: "check", answer: "ok", gap: 0 },
      { fn: "sign", answer: new IssuerError(new Error("CA down")), gap: 0 },
      { fn: "check", answer: "ok", gap: 200 },
      { fn: "sign", answer: "ok", gap: 0 },
    ],
    3600_000,
    { final: "Issued" },
  );
});
