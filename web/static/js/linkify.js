// Splits message text into plain parts and web links, so the thread can show a link as a
// clickable element built with createElement and textContent: nothing in a message is
// ever parsed as HTML. Only http: and https: addresses become links; the punctuation that
// usually ends a sentence (".", ",", ")" and the like) stays outside the link.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?)\]}'"»”’]+$/;

export function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export function splitLinks(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let link = match[0];
    const trailing = link.match(TRAILING);
    if (trailing) link = link.slice(0, -trailing[0].length);
    const href = safeHref(link);
    if (!href) continue;
    if (match.index > last) parts.push({ type: "text", text: text.slice(last, match.index) });
    parts.push({ type: "link", text: link, href });
    last = match.index + link.length;
  }
  if (last < text.length) parts.push({ type: "text", text: text.slice(last) });
  return parts;
}
