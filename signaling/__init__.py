"""The real-time edge: Socket.IO namespaces (one per feature) and the aiortc echo peer.

Each namespace parses every payload into a typed value at the edge, calls the domain in
`rooms`, emits to an explicit target and returns an ack; nothing here holds rules.
"""
