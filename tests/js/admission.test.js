// web/static/js/admission.js: the words of a request to take the client's seat.
import { test } from "node:test";
import assert from "node:assert/strict";
import { askWords, deviceWords, refusedKey, replacedKey, waitingKey } from "../../web/static/js/admission.js";

const text = {
  "device-both": "{browser} på {system}",
  "device-system": "en nettleser på {system}",
  "device-unknown": "en ukjent nettleser",
  "admission-coach": "Noen vil bli med fra en annen enhet: {device}, kl. {time}.",
  "admit-coach": "Slipp inn",
  "refuse-coach": "Hold ute",
};

test("the device is said in words, whatever the User-Agent gave away", () => {
  assert.equal(deviceWords(text, "Firefox", "Android"), "Firefox på Android");
  assert.equal(deviceWords(text, "Safari", ""), "Safari");
  assert.equal(deviceWords(text, "", "Windows"), "en nettleser på Windows");
  assert.equal(deviceWords(text, "", ""), "en ukjent nettleser");
});

test("the coach is asked with the device and the time", () => {
  const at = Date.UTC(2026, 11, 1, 14, 5) / 1000;
  const words = askWords(text, "coach", { browser: "Chrome", system: "Windows", at }, "en-GB");
  assert.match(words.question, /^Noen vil bli med fra en annen enhet: Chrome på Windows, kl\. \d\d:\d\d\.$/);
  assert.equal(words.admit, "Slipp inn");
  assert.equal(words.refuse, "Hold ute");
});

test("the keys follow who was asked and why a seat was taken", () => {
  assert.equal(waitingKey("coach"), "waiting-coach");
  assert.equal(waitingKey("client"), "waiting-client");
  assert.equal(refusedKey("client"), "refused-client");
  assert.equal(replacedKey("admitted"), "replaced-admitted");
  assert.equal(replacedKey("same-browser"), "replaced-same-browser");
  assert.equal(replacedKey("something-new"), "error-replaced");
});
