// Pure helpers for device lists and screen sharing, shared by the room and the tech check:
// no DOM, so node --test covers them (tests/js/devices.test.js).

/**
 * The options for one device <select>: `empty` is true when the browser lists no device of
 * that kind (the page then shows "none found" and disables the select instead of leaving an
 * empty list that looks broken).
 */
export function deviceChoices(devices, kind, current) {
  const choices = (devices ?? [])
    .filter((device) => device.kind === kind && device.deviceId)
    .map((device, index) => ({
      value: device.deviceId,
      label: device.label || `${kind} ${index + 1}`,
      selected: device.deviceId === current,
    }));
  return { choices, empty: choices.length === 0 };
}

// Names a person's own "no" produces: the picker was closed or "Cancel" pressed.
const CANCEL = new Set(["NotAllowedError", "AbortError"]);

const SHARE_PROBLEMS = {
  NotFoundError: "share-missing", // no screen or window to capture (also headless browsers)
  OverconstrainedError: "share-missing",
  NotReadableError: "share-busy", // the operating system refused the capture
  SecurityError: "share-blocked", // a permissions policy or an administrator's setting
  NotSupportedError: "share-unsupported",
  TypeError: "share-unsupported",
  InvalidStateError: "share-error",
};

/**
 * What a getDisplayMedia failure means: null when the person cancelled (say nothing), else
 * the key of a plain explanation. Chromium reports a refusal by the operating system (macOS
 * screen-recording permission) as NotAllowedError "... by system", which is not a cancel.
 */
export function shareProblem(error) {
  const name = error?.name ?? "";
  const message = String(error?.message ?? "");
  if (CANCEL.has(name)) return /system/i.test(message) ? "share-blocked" : null;
  return SHARE_PROBLEMS[name] ?? "share-error";
}

/** Screen sharing exists only where getDisplayMedia does (not on most phones). */
export function canShareScreen(mediaDevices) {
  return typeof mediaDevices?.getDisplayMedia === "function";
}
