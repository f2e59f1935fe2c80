/* Generated from moodify_edge/contract.py by `python -m moodify_edge.contract`: do not edit. */
export const STATE = Object.freeze({
  "IDLE": "idle",
  "DETECTING": "detecting",
  "RESULT": "result"
});
export const OUTCOME = Object.freeze({
  "EMOTION": "emotion",
  "NO_FACE": "no_face",
  "CANCELLED": "cancelled"
});
export const EVENT = Object.freeze({
  "SNAPSHOT": "snapshot",
  "STATE": "state",
  "FRAME": "frame",
  "RESULT": "result",
  "RECOMMENDATIONS": "recommendations",
  "PLAYER": "player",
  "CAMERA": "camera",
  "ACCOUNT": "account",
  "ERROR": "error",
  "PAIRING": "pairing",
  "PAIRING_ALARM": "pairing_alarm"
});
export const ERROR = Object.freeze({
  "BAD_REQUEST": "bad_request",
  "BAD_JSON": "bad_json",
  "BAD_URI": "bad_uri",
  "BAD_URL": "bad_url",
  "BAD_VOLUME": "bad_volume",
  "TOO_LARGE": "too_large",
  "NOT_FOUND": "not_found",
  "METHOD_NOT_ALLOWED": "method_not_allowed",
  "HTTP_ERROR": "http_error",
  "INTERNAL_ERROR": "internal_error",
  "PAIRING_REQUIRED": "pairing_required",
  "CSRF": "csrf",
  "KIOSK_ONLY": "kiosk_only",
  "BAD_CODE": "bad_code",
  "WRONG_CODE": "wrong_code",
  "RATE_LIMITED": "rate_limited",
  "OWNER_REQUIRED": "owner_required",
  "WRONG_PIN": "wrong_pin",
  "NO_PIN": "no_pin",
  "PAIRING_CLOSED": "pairing_closed",
  "BUSY": "busy",
  "NO_RESULT": "no_result",
  "NO_RECOMMENDATIONS": "no_recommendations",
  "CAMERA_UNAVAILABLE": "camera_unavailable",
  "DETECTION_FAILED": "detection_failed",
  "MUSIC_FAILED": "music_failed",
  "NO_MUSIC": "no_music",
  "UNKNOWN_EMOTION": "unknown_emotion",
  "UNKNOWN_TRACK": "unknown_track",
  "NOTHING_TO_PLAY": "nothing_to_play",
  "SPOTIFY_NOT_CONFIGURED": "spotify_not_configured",
  "LOGIN_REQUIRED": "login_required",
  "LOGIN_STATE": "login_state",
  "LOGIN_DENIED": "login_denied",
  "LOGIN_FAILED": "login_failed",
  "PREMIUM_REQUIRED": "premium_required",
  "USER_NOT_ALLOWED": "user_not_allowed",
  "SPOTIFY_REFUSED": "spotify_refused",
  "SPOTIFY_UNAVAILABLE": "spotify_unavailable",
  "SPOTIFY_ERROR": "spotify_error",
  "NO_ACTIVE_DEVICE": "no_active_device",
  "DEVICE_MISSING": "device_missing",
  "MPD_UNAVAILABLE": "mpd_unavailable",
  "MPD_PASSWORD": "mpd_password",
  "MPD_ERROR": "mpd_error",
  "TRACK_UNREADABLE": "track_unreadable",
  "RECEIVER_LOGIN_NEEDED": "receiver_login_needed",
  "PLAYLIST_UNAVAILABLE": "playlist_unavailable",
  "PLAYLIST_PERMISSION": "playlist_permission"
});
export const BACKEND = Object.freeze({
  "SPOTIFY": "spotify",
  "OFFLINE": "offline",
  "MPD": "mpd"
});
