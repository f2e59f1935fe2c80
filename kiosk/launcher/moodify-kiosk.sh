#!/usr/bin/env bash
# Moodify Edge kiosk launcher: waits until the kiosk service answers, then shows it full screen in Chromium.
# Started by the systemd user unit moodify-kiosk.service (which restarts it if Chromium exits or crashes).
#
#   moodify-kiosk.sh --session-start   what the desktop's autostart runs (labwc, Wayfire or LXDE): hand the
#                                      display to the user's systemd and start moodify-kiosk.service
#
# Environment: MOODIFY_URL (default http://127.0.0.1:5000/), MOODIFY_KIOSK_PROFILE (Chromium profile folder),
# MOODIFY_WAIT_SECONDS (how long to wait for the service before giving up; 0 = forever).
set -euo pipefail

url=${MOODIFY_URL:-http://127.0.0.1:5000/}
profile=${MOODIFY_KIOSK_PROFILE:-${XDG_CONFIG_HOME:-$HOME/.config}/moodify-kiosk}
wait_seconds=${MOODIFY_WAIT_SECONDS:-0}

log() { echo "moodify-kiosk: $*" >&2; }

if [[ ${1:-} == --session-start ]]; then
  systemctl --user import-environment WAYLAND_DISPLAY DISPLAY XDG_SESSION_TYPE XAUTHORITY 2>/dev/null || true
  exec systemctl --user start moodify-kiosk.service
fi

# Wait for the service (it sends READY=1 only once its web server listens; this also covers a service restart).
waited=0
until curl -fsS -o /dev/null --max-time 2 "$url"; do
  if (( wait_seconds > 0 && waited >= wait_seconds )); then
    log "no answer from $url after ${waited} s"
    exit 1
  fi
  (( waited % 30 == 0 )) && log "waiting for $url"
  sleep 1
  waited=$((waited + 1))
done

# Keep the screen on.
if [[ -n ${WAYLAND_DISPLAY:-} ]]; then
  if command -v wlopm >/dev/null; then wlopm --on '*' || true; fi
elif [[ -n ${DISPLAY:-} ]] && command -v xset >/dev/null; then
  xset s off -dpms s noblank || true
fi

# A crash or power cut leaves "exited uncleanly" in the profile, and Chromium then offers to restore pages.
mkdir -p "$profile/Default"
prefs=$profile/Default/Preferences
if [[ -f $prefs ]]; then
  sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' -e 's/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs"
fi

browser=""
for candidate in chromium-browser chromium; do
  if command -v "$candidate" >/dev/null; then browser=$candidate; break; fi
done
[[ -n $browser ]] || { log "Chromium is not installed (sudo apt install chromium-browser)"; exit 1; }

log "opening $url with $browser"
exec "$browser" \
  --kiosk "$url" \
  --user-data-dir="$profile" \
  --noerrdialogs \
  --disable-infobars \
  --password-store=basic \
  --disable-session-crashed-bubble \
  --hide-crash-restore-bubble \
  --check-for-update-interval=31536000 \
  --no-first-run \
  --no-default-browser-check \
  --disable-features=Translate \
  --disable-pinch \
  --overscroll-history-navigation=0 \
  --ozone-platform-hint=auto
