"""The message thread on Redis.

`messages:<engagement>` is a hash of seq -> JSON message (without its seq); seqs come from
the counter `message-seq:<engagement>` and are contiguous, so a range of seqs is one
HMGET. `message-ids:<engagement>` maps `<sender>:<client id>` to the seq it got, and the
append script checks it before counting up, so a resend finds the first message in every
process. `message-reads:<engagement>` holds each role's read mark, raised only upward and
never past the last seq, inside one script. Erasure deletes the four keys.
"""

from __future__ import annotations

import json

from rooms.messages import Message, ThreadState
from rooms.models import Role
from rooms.store.redis.base import RedisBase, guarded, keyname, texts
from rooms.store.redis.base import text as decoded

APPEND = """
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {existing, redis.call('HGET', KEYS[1], existing)} end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], seq, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], seq)
return {tostring(seq), ''}
"""

READ = """
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local wanted = math.min(tonumber(ARGV[2]), last)
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if wanted > current then redis.call('HSET', KEYS[1], ARGV[1], wanted) end
return 1
"""

SCAN = 1000  # unread counting looks at no more than this many of the newest messages


def _keys(engagement_id: str) -> list[str]:
    return [
        keyname("messages", engagement_id),
        keyname("message-ids", engagement_id),
        keyname("message-seq", engagement_id),
        keyname("message-reads", engagement_id),
    ]


def _body(client_id: str, sender: Role, body: str, sent_at: float) -> str:
    fields = {"id": client_id, "from": sender.value, "text": body, "sent_at": sent_at}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _message(seq: int, raw: str) -> Message:
    data = json.loads(raw)
    return Message(seq, str(data["id"]), Role(data["from"]), str(data["text"]), data["sent_at"])


class MessagesMixin(RedisBase):
    @guarded
    async def message_append(
        self, engagement_id: str, client_id: str, sender: Role, text: str, sent_at: float
    ) -> tuple[Message, bool]:
        messages, ids, seq_key, _ = _keys(engagement_id)
        body = _body(client_id, sender, text, sent_at)
        seq, stored = await self._script(
            APPEND, [messages, ids, seq_key], [f"{sender.value}:{client_id}", body]
        )
        if stored:
            return _message(int(seq), decoded(stored)), True
        return Message(int(seq), client_id, sender, text, sent_at), False

    async def _range(self, engagement_id: str, first: int, last: int) -> list[Message]:
        if last < first:
            return []
        seqs = list(range(first, last + 1))
        raws = await self._redis.hmget(keyname("messages", engagement_id), seqs)
        return [_message(seq, decoded(raw)) for seq, raw in zip(seqs, raws, strict=True) if raw]

    async def _last(self, engagement_id: str) -> int:
        return int(await self._redis.get(keyname("message-seq", engagement_id)) or 0)

    @guarded
    async def messages_after(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        last = await self._last(engagement_id)
        return await self._range(engagement_id, max(seq, 0) + 1, min(last, seq + limit))

    @guarded
    async def messages_before(self, engagement_id: str, seq: int, limit: int) -> list[Message]:
        last = await self._last(engagement_id)
        top = min(last, seq - 1) if seq > 0 else last
        return await self._range(engagement_id, max(1, top - limit + 1), top)

    @guarded
    async def message_read(self, engagement_id: str, role: Role, seq: int) -> ThreadState:
        _, _, seq_key, reads = _keys(engagement_id)
        await self._script(READ, [reads, seq_key], [role.value, max(seq, 0)])
        return await self.message_state(engagement_id)

    @guarded
    async def message_state(self, engagement_id: str) -> ThreadState:
        _, _, seq_key, reads_key = _keys(engagement_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(seq_key)
            pipe.hgetall(reads_key)
            last, reads = await pipe.execute()
        marks = texts(reads)
        return ThreadState(int(last or 0), int(marks.get("coach", 0)), int(marks.get("client", 0)))

    @guarded
    async def messages_unread(self, engagement_id: str, role: Role, limit: int) -> int:
        state = await self.message_state(engagement_id)
        first = max(state.read_by(role) + 1, state.last_seq - SCAN + 1)
        found = await self._range(engagement_id, first, state.last_seq)
        return min(limit, sum(message.sender is not role for message in found))

    @guarded
    async def erase_messages(self, engagement_id: str) -> None:
        await self._redis.delete(*_keys(engagement_id))
