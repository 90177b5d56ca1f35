// The message thread as a page holds it: messages by seq from join answers, send acks and
// `message` events. A seq already held is dropped, so a message that arrives twice (in a
// join's answer and as an event) shows once; `gap` says the page missed some and must join
// again with `since: last`. tests/threads.py keeps the same rules for the socket tests.

export class ThreadState {
  constructor() {
    this.bySeq = new Map();
    this.last = 0;
  }

  joined(ack) {
    if (ack.reset) {
      this.bySeq.clear();
      this.last = ack.messages.length ? ack.messages[0].seq - 1 : 0;
    }
    return ack.messages.filter((message) => this.take(message));
  }

  // True when the message is new to this page.
  take(message) {
    if (message.seq <= this.last || this.bySeq.has(message.seq)) return false;
    this.bySeq.set(message.seq, message);
    while (this.bySeq.has(this.last + 1)) this.last += 1;
    return true;
  }

  get gap() {
    for (const seq of this.bySeq.keys()) if (seq > this.last) return true;
    return false;
  }

  get newest() {
    return this.bySeq.size ? Math.max(...this.bySeq.keys()) : 0;
  }

  messages() {
    return [...this.bySeq.keys()].sort((a, b) => a - b).map((seq) => this.bySeq.get(seq));
  }
}
