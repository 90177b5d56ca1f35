"""Real-time signalling and media peers: sits between `server` (wire, app lifetime) and
`rooms` (the domain), so the domain never imports aiortc or Socket.IO."""
