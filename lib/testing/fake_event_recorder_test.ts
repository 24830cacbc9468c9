import { strict as assert } from "node:assert";
import { FakeEventRecorder } from "./fake_event_recorder.ts";

Deno.test("FakeEventRecorder renders events as client-go's fake does and keeps them whole", () => {
  const recorder = new FakeEventRecorder();
  const cr = {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr-1", namespace: "default", uid: "u" },
  };
  recorder.record(cr, { type: "Normal", reason: "Issued", action: "Synced", note: "Signed." });
  recorder.record({ name: "ca", kind: "Secret" }, {
    type: "Warning",
    reason: "SecretNotFound",
    action: "SyncFailed",
    note: "The secret is missing.",
  });
  assert.deepEqual(recorder.events, [
    "Normal Issued Signed.",
    "Warning SecretNotFound The secret is missing.",
  ]);
  assert.deepEqual(recorder.recorded[0], {
    type: "Normal",
    reason: "Issued",
    action: "Synced",
    note: "Signed.",
    regarding: {
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      namespace: "default",
      name: "cr-1",
      uid: "u",
    },
  });
  recorder.clear();
  assert.deepEqual(recorder.events, []);
  assert.deepEqual(recorder.recorded, []);
  assert.throws(
    () => recorder.record({ metadata: {} }, { type: "Normal", reason: "R", action: "A", note: "" }),
    TypeError,
  );
});
