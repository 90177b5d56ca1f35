// Device lists and screen-share failures (web/static/js/devices.js), run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { canShareScreen, deviceChoices, shareProblem } from "../../web/static/js/devices.js";

const DEVICES = [
  { kind: "videoinput", deviceId: "cam1", label: "Front camera" },
  { kind: "audioinput", deviceId: "mic1", label: "" },
  { kind: "audioinput", deviceId: "mic2", label: "Headset" },
  { kind: "audiooutput", deviceId: "", label: "" }, // before permission: ids are hidden
];

test("device choices keep only one kind, mark the current one and label unnamed devices", () => {
  const { choices, empty } = deviceChoices(DEVICES, "audioinput", "mic2");
  assert.equal(empty, false);
  assert.deepEqual(choices, [
    { value: "mic1", label: "audioinput 1", selected: false },
    { value: "mic2", label: "Headset", selected: true },
  ]);
});

test("a kind with no usable device is reported as empty", () => {
  assert.deepEqual(deviceChoices(DEVICES, "audiooutput", "default"), { choices: [], empty: true });
  assert.equal(deviceChoices([], "videoinput").empty, true);
  assert.equal(deviceChoices(undefined, "videoinput").empty, true);
});

test("closing the share picker is a cancel and stays silent", () => {
  assert.equal(shareProblem({ name: "NotAllowedError", message: "Permission denied" }), null);
  assert.equal(shareProblem({ name: "AbortError", message: "" }), null);
});

test("real share failures get a plain explanation", () => {
  assert.equal(shareProblem({ name: "NotFoundError" }), "share-missing");
  assert.equal(shareProblem({ name: "NotReadableError" }), "share-busy");
  assert.equal(shareProblem({ name: "SecurityError" }), "share-blocked");
  assert.equal(shareProblem({ name: "NotAllowedError", message: "Permission denied by system" }), "share-blocked");
  assert.equal(shareProblem({ name: "NotSupportedError" }), "share-unsupported");
  assert.equal(shareProblem({ name: "TypeError", message: "getDisplayMedia is not a function" }), "share-unsupported");
  assert.equal(shareProblem(new Error("boom")), "share-error");
  assert.equal(shareProblem(undefined), "share-error");
});

test("sharing is offered only where getDisplayMedia exists", () => {
  assert.equal(canShareScreen({ getDisplayMedia() {} }), true);
  assert.equal(canShareScreen({ getUserMedia() {} }), false);
  assert.equal(canShareScreen(undefined), false);
});
