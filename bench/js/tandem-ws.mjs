// `WebSocket` for loadgen.mjs --client lite: the generator speaks Engine.IO v4 / Socket.IO v5
// on the default namespace; this translates its frames to Tandem's /room namespace on the
// same socket. Signal frames are rewritten with string operations (no extra JSON parse of
// the payload), so the adapter adds little to the generator's cost per message.
import { EventEmitter } from 'node:events';
import RealWebSocket from 'ws';
import { ackFromTandem, creds, seatFor, stamp, unstamp } from './tandem.mjs';

const OUT_SIGNAL = /^42\["signal",\{"t":([^,]+),"seq":(\d+),"k":([^,]+),"data":/;
const NS = '/room,';

export default class TandemWebSocket extends EventEmitter {
  constructor(url, opts) {
    super();
    this.joinId = null;
    this.seat = null;
    this.connected = false;
    this.ws = new RealWebSocket(url, { ...opts, headers: { Cookie: creds.cookie } });
    this.ws.on('error', (e) => this.emit('error', e));
    this.ws.on('open', () => this.emit('open'));
    this.ws.on('message', (buf) => this.incoming(buf.toString()));
  }

  deliver(frame) {
    this.emit('message', frame);
  }

  send(f) {
    if (f.startsWith('42["signal",')) return this.ws.send(signalOut(f));
    if (f === '40') {
      // the namespace connect waits for join(), which knows the room: report the
      // transport as connected now, as the reference's '40' answer would
      queueMicrotask(() => this.deliver('40{"sid":"pending"}'));
      return undefined;
    }
    const join = /^42(\d+)\["join",(.*)\]$/.exec(f);
    if (join) {
      this.joinId = join[1];
      try {
        this.seat = seatFor(JSON.parse(join[2]).room);
      } catch (e) {
        queueMicrotask(() => this.deliver(`43${this.joinId}[${JSON.stringify({ error: String(e.message) })}]`));
        return undefined;
      }
      return this.ws.send(`40${NS}${JSON.stringify(this.seat.auth)}`);
    }
    return this.ws.send(f);
  }

  incoming(f) {
    if (f.startsWith(`42${NS}["signal",`)) return this.deliver(signalIn(f));
    if (f.startsWith(`42${NS}`)) return undefined; // presence etc.: not the generator's business
    if (f.startsWith(`40${NS}`)) {
      this.connected = true;
      return this.ws.send(`42${NS}${this.joinId}["join",${JSON.stringify(this.seat.join)}]`);
    }
    if (f.startsWith(`44${NS}`)) {
      const data = JSON.parse(f.slice(2 + NS.length));
      return this.deliver(`43${this.joinId}[${JSON.stringify({ error: (data.data && data.data.code) || data.message })}]`);
    }
    if (f.startsWith(`43${NS}`)) {
      const i = f.indexOf('[');
      const ack = ackFromTandem(JSON.parse(f.slice(i))[0]);
      return this.deliver(`43${f.slice(2 + NS.length, i)}[${JSON.stringify(ack)}]`);
    }
    return this.deliver(f); // Engine.IO open '0{..}', ping '2'
  }

  close() {
    if (this.connected && this.ws.readyState === RealWebSocket.OPEN) this.ws.send(`41${NS}`);
    this.ws.close();
  }
}

// 42["signal",{"t":T,"seq":S,"k":K,"data":D}]  ->  42/room,["signal",{"candidate":D,"to":STAMP}]
function signalOut(f) {
  const m = OUT_SIGNAL.exec(f);
  if (!m) {
    const msg = JSON.parse(f.slice(2))[1];
    const key = typeof msg.data.sdp === 'string' ? 'description' : 'candidate';
    return `42${NS}["signal",${JSON.stringify({ [key]: msg.data, to: stamp(msg.t, msg.seq, msg.k) })}]`;
  }
  const data = f.slice(m[0].length, f.length - 2);
  const key = data.startsWith('{"type"') ? 'description' : 'candidate';
  return `42${NS}["signal",{"${key}":${data},"to":"${stamp(Number(m[1]), m[2], JSON.parse(m[3]))}"}]`;
}

// 42/room,["signal",{"from":..,"session":..,"candidate":D,"to":STAMP}]  ->  42["signal",{t,seq,k,data:D}]
function signalIn(f) {
  const toAt = f.lastIndexOf(',"to":"');
  let at = f.indexOf(',"candidate":');
  let skip = 13;
  if (at < 0 || at > toAt) {
    at = f.indexOf(',"description":');
    skip = 15;
  }
  if (toAt < 0 || at < 0) {
    const p = JSON.parse(f.slice(2 + NS.length))[1];
    return `42["signal",${JSON.stringify({ ...unstamp(p.to), data: p.description || p.candidate })}]`;
  }
  const s = unstamp(f.slice(toAt + 7, f.lastIndexOf('"')));
  return `42["signal",{"t":${s.t},"seq":${s.seq},"k":${JSON.stringify(s.k)},"data":${f.slice(at + skip, toAt)}}]`;
}
