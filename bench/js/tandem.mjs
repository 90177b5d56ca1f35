// What both adapters share: credentials per room, and how the generator's payload
// {t, seq, k, data} travels in a Tandem `signal`.
//
// Tandem authenticates at the namespace connect (a coach: session cookie on the handshake +
// {engagement}; a client: {invite}) and `join` claims the seat of that credential. The
// generator names rooms; the first room name seen gets the first engagement, and so on. The
// first member of a room is the coach, the second the client; a third presents the coach's
// credential from another device and must be refused (room-full), like the reference's 3rd.
//
// Tandem's signal is {description|candidate, to}. `to` is relayed unchanged (browsers send
// the peer's page-session key there, 16-64 of [A-Za-z0-9_-]), so it carries the stamp: the
// send time in microseconds, the phase tag and the sequence number. The receiver rebuilds
// {t, seq, k, data} for the generator. Message sizes stay those of payloads.mjs (+ Tandem's
// own fields).
//
// With `routed` credentials (the scale-out scenario, behind nginx) each engagement also has
// its route key, which the room page puts in its Socket.IO URL (web/static/js/sockets.js)
// and nginx hashes; the sio adapter then opens the connection at join, when the room and so
// its key are known.
import { readFileSync } from 'node:fs';

const credsPath = process.env.TANDEM_BENCH_CREDS;
if (!credsPath) throw new Error('TANDEM_BENCH_CREDS must name the credentials file (python -m bench writes it)');
export const creds = JSON.parse(readFileSync(credsPath, 'utf8'));
const rooms = new Map(); // generator room name -> {index, members}
// each generator run against one server start takes the next unused engagements
let nextIndex = Number(process.env.TANDEM_BENCH_OFFSET || 0);
let keySeq = 0;

// The auth object for the next member of `room`, and a fresh device key.
export function seatFor(room) {
  let r = rooms.get(room);
  if (!r) {
    if (nextIndex >= creds.engagements.length) {
      throw new Error(`more rooms than engagements (${creds.engagements.length}); raise --pool`);
    }
    r = { index: nextIndex++, members: 0 };
    rooms.set(room, r);
  }
  const [engagement, invite, route] = creds.engagements[r.index];
  const member = r.members++;
  const auth = member === 1 ? { invite } : { engagement };
  const device = `bench${process.pid}d${String(keySeq++).padStart(8, '0')}`;
  return { auth, join: { device, session: device }, route };
}

export function stamp(t, seq, k) {
  const kk = typeof k === 'number' ? `n${k}` : `s${k}`;
  return `b${String(Math.round(t * 1000)).padStart(12, '0')}_${kk}_${seq}`;
}

export function unstamp(to) {
  const [tus, kk, seq] = to.slice(1).split('_');
  return { t: Number(tus) / 1000, seq: Number(seq), k: kk[0] === 'n' ? Number(kk.slice(1)) : kk.slice(1) };
}

// payloads.mjs makes an SDP as {type, sdp} and a candidate as {candidate, sdpMid, ...}
export const kindOf = (data) => (data && typeof data.sdp === 'string' ? 'description' : 'candidate');

export function toTandem(msg) {
  return { [kindOf(msg.data)]: msg.data, to: stamp(msg.t, msg.seq, msg.k) };
}

export function fromTandem(p) {
  return { ...unstamp(p.to), data: p.description || p.candidate };
}

// Tandem's join ack -> the reference shape {ok, peers} / {error}
export function ackFromTandem(ack) {
  if (!ack || !ack.ok) {
    const code = ack && (typeof ack.error === 'string' ? ack.error : ack.error && ack.error.code);
    return { error: code || 'refused' };
  }
  const presence = ack.presence || {};
  const peers = ['coach', 'client'].filter((r) => r !== ack.role && presence[r] === 'here').length;
  return { ok: true, peers };
}
