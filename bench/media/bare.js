const params = new URLSearchParams(location.search);
const relay = params.get('relay');
const room = params.get('room');
const local = document.getElementById('local');
const remote = document.getElementById('remote');
window.__joined = false;

const stream = await navigator.mediaDevices.getUserMedia({
  audio: true,
  video: { width: { ideal: 1280 }, height: { ideal: 720 } },
});
local.srcObject = stream;
const { io } = await import('./socket.io.esm.min.js');

document.getElementById('join').addEventListener('click', () => {
  const socket = io(relay, { transports: ['websocket'] });
  let pc = null;
  let pending = [];
  const open = () => {
    pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = (e) => e.candidate && socket.emit('signal', { candidate: e.candidate.toJSON() });
    pc.ontrack = (e) => {
      remote.srcObject = e.streams[0];
      remote.play().catch(() => {});
    };
  };
  socket.on('signal', async (m) => {
    if (m.description) {
      if (!pc) open();
      await pc.setRemoteDescription(m.description);
      for (const c of pending) await pc.addIceCandidate(c);
      pending = [];
      if (m.description.type === 'offer') {
        await pc.setLocalDescription();
        socket.emit('signal', { description: pc.localDescription.toJSON() });
      }
    } else if (m.candidate) {
      if (pc && pc.remoteDescription) await pc.addIceCandidate(m.candidate);
      else pending.push(m.candidate);
    }
  });
  socket.on('connect', async () => {
    const ack = await socket.emitWithAck('join', { room });
    window.__joined = true;
    if (ack.peers === 1) {
      open();
      await pc.setLocalDescription();
      socket.emit('signal', { description: pc.localDescription.toJSON() });
    }
  });
});
