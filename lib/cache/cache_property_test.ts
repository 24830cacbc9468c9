import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { JsonObject } from "../core/json.ts";
import {
  type CertificateRequest,
  certificateRequest,
  CRS,
  fixture,
  settle,
  until,
} from "./_test_helpers.ts";
import { Informer } from "./informer.ts";

type Op =
  | { type: "put"; name: string; issuer: string }
  | { type: "delete"; name: string }
  | { type: "cut" }
  | { type: "compact" }
  | { type: "failNextWatch" }
  | { type: "failNextList" }
  | { type: "bookmark" }
  | { type: "advance"; ms: number };

const NAMES = ["a", "b", "c", "d", "e"];

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant("put" as const),
      name: fc.constantFrom(...NAMES),
      issuer: fc.constantFrom("ca", "vault"),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant("delete" as const), name: fc.constantFrom(...NAMES) }),
  },
  { weight: 2, arbitrary: fc.constant({ type: "cut" as const }) },
  { weight: 2, arbitrary: fc.constant({ type: "compact" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "failNextWatch" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "failNextList" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "bookmark" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("advance" as const),
      ms: fc.constantFrom(500, 1_000, 5_000, 400_000),
    }),
  },
);

/** `key rv issuer` lines, sorted. */
function snapshot(objects: readonly (CertificateRequest | JsonObject)[]): string[] {
  return objects.map((o) => {
    const cr = o as CertificateRequest;
    return `${cr.metadata.namespace}/${cr.metadata.name} ${cr.metadata.resourceVersion} ${cr.spec.issuerRef.name}`;
  }).sort();
}

Deno.test("cache property: after any changes, cuts, compactions and failures, the store equals the server", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ op, pause: fc.nat({ max: 3 }) }), { maxLength: 25 }),
      async (steps) => {
        await using f = fixture();
        const informer = new Informer(f.crs, {
          clock: f.clock,
          random: () => 0.5,
          onError: () => {},
        });
        await using _ = informer;
        // What handlers were told must add up to the store: no missed add, update or delete.
        const told = new Map<string, CertificateRequest>();
        informer.addHandler({
          onAdd: (o) => told.set(`${o.metadata.namespace}/${o.metadata.name}`, o),
          onUpdate: (_old, o) => told.set(`${o.metadata.namespace}/${o.metadata.name}`, o),
          onDelete: (o) => told.delete(`${o.metadata.namespace}/${o.metadata.name}`),
        });
        void informer.start();
        for (const { op, pause } of steps) {
          await apply(f, op);
          for (let i = 0; i < pause; i++) await settle();
        }
        const [sentinel] = await f.server.load(certificateRequest("zz-sentinel"));
        const sentinelRv = (sentinel?.metadata as JsonObject).resourceVersion;
        const want = () => snapshot(f.server.list(CRS));
        await until(
          () =>
            informer.store.get("default/zz-sentinel")?.metadata.resourceVersion === sentinelRv &&
            snapshot(informer.store.list()).join() === want().join(),
          "the store catching up with the server",
          { clock: f.clock, rounds: 400 },
        );
        assert.deepEqual(snapshot(informer.store.list()), want());
        assert.deepEqual(snapshot([...told.values()]), want());
      },
    ),
    { numRuns: 40 },
  );
});

async function apply(f: ReturnType<typeof fixture>, op: Op): Promise<void> {
  switch (op.type) {
    case "put": {
      const exists = f.server.get(CRS, "default", op.name) !== undefined;
      if (exists) {
        const body = {
          spec: { issuerRef: { name: op.issuer } },
          metadata: { labels: { n: String(f.server.resourceVersion) } },
        };
        await f.crs.patch(op.name, { type: "merge", body }, { namespace: "default" });
      } else {
        await f.server.load(certificateRequest(op.name, { issuer: op.issuer }));
      }
      return;
    }
    case "delete":
      if (f.server.get(CRS, "default", op.name) !== undefined) {
        await f.crs.delete(op.name, { namespace: "default" });
      }
      return;
    case "cut":
      f.server.cutWatches();
      return;
    case "compact":
      f.server.compact(CRS);
      return;
    case "failNextWatch":
      f.server.faults.add({ match: { verb: "watch" }, fail: { code: 500 } });
      return;
    case "failNextList":
      f.server.faults.add({ match: { verb: "list" }, fail: { code: 503 } });
      return;
    case "bookmark":
      f.server.sendBookmarks();
      return;
    case "advance":
      await f.clock.advance(op.ms);
      return;
  }
}
