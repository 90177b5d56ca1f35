"""Tandem's domain: coaches, engagements, rooms, seats, boards, timers and their storage.

Nothing here imports aiohttp, socketio or aiortc, so every rule is tested directly and the
web and signalling layers stay thin adapters around it.
"""
