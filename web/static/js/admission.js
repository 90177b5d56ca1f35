// Whose seat it is (docs/protocol.md): what the room page says while another device asks
// for the client's seat, to the one who decides, and after a seat was taken. No DOM here:
// `text` is the page's strings by key, and every function returns plain text or a key.

import { Asked, ReplacedReason } from "./protocol.js";

// "Firefox on Android", in the page's language; never empty.
export function deviceWords(text, browser, system) {
  if (browser && system) return text["device-both"].replace("{browser}", browser).replace("{system}", system);
  if (browser) return browser;
  if (system) return text["device-system"].replace("{system}", system);
  return text["device-unknown"];
}

// The question for whoever decides: the coach ("someone with your client's link…") or the
// seated person ("Is this you on another device?"), with the device and the time.
export function askWords(text, role, request, lang) {
  const at = new Date(request.at * 1000).toLocaleTimeString(lang || undefined, { hour: "2-digit", minute: "2-digit" });
  const device = deviceWords(text, request.browser, request.system);
  return {
    question: text[`admission-${role}`].replace("{device}", device).replace("{time}", at),
    admit: text[`admit-${role}`],
    refuse: text[`refuse-${role}`],
  };
}

// What the waiting page says: who was asked (the ack's `asked`).
export function waitingKey(asked) {
  return asked === Asked.CLIENT ? "waiting-client" : "waiting-coach";
}

// After a refusal.
export function refusedKey(asked) {
  return asked === Asked.CLIENT ? "refused-client" : "refused-coach";
}

// Why this page's seat was taken (`replaced` {reason}); an unknown reason says the old sentence.
export function replacedKey(reason) {
  return Object.values(ReplacedReason).includes(reason) ? `replaced-${reason}` : "error-replaced";
}
