"""The live goal board: one shared, versioned workspace per engagement.

    schema.py   what a board holds: sections, collections, fields, caps and who may edit
    ops.py      untrusted operations parsed, permission-checked and applied (pure)
    records.py  the stored records: applied operations, snapshots, private notes
    export.py   Markdown and JSON of exactly what the requester may see

Everything here is pure: the service (rooms/board_service.py) reads a snapshot, applies
one operation and commits it with compare-and-set on the board version, so every process
applies operations in the one server order and every screen converges.

The coach's private notes are not part of the board at all: they live in their own store
area and travel only in coach-only events, so no board operation, snapshot or client
export can carry them.

Import from the modules themselves: the store Protocol imports records.py, so this
__init__ imports nothing, which keeps that import free of cycles.
"""
