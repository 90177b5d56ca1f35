// Message text splits into text and http(s) links only; the thread keeps one message per seq.
import assert from "node:assert/strict";
import { test } from "node:test";
import { safeHref, splitLinks } from "../../web/static/js/linkify.js";
import { ThreadState } from "../../web/static/js/thread_state.js";

test("plain text stays one text part, markup included", () => {
  const text = '<img src=x onerror="alert(1)"> <b>hi</b>';
  assert.deepEqual(splitLinks(text), [{ type: "text", text }]);
});

test("a link in a sentence is split out without the sentence's punctuation", () => {
  assert.deepEqual(splitLinks("See https://example.org/a?b=1, then (http://x.no/p)."), [
    { type: "text", text: "See " },
    { type: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
    { type: "text", text: ", then (" },
    { type: "link", text: "http://x.no/p", href: "http://x.no/p" },
    { type: "text", text: ")." },
  ]);
});

test("only http and https become links; markup ends a link", () => {
  assert.deepEqual(splitLinks("javascript:alert(1) data:text/html,x"), [
    { type: "text", text: "javascript:alert(1) data:text/html,x" },
  ]);
  const parts = splitLinks('https://e.org/<script>"x"');
  assert.deepEqual(parts[0], { type: "link", text: "https://e.org/", href: "https://e.org/" });
  assert.equal(parts.map((p) => p.text).join(""), 'https://e.org/<script>"x"');
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("not a url"), null);
});

test("the parts always give back the whole text", () => {
  for (const text of ["", "a", "https://a.b", "x https://a.b/c. y https://d.e", "http://", "line\nhttps://a.b\n"]) {
    assert.equal(splitLinks(text).map((p) => p.text).join(""), text);
  }
});

const m = (seq, text = `m${seq}`) => ({ seq, id: `id-${seq}-xxxx`, from: "coach", text, sent_at: seq });

test("a seq that arrives twice is kept once; a gap waits for a rejoin", () => {
  const thread = new ThreadState();
  thread.joined({ reset: true, messages: [m(1), m(2)] });
  assert.equal(thread.take(m(2)), false);
  assert.equal(thread.take(m(4)), true);
  assert.equal(thread.gap, true);
  assert.equal(thread.last, 2);
  const fresh = thread.joined({ reset: false, messages: [m(3), m(4)] });
  assert.deepEqual(fresh.map((x) => x.seq), [3]);
  assert.equal(thread.gap, false);
  assert.deepEqual(thread.messages().map((x) => x.seq), [1, 2, 3, 4]);
});

test("a reset starts from the newest page", () => {
  const thread = new ThreadState();
  thread.joined({ reset: true, messages: [m(1)] });
  thread.joined({ reset: true, messages: [m(600), m(601)] });
  assert.equal(thread.last, 601);
  assert.deepEqual(thread.messages().map((x) => x.seq), [600, 601]);
  assert.equal(thread.newest, 601);
});
