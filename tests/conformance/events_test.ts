/**
 * Conformance: Events (spec §12.3, rows E1–E3 of §15.2) through both APIs: core/v1 as
 * client-go `tools/record` writes them (legacy validation, strategic-merge repeats) and
 * events.k8s.io/v1 as `tools/events` writes them (MicroTime, strict validation, immutable
 * fields); both APIs are views of one storage (E3), with renamed fields; the field
 * selectors of both (what `kubectl describe` sends). Runs unchanged against the fake and
 * a real kube-apiserver.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { json, openTarget, REAL_UNAVAILABLE, type Target, TARGET_KIND } from "./_target.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name?: string; resourceVersion?: string };
};
interface List {
  items: Obj[];
}
interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { reason: string; message: string; field?: string }[] };
}

const EVENTS_V1 = "events.k8s.io/v1";

async function expectObject<T = Obj>(res: Response, code: number): Promise<T> {
  const body = await json<T>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  return body;
}

async function expectStatus(res: Response, code: number): Promise<Status> {
  const body = await json<Status>(res);
  assert.equal(res.status, code, JSON.stringify(body));
  assert.equal(body.kind, "Status");
  assert.equal(body.code, code);
  return body;
}

Deno.test({
  name: `Event conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target: Target = await openTarget();
    const ns = await target.namespace("events");
    const core = `/api/v1/namespaces/${ns}/events`;
    const v1 = `/apis/events.k8s.io/v1/namespaces/${ns}/events`;
    const regarding = {
      kind: "Widget",
      namespace: ns,
      name: "w1",
      uid: "11111111-2222-3333-4444-555555555555",
      apiVersion: "example.com/v1",
    };
    /** An event as client-go `tools/events` writes it. */
    const newEvent = (name: string, fields: Record<string, unknown> = {}): Obj => ({
      apiVersion: EVENTS_V1,
      kind: "Event",
      metadata: { name },
      eventTime: "2024-01-01T00:00:00.123456Z",
      reportingController: "example.com/issuer",
      reportingInstance: "issuer-0",
      action: "Sign",
      reason: "Issued",
      type: "Normal",
      regarding,
      note: "Certificate issued",
      ...fields,
    });
    /** An event as client-go `tools/record` writes it. */
    const recordEvent = (name: string, fields: Record<string, unknown> = {}): Obj => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name },
      involvedObject: { ...regarding, resourceVersion: "5" },
      reason: "Pending",
      message: "Waiting for approval",
      source: { component: "issuer", host: "node-1" },
      firstTimestamp: "2024-01-01T00:00:00Z",
      lastTimestamp: "2024-01-01T00:00:00Z",
      count: 1,
      type: "Warning",
      reportingComponent: "",
      reportingInstance: "",
      ...fields,
    });
    const names = async (path: string, selector: string) => {
      const res = await target.request(
        "GET",
        `${path}?fieldSelector=${encodeURIComponent(selector)}`,
      );
      const list = await expectObject<List>(res, 200);
      return list.items.map((e) => String(e.metadata.name)).sort();
    };

    await t.step(
      "E1 events.k8s.io Event with eventTime …00.123Z → 400 (MicroTime parse)",
      async () => {
        const status = await expectStatus(
          await target.request("POST", v1, {
            body: newEvent("e1", { eventTime: "2024-01-01T00:00:00.123Z" }),
          }),
          400,
        );
        assert.equal(status.reason, "BadRequest");
        assert.equal(
          status.message,
          'Event in version "v1" cannot be handled as a Event: parsing time "2024-01-01T00:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"',
        );
      },
    );

    const recordName = "w1.17a0b0c0d0e0f000";
    await t.step(
      "E2 create a core/v1 Event, list it via the involvedObject.name selector",
      async () => {
        const created = await expectObject(
          await target.request("POST", core, { body: recordEvent(recordName) }),
          201,
        );
        assert.equal(created.count, 1);
        assert.deepEqual(await names(core, "involvedObject.name=w1"), [recordName]);
        assert.deepEqual(await names(core, "involvedObject.name=w2"), []);
      },
    );

    await t.step(
      "§12.3 core/v1 repeats: strategic merge patch of count, lastTimestamp, message",
      async () => {
        const res = await target.request("PATCH", `${core}/${recordName}`, {
          body: { count: 2, lastTimestamp: "2024-01-01T00:01:00Z", message: "Still waiting" },
          contentType: "application/strategic-merge-patch+json",
        });
        const patched = await expectObject(res, 200);
        assert.equal(patched.count, 2);
        assert.equal(patched.lastTimestamp, "2024-01-01T00:01:00Z");
        assert.equal(patched.message, "Still waiting");
        assert.equal(patched.firstTimestamp, "2024-01-01T00:00:00Z");
      },
    );

    await t.step(
      "§12.3 core/v1 legacy validation: involvedObject.namespace must match",
      async () => {
        const other = await expectStatus(
          await target.request("POST", core, {
            body: recordEvent("other", {
              involvedObject: { kind: "Pod", name: "p", namespace: "x" },
            }),
          }),
          422,
        );
        assert.equal(
          other.message,
          'Event "other" is invalid: involvedObject.namespace: Invalid value: "x": does not match event.namespace',
        );
        const empty = await expectStatus(
          await target.request("POST", core, {
            body: recordEvent("empty", { involvedObject: { kind: "Pod", name: "p" } }),
          }),
          422,
        );
        assert.equal(
          empty.message,
          'Event "empty" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace',
        );
        // An empty involvedObject.namespace is fine in `default`.
        const res = await target.request("POST", "/api/v1/namespaces/default/events", {
          body: recordEvent(`default-${ns}`, { involvedObject: { kind: "Node", name: "n" } }),
        });
        await expectObject(res, 201);
      },
    );

    await t.step(
      "§12.3 core/v1 Event with eventTime needs reportingComponent, reportingInstance, action, reason",
      async () => {
        const status = await expectStatus(
          await target.request("POST", core, {
            body: {
              apiVersion: "v1",
              kind: "Event",
              metadata: { name: "new-style" },
              eventTime: "2024-01-01T00:00:00.123456Z",
              involvedObject: { kind: "Pod", name: "p" },
              reason: "R",
            },
          }),
          422,
        );
        assert.equal(
          status.message,
          `Event "new-style" is invalid: [involvedObject.namespace: Invalid value: "": does not match event.namespace, reportingComponent: Required value, reportingComponent: Invalid value: "": name part must be non-empty, reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), reportingInstance: Required value, action: Required value]`,
        );
      },
    );

    let written: Obj | undefined;
    await t.step("§12.3 events.k8s.io/v1 Event as tools/events writes it → 201", async () => {
      const created = await expectObject(
        await target.request("POST", v1, {
          body: newEvent("issued", {
            series: { count: 2, lastObservedTime: "2024-01-01T00:00:01.000000Z" },
            related: { kind: "Secret", namespace: ns, name: "tls" },
          }),
        }),
        201,
      );
      written = created;
      assert.equal(created.apiVersion, EVENTS_V1);
      assert.equal(created.eventTime, "2024-01-01T00:00:00.123456Z");
      assert.deepEqual(created.regarding, regarding);
      assert.equal(created.note, "Certificate issued");
      assert.equal(created.deprecatedFirstTimestamp, null);
      assert.equal(created.deprecatedLastTimestamp, null);
      assert.deepEqual(created.deprecatedSource, {});
      assert.equal("deprecatedCount" in created, false);
    });

    await t.step(
      "§12.3 events.k8s.io/v1 validation: required fields, qualified controller, deprecated* unset",
      async () => {
        const status = await expectStatus(
          await target.request("POST", v1, {
            body: {
              apiVersion: EVENTS_V1,
              kind: "Event",
              metadata: { name: "bad" },
              eventTime: "2024-01-01T00:00:00.123456Z",
              reportingController: "bad controller!",
              reportingInstance: "i",
              type: "Normal",
              regarding: { namespace: ns },
              deprecatedCount: 3,
              deprecatedSource: { host: "h" },
              deprecatedFirstTimestamp: "2024-01-01T00:00:00Z",
              series: { count: 1 },
            },
          }),
          422,
        );
        assert.equal(
          status.message,
          `Event "bad" is invalid: [reportingController: Invalid value: "bad controller!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), action: Required value, reason: Required value, series.count: Invalid value: "": should be at least 2, series.lastObservedTime: Required value, firstTimestamp: Invalid value: "": needs to be unset, count: Invalid value: "": needs to be unset, source: Invalid value: "": needs to be unset]`,
        );
        const noTime = await expectStatus(
          await target.request("POST", v1, {
            body: {
              apiVersion: EVENTS_V1,
              kind: "Event",
              metadata: { name: "no-time" },
              reportingInstance: "i",
              type: "Warning",
              regarding: { namespace: ns },
            },
          }),
          422,
        );
        assert.equal(noTime.message, 'Event "no-time" is invalid: eventTime: Required value');
        const badType = await expectStatus(
          await target.request("POST", v1, { body: newEvent("bad-type", { type: "Info" }) }),
          422,
        );
        assert.equal(
          badType.message,
          'Event "bad-type" is invalid: type: Invalid value: "": has invalid value: Info',
        );
      },
    );

    await t.step(
      "§12.3 events.k8s.io/v1 updates: a series patch is fine; most fields are immutable",
      async () => {
        const series = await expectObject(
          await target.request("PATCH", `${v1}/issued`, {
            body: { series: { count: 3, lastObservedTime: "2024-01-01T00:00:02.000000Z" } },
            contentType: "application/strategic-merge-patch+json",
          }),
          200,
        );
        assert.deepEqual(series.series, {
          count: 3,
          lastObservedTime: "2024-01-01T00:00:02.000000Z",
        });
        const tooFew = await expectStatus(
          await target.request("PATCH", `${v1}/issued`, {
            body: { series: { count: 1 } },
            contentType: "application/strategic-merge-patch+json",
          }),
          422,
        );
        assert.equal(
          tooFew.message,
          'Event "issued" is invalid: series.count: Invalid value: "": should be at least 2',
        );
        const immutable = await expectStatus(
          await target.request("PATCH", `${v1}/issued`, {
            body: {
              note: "changed",
              reason: "Other",
              regarding: { name: "w2" },
              type: "Warning",
              eventTime: "2024-01-01T00:00:00.999999Z",
            },
            contentType: "application/merge-patch+json",
          }),
          422,
        );
        assert.equal(
          immutable.message,
          `Event "issued" is invalid: [involvedObject: Invalid value: {"Kind":"Widget","Namespace":"${ns}","Name":"w2","UID":"${regarding.uid}","APIVersion":"example.com/v1","ResourceVersion":"","FieldPath":""}: field is immutable, reason: Invalid value: "Other": field is immutable, message: Invalid value: "changed": field is immutable, type: Invalid value: "Warning": field is immutable, eventTime: Invalid value: "2024-01-01T00:00:00.999999Z": field is immutable]`,
        );
      },
    );

    await t.step(
      "E3 an events.k8s.io Event is listed via /api/v1 with core field names",
      async () => {
        const list = await expectObject<List>(await target.request("GET", core), 200);
        const seen = list.items.find((e) => e.metadata.name === "issued");
        assert.ok(seen, `not in ${JSON.stringify(list.items.map((e) => e.metadata.name))}`);
        assert.deepEqual(seen.involvedObject, regarding);
        assert.equal(seen.message, "Certificate issued");
        assert.equal(seen.reportingComponent, "example.com/issuer");
        assert.equal(seen.reportingInstance, "issuer-0");
        assert.equal(seen.action, "Sign");
        assert.equal(seen.eventTime, "2024-01-01T00:00:00.123456Z");
        assert.deepEqual(seen.series, {
          count: 3,
          lastObservedTime: "2024-01-01T00:00:02.000000Z",
        });
        assert.deepEqual(seen.related, { kind: "Secret", namespace: ns, name: "tls" });
        assert.deepEqual(seen.source, {});
        assert.equal(seen.firstTimestamp, null);
        assert.equal("regarding" in seen, false);
        assert.equal("note" in seen, false);
        assert.equal(seen.metadata.uid, written?.metadata.uid);
      },
    );

    await t.step(
      "E3 a core/v1 Event reads via events.k8s.io/v1 with the renamed fields",
      async () => {
        const seen = await expectObject(await target.request("GET", `${v1}/${recordName}`), 200);
        assert.equal(seen.apiVersion, EVENTS_V1);
        assert.deepEqual(seen.regarding, { ...regarding, resourceVersion: "5" });
        assert.equal(seen.note, "Still waiting");
        assert.deepEqual(seen.deprecatedSource, { component: "issuer", host: "node-1" });
        assert.equal(seen.deprecatedFirstTimestamp, "2024-01-01T00:00:00Z");
        assert.equal(seen.deprecatedLastTimestamp, "2024-01-01T00:01:00Z");
        assert.equal(seen.deprecatedCount, 2);
        assert.equal(seen.eventTime, null);
        assert.equal("reportingController" in seen, false);
        assert.equal("involvedObject" in seen, false);
      },
    );

    await t.step(
      "E3 kubectl describe's selector finds events written through either API",
      async () => {
        const selector =
          `involvedObject.name=w1,involvedObject.namespace=${ns},involvedObject.kind=Widget,involvedObject.uid=${regarding.uid}`;
        assert.deepEqual(await names(core, selector), ["issued", recordName].sort());
      },
    );

    await t.step("E3 one name across both APIs: creating it again elsewhere → 409", async () => {
      const status = await expectStatus(
        await target.request("POST", v1, { body: newEvent(recordName) }),
        409,
      );
      assert.equal(status.message, `events.events.k8s.io "${recordName}" already exists`);
    });

    await t.step("§9.5 core/v1 Event field selectors", async () => {
      assert.deepEqual(await names(core, "reason=Pending"), [recordName]);
      assert.deepEqual(await names(core, "type=Warning,involvedObject.resourceVersion=5"), [
        recordName,
      ]);
      assert.deepEqual(await names(core, `metadata.name=${recordName}`), [recordName]);
      assert.deepEqual(await names(core, "reportingComponent="), [recordName]);
      const status = await expectStatus(
        await target.request("GET", `${core}?fieldSelector=message%3Dx`),
        400,
      );
      assert.equal(status.message, "field label not supported: message");
      for (const field of ["regarding.name", "note", "action", "reportingInstance"]) {
        const res = await target.request("GET", `${core}?fieldSelector=${field}%3Dx`);
        assert.equal((await expectStatus(res, 400)).message, `field label not supported: ${field}`);
      }
    });

    await t.step("§9.5 core/v1 `source` selects source.component", async () => {
      assert.deepEqual(await names(core, "source=issuer"), [recordName]);
    });

    await t.step("§9.5 events.k8s.io/v1 field selectors", async () => {
      const own = (list: string[]) => list.filter((n) => n === "issued");
      assert.deepEqual(own(await names(v1, "regarding.name=w1")), ["issued"]);
      assert.deepEqual(
        own(await names(v1, "regarding.apiVersion=example.com/v1,regarding.fieldPath=")),
        ["issued"],
      );
      assert.deepEqual(await names(v1, "reportingController=example.com/issuer"), ["issued"]);
      assert.deepEqual(own(await names(v1, "reason=Issued,type=Normal")), ["issued"]);
      for (
        const field of ["involvedObject.name", "note", "reportingComponent", "source", "action"]
      ) {
        const res = await target.request("GET", `${v1}?fieldSelector=${field}%3Dx`);
        assert.equal((await expectStatus(res, 400)).message, `field label not supported: ${field}`);
      }
    });
  },
});
