// `io()` for loadgen.mjs --client sio: the real socket.io-client, speaking Tandem's /room
// namespace. open() opens the Engine.IO connection (with the coach's session cookie on the
// handshake, as a browser that is logged in sends it); join() connects the namespace with
// the room's credential and claims the seat. Setup time therefore covers the same steps.
import { Manager } from 'socket.io-client';
import { ackFromTandem, creds, fromTandem, seatFor, toTandem } from './tandem.mjs';

class TandemSocket {
  constructor(url, opts) {
    this.listeners = new Map();
    this.sock = null;
    this.url = url;
    this.opts = { ...opts, autoConnect: false, extraHeaders: { Cookie: creds.cookie } };
    if (creds.routed) {
      // the route key is the room's: connect at join (see tandem.mjs)
      this.mgr = null;
      queueMicrotask(() => this.fire('connect'));
    } else {
      this.mgr = new Manager(url, this.opts);
      this.mgr.open((err) => this.fire(err ? 'connect_error' : 'connect', err));
    }
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push({ fn, once: false });
    return this;
  }

  once(event, fn) {
    this.on(event, fn);
    this.listeners.get(event).at(-1).once = true;
    return this;
  }

  fire(event, arg) {
    const list = this.listeners.get(event) || [];
    this.listeners.set(event, list.filter((l) => !l.once));
    for (const l of list) l.fn(arg);
  }

  timeout(ms) {
    return { emitWithAck: (event, payload) => this.join(payload.room, ms) };
  }

  async join(room, ms) {
    const seat = seatFor(room);
    if (!this.mgr) this.mgr = new Manager(this.url, { ...this.opts, query: { route: seat.route } });
    const sock = this.mgr.socket('/room', { auth: seat.auth });
    this.sock = sock;
    sock.on('signal', (p) => this.fire('signal', fromTandem(p)));
    const refused = await new Promise((resolve) => {
      sock.once('connect', () => resolve(null));
      sock.once('connect_error', (e) => resolve({ error: (e.data && e.data.code) || e.message }));
      sock.connect();
    });
    if (refused) return refused;
    return ackFromTandem(await sock.timeout(ms).emitWithAck('join', seat.join));
  }

  emit(event, msg) {
    if (event === 'signal' && this.sock) this.sock.emit('signal', toTandem(msg));
  }

  disconnect() {
    if (this.sock) this.sock.disconnect();
    if (this.mgr) this.mgr._close();
  }
}

export function io(url, opts) {
  return new TandemSocket(url, opts);
}
