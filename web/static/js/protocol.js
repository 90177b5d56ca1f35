// Every Socket.IO namespace, event name and error code the browser uses. Mirrors
// signaling/protocol.py exactly; tests/test_protocol_sync.py fails when any export here
// differs from its Python enum or constant.

export const ROOM_NAMESPACE = "/room";

export const Event = Object.freeze({
  JOIN: "join",
  SIGNAL: "signal",
  MEDIA: "media",
  LEAVE: "leave",
  CALL_REPORT: "call_report",
  CONNECTED: "connected",
  ADMIT: "admit",
  PRESENCE: "presence",
  PEER_MEDIA: "peer-media",
  REPLACED: "replaced",
  ADMISSION_REQUEST: "admission-request",
  ADMISSION: "admission",
  ADMISSION_WITHDRAWN: "admission-withdrawn",
});

// Who decides a request to take the client's seat from another device, and why a seat
// was taken from a page: rooms/admission.py Asked and ReplacedReason.
export const Asked = Object.freeze({
  COACH: "coach",
  CLIENT: "client",
});

export const ReplacedReason = Object.freeze({
  SAME_BROWSER: "same-browser",
  OTHER_DEVICE: "other-device",
  ADMITTED: "admitted",
  CONFIRMED: "confirmed",
});

export const ErrorCode = Object.freeze({
  INVALID: "invalid",
  NOT_FOUND: "not-found",
  FORBIDDEN: "forbidden",
  CONFLICT: "conflict",
  ROOM_FULL: "room-full",
  THROTTLED: "throttled",
  NOT_JOINED: "not-joined",
  UNAVAILABLE: "unavailable",
  UNAUTHORIZED: "unauthorized",
  INTERNAL: "internal",
  BUSY: "busy",
  WAITING: "waiting",
  TRY_AGAIN: "try-again",
});

export const TIMER_NAMESPACE = "/timer";

export const TimerEvent = Object.freeze({
  JOIN: "timer:join",
  COMMAND: "timer:command",
  PING: "timer:ping",
  AGENDA: "timer:agenda",
  AGENDA_SET: "timer:agenda-set",
  STATE: "timer:state",
  AGENDA_UPDATED: "timer:agenda-updated",
});

export const TECHCHECK_NAMESPACE = "/techcheck";

export const TechCheckEvent = Object.freeze({
  ECHO_ICE: "echo:ice",
  ECHO_OFFER: "echo:offer",
  ECHO_STATS: "echo:stats",
  ECHO_STOP: "echo:stop",
  ECHO_TAKEN_OVER: "echo:taken-over",
  REPORT_SAVE: "report:save",
  REPORT_LATEST: "report:latest",
  REHEARSAL_SAVE: "rehearsal:save",
});

export const BOARD_NAMESPACE = "/board";

export const BoardEvent = Object.freeze({
  JOIN: "join",
  OP: "op",
  PRESENCE: "presence",
  HISTORY: "history",
  PRIVATE_PUT: "private_put",
  PRIVATE_DELETE: "private_delete",
  APPLIED: "applied",
  PRIVATE: "private",
});

// The message thread: signaling/protocol.py MESSAGES_NAMESPACE and MessageEvent.
// Server -> client on every namespace, before the server disconnects a socket whose
// credential ended: signaling/protocol.py REVOKED and rooms/revocation.py RevokeReason.
export const REVOKED = "revoked";

export const RevokeReason = Object.freeze({
  INVITE_ROTATED: "invite-rotated",
  INVITE_REVOKED: "invite-revoked",
  LOGGED_OUT: "logged-out",
  SESSION_EXPIRED: "session-expired",
  PASSWORD_CHANGED: "password-changed",
});

export const MESSAGES_NAMESPACE = "/messages";

export const MessageEvent = Object.freeze({
  JOIN: "join",
  SEND: "send",
  READ: "read",
  OLDER: "older",
  MESSAGE: "message",
  RECEIPT: "receipt",
});
