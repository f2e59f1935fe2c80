#!/usr/bin/env bash
# Moodify Edge kiosk launcher: shows the kiosk service full screen in Chromium. While the service is still
# starting, Chromium opens the local page starting.html next to this script ("Starting Moodify Edge…", in
# English and Korean), which moves on to the service as soon as it answers: never a black screen.
# Started by the systemd user unit moodify-kiosk.service (which restarts it if Chromium exits or crashes).
#
#   moodify-kiosk.sh --session-start   what the desktop's autostart runs (labwc, Wayfire or LXDE): hand the
#                                      display to the user's systemd and start moodify-kiosk.service
#
# Environment: MOODIFY_URL (default http://127.0.0.1:5000/), MOODIFY_KIOSK_PROFILE (Chromium profile folder),
# MOODIFY_STARTING_PAGE (the waiting page; default starting.html beside this script), MOODIFY_WAIT_SECONDS (only
# without that page: how long to wait for the service before giving up; 0 = forever).
set -euo pipefail

url=${MOODIFY_URL:-http://127.0.0.1:5000/}
profile=${MOODIFY_KIOSK_PROFILE:-${XDG_CONFIG_HOME:-$HOME/.config}/moodify-kiosk}
wait_seconds=${MOODIFY_WAIT_SECONDS:-0}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
starting_page=${MOODIFY_STARTING_PAGE:-$here/starting.html}

log() { echo "moodify-kiosk: $*" >&2; }

if [[ ${1:-} == --session-start ]]; then
  systemctl --user import-environment WAYLAND_DISPLAY DISPLAY XDG_SESSION_TYPE XAUTHORITY 2>/dev/null || true
  exec systemctl --user start moodify-kiosk.service
fi

answers() { curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; }

# The service sends READY=1 only once its web server listens; this also covers a service restart.
start_url=$url
if ! answers; then
  if [[ -f $starting_page ]]; then
    # The waiting page reads the service's address from its fragment and polls it itself.
    page=${starting_page// /%20}
    start_url="file://$page#$url"
    log "$url does not answer yet: showing $starting_page until it does"
  else
    waited=0
    until answers; do
      if (( wait_seconds > 0 && waited >= wait_seconds )); then
        log "no answer from $url after ${waited} s"
        exit 1
      fi
      (( waited % 30 == 0 )) && log "waiting for $url"
      sleep 1
      waited=$((waited + 1))
    done
  fi
fi

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

log "opening $start_url with $browser"
exec "$browser" \
  --kiosk "$start_url" \
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
