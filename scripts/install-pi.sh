#!/usr/bin/env bash
# Install Moodify Edge on Raspberry Pi OS Bookworm (64-bit) from this checkout, in one command:
#
#   sudo scripts/install-pi.sh [--with-raspotify] [--with-mpd] [--no-kiosk] [--kiosk-user USER] [--dry-run]
#   sudo scripts/install-pi.sh --uninstall [--purge] [--dry-run]
#
# It installs the apt packages, a venv at /opt/moodify-edge/venv (--system-site-packages, for apt's picamera2,
# lgpio and systemd bindings), the package, /etc/moodify-edge/config.toml (created once, never overwritten;
# web.host = "0.0.0.0" so paired phones on the LAN can reach it), the user `moodify` (groups video, gpio), the
# hardened service unit, and the kiosk screen (Chromium in kiosk mode, started with the desktop). Run it again
# at any time: it only changes what is missing or out of date. --dry-run prints every action instead.
# Packages only found in the Raspberry Pi repository (python3-picamera2, ...) are skipped with a warning
# elsewhere; in a chroot or container without systemd, units are enabled but not started.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin  # useradd & co. live in sbin

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/opt/moodify-edge
VENV=$PREFIX/venv
CONF_DIR=/etc/moodify-edge
SERVICE_UNIT=/etc/systemd/system/moodify-edge.service
KIOSK_UNIT=/etc/systemd/user/moodify-kiosk.service
KIOSK_DESKTOP=/etc/xdg/autostart/moodify-kiosk.desktop
POLKIT_RULE=/etc/polkit-1/rules.d/50-moodify-edge.rules
SERVICE_USER=moodify
AUTOSTART_MARK="# moodify-edge kiosk"

dry_run=0 uninstall=0 purge=0 kiosk=1 raspotify=0 with_mpd=0
kiosk_user=${SUDO_USER:-}
done_list=()
given_args=("$@")

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
say() { echo "install-pi: $*"; }
warn() { echo "install-pi: warning: $*" >&2; }
die() { echo "install-pi: $*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --dry-run) dry_run=1 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    --no-kiosk) kiosk=0 ;;
    --with-raspotify) raspotify=1 ;;
    --with-mpd) with_mpd=1 ;;
    --kiosk-user) kiosk_user=${2:?--kiosk-user needs a name}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

# Every change goes through run (a command) or put (a file), so --dry-run can print it instead.
run() {
  if ((dry_run)); then
    printf '[dry-run]'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# put MODE OWNER DEST < content: write DEST when it is missing or different.
put() {
  local mode=$1 owner=$2 dest=$3 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 0
  fi
  if ((dry_run)); then
    printf '[dry-run] write %s (mode %s, owner %s):\n' "$dest" "$mode" "$owner"
    sed 's/^/[dry-run]   | /' "$tmp"
    rm -f "$tmp"
  else
    install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$tmp" "$dest"
    rm -f "$tmp"
  fi
  done_list+=("wrote $dest")
}

remove() {
  local path
  for path in "$@"; do
    if [[ -e $path || -L $path ]]; then
      run rm -rf "$path"
      done_list+=("removed $path")
    fi
  done
}

have_systemd() { [[ -d /run/systemd/system ]]; }

# The packages among the arguments that apt can install (one apt-cache call: it takes a second each).
apt_available() {
  apt-cache policy "$@" 2>/dev/null | awk '/^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1) }
    /^ *Candidate:/ && $2 != "(none)" { print pkg }'
}

# ----------------------------------------------------------------------------- uninstall
do_uninstall() {
  if have_systemd; then
    run systemctl disable --now moodify-edge.service || true
  else
    run systemctl disable moodify-edge.service 2>/dev/null || true
  fi
  remove "$SERVICE_UNIT" "$KIOSK_UNIT" "$KIOSK_DESKTOP" "$POLKIT_RULE" "$PREFIX"
  local home
  home=$(user_home "$kiosk_user")
  if [[ -n $home && -f $home/.config/labwc/autostart ]] && grep -qF "$AUTOSTART_MARK" "$home/.config/labwc/autostart"; then
    run sed -i "/$AUTOSTART_MARK/,+1d" "$home/.config/labwc/autostart"
    done_list+=("removed the kiosk line from $home/.config/labwc/autostart")
  fi
  if have_systemd; then run systemctl daemon-reload; fi
  if ((purge)); then
    remove "$CONF_DIR" /var/lib/moodify-edge /var/lib/private/moodify-edge
    if id "$SERVICE_USER" >/dev/null 2>&1; then
      run userdel "$SERVICE_USER"
      done_list+=("removed user $SERVICE_USER")
    fi
  else
    say "kept $CONF_DIR, /var/lib/moodify-edge and user $SERVICE_USER (--purge removes them)"
  fi
}

user_home() { if [[ -n $1 ]]; then getent passwd "$1" | cut -d: -f6; fi; }

# ----------------------------------------------------------------------------- install steps
install_packages() {
  local wanted=(python3 python3-venv python3-pip python3-numpy python3-systemd curl ca-certificates)
  local pi_only=(python3-picamera2 python3-lgpio)
  if ((kiosk)); then
    # fonts-noto-cjk: the Korean UI text.
    wanted+=(wlopm fonts-noto-cjk)
    # Bookworm's Raspberry Pi repository calls it chromium-browser; Debian (and later Pi OS) chromium.
    pi_only+=(chromium-browser)
  fi
  run apt-get update -qq
  local pkg install=() missing=() available
  available=" $(apt_available "${wanted[@]}" "${pi_only[@]}" chromium | tr '\n' ' ') "
  for pkg in "${wanted[@]}" "${pi_only[@]}"; do
    if [[ $available == *" $pkg "* ]]; then
      install+=("$pkg")
    elif [[ $pkg == chromium-browser && $available == *" chromium "* ]]; then
      install+=(chromium)
    else
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) || warn "not in this system's package sources, skipped: ${missing[*]}" \
    "(python3-picamera2 comes from the Raspberry Pi repository; a USB camera still works without it)"
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${install[@]}"
  done_list+=("apt packages: ${install[*]}")
}

create_user() {
  local group
  for group in video gpio; do
    if ! getent group "$group" >/dev/null; then  # the unit's SupplementaryGroups= must exist
      run groupadd --system "$group"
      done_list+=("created group $group")
    fi
  done
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    run useradd --system --user-group --home-dir /var/lib/moodify-edge --no-create-home \
      --shell /usr/sbin/nologin --comment "Moodify Edge kiosk service" "$SERVICE_USER"
    done_list+=("created user $SERVICE_USER")
  fi
  if ! id -nG "$SERVICE_USER" 2>/dev/null | tr ' ' '\n' | grep -qx gpio \
    || ! id -nG "$SERVICE_USER" 2>/dev/null | tr ' ' '\n' | grep -qx video; then
    run usermod -a -G video,gpio "$SERVICE_USER"
    done_list+=("user $SERVICE_USER in groups video, gpio")
  fi
}

install_package() {
  if [[ ! -x $VENV/bin/python ]]; then
    run python3 -m venv --system-site-packages "$VENV"
    done_list+=("venv $VENV")
  fi
  # Build from a clean copy: pip would otherwise leave build/ and *.egg-info in the checkout.
  local stage=$SRC
  if ((!dry_run)); then
    stage=$(mktemp -d)
    tar -C "$SRC" --exclude=.git --exclude=.venv --exclude=build --exclude='*.egg-info' --exclude=__pycache__ \
      --exclude=tests --exclude=docs --exclude=.data --exclude=.train --exclude=artifacts -cf - . \
      | tar -C "$stage" -xf -
  fi
  # Apt's picamera2 (and its simplejpeg) are built against the system numpy: a numpy 2 that pip put in
  # the venv would shadow it and break `import picamera2`. Pin the system's numpy; pip then picks an
  # OpenCV that works with it.
  local numpy_version pins=()
  if numpy_version=$(python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null); then
    printf 'numpy==%s\n' "$numpy_version" | put 0644 root "$VENV/constraints.txt"
    pins=(--constraint "$VENV/constraints.txt")
  fi
  run "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade "${pins[@]}" "$stage"
  run install -m 0644 "$SRC/README.md" "$PREFIX/README.md"  # the unit's Documentation=
  if ((!dry_run)); then rm -rf "$stage"; fi
  done_list+=("moodify-edge $("$VENV/bin/python" -c 'import moodify_edge; print(moodify_edge.__version__)' 2>/dev/null || echo '(dry run)') in $VENV")
}

example_config() {
  if [[ -f $SRC/config.example.toml ]]; then
    cat "$SRC/config.example.toml"
  elif [[ -x $VENV/bin/python ]]; then
    "$VENV/bin/python" -c 'from moodify_edge.config import example_toml; print(example_toml(), end="")'
  else
    printf '[web]\nhost = "127.0.0.1"\n'  # dry run before the venv exists
  fi
}

install_config() {
  if [[ -f $CONF_DIR/config.toml ]]; then
    say "kept the existing $CONF_DIR/config.toml"
    if ((raspotify)) && grep -q '^receiver_unit = ""' "$CONF_DIR/config.toml"; then
      say "to let Moodify Edge restart a vanished receiver, set receiver_unit = \"raspotify.service\"" \
        "in the [spotify] table of $CONF_DIR/config.toml"
    fi
    return
  fi
  # The first "host =" of the [web] table becomes 0.0.0.0: phones on the LAN may pair.
  local config
  config=$(example_config | awk '
    /^\[/ { in_web = ($0 == "[web]") }
    in_web && !done && /^host *=/ { print "host = \"0.0.0.0\""; done = 1; next }
    { print }')
  if ((raspotify)); then
    config=$(printf '%s\n' "$config" | sed 's/^receiver_unit = ""/receiver_unit = "raspotify.service"/')
  fi
  if ((with_mpd)); then
    config=$(printf '%s\n' "$config" | sed 's/^backend = "auto"/backend = "mpd"/')
  fi
  put 0640 "root:$SERVICE_USER" "$CONF_DIR/config.toml" <<< "$config"
}

install_units() {
  put 0644 root:root "$SERVICE_UNIT" < "$SRC/systemd/moodify-edge.service"
  if have_systemd; then
    run systemctl daemon-reload
    run systemctl enable moodify-edge.service
    run systemctl restart moodify-edge.service
    done_list+=("moodify-edge.service enabled and (re)started")
  else
    run systemctl enable moodify-edge.service
    say "systemd is not running here (chroot/container): moodify-edge.service enabled, not started"
    done_list+=("moodify-edge.service enabled (starts at next boot)")
  fi
}

install_kiosk() {
  put 0755 root:root "$PREFIX/kiosk/moodify-kiosk.sh" < "$SRC/kiosk/launcher/moodify-kiosk.sh"
  # The page Chromium shows while the service starts: it must sit beside the launcher.
  put 0644 root:root "$PREFIX/kiosk/starting.html" < "$SRC/kiosk/launcher/starting.html"
  put 0644 root:root "$KIOSK_UNIT" < "$SRC/kiosk/launcher/moodify-kiosk.service"
  # XDG autostart is run by every Raspberry Pi OS desktop (labwc and Wayfire through lxsession-xdg-autostart,
  # LXDE on X). The user unit it starts restarts Chromium whenever it exits.
  put 0644 root:root "$KIOSK_DESKTOP" <<EOF
[Desktop Entry]
Type=Application
Name=Moodify Edge kiosk
Comment=Chromium full screen on the Moodify Edge kiosk
Exec=$PREFIX/kiosk/moodify-kiosk.sh --session-start
X-GNOME-Autostart-enabled=true
NoDisplay=true
EOF
  # A personal labwc autostart replaces the system one (and with it the XDG autostart): add the line there too.
  local home file
  home=$(user_home "$kiosk_user")
  file=$home/.config/labwc/autostart
  if [[ -n $home && -f $file ]] && ! grep -qF "$AUTOSTART_MARK" "$file"; then
    if ((dry_run)); then
      printf '[dry-run] append to %s:\n' "$file"; sed 's/^/[dry-run]   | /' "$SRC/kiosk/launcher/autostart"
    else
      cat "$SRC/kiosk/launcher/autostart" >> "$file"
    fi
    done_list+=("kiosk line added to $file")
  fi
  if command -v raspi-config >/dev/null; then
    run raspi-config nonint do_blanking 1  # 1 = blanking off
    done_list+=("screen blanking off (raspi-config)")
    if [[ $(raspi-config nonint get_boot_cli 2>/dev/null || echo 1) == 1 ]]; then
      run raspi-config nonint do_boot_behaviour B4  # desktop, logged in automatically
      done_list+=("boot to the desktop with automatic login (raspi-config)")
    fi
  else
    say "raspi-config not found: turn screen blanking off and enable desktop autologin in your desktop settings"
  fi
}

# --with-mpd: Debian's mpd on loopback, playing through the Pi's default ALSA output, over a music folder
# the owner fills: one folder per mood (moods/happy, moods/sad, ...), as the default mood profiles expect.
MPD_MUSIC=/var/lib/mpd/music
install_mpd() {
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mpd
  put 0644 root:root /etc/mpd.conf <<EOF
# Written by Moodify Edge's install-pi.sh --with-mpd. Music: $MPD_MUSIC/moods/<emotion>/
music_directory    "$MPD_MUSIC"
playlist_directory "/var/lib/mpd/playlists"
db_file            "/var/lib/mpd/tag_cache"
state_file         "/var/lib/mpd/state"
user               "mpd"
bind_to_address    "127.0.0.1"
port               "6600"
auto_update        "yes"
audio_output {
  type        "alsa"
  name        "Raspberry Pi audio"
  device      "default"
  mixer_type  "software"
}
EOF
  local emotion
  for emotion in angry disgust fear happy sad surprise neutral; do
    run install -d -m 2775 -o mpd -g audio "$MPD_MUSIC/moods/$emotion"
  done
  if have_systemd; then
    run systemctl enable mpd.service
    run systemctl restart mpd.service
  fi
  if [[ -f $CONF_DIR/config.toml ]] && ! grep -q '^backend = "mpd"' "$CONF_DIR/config.toml"; then
    say "to play the local library, set backend = \"mpd\" in the [music] table of $CONF_DIR/config.toml"
  fi
  done_list+=("mpd installed: put music in $MPD_MUSIC/moods/<emotion>/ (then: mpc update, or restart mpd)")
}

# configure_raspotify CONF NAME: librespot named NAME, found by phones on the LAN (Zeroconf discovery) and
# keeping the credentials a phone hands it (credentials cache): no username, password or OAuth prompt. raspotify
# turns librespot's --foo-bar option into LIBRESPOT_FOO_BAR in CONF; a key commented out is the default.
configure_raspotify() {
  local conf=$1 name=$2 sed_name
  sed_name=$(printf '%s' "$name" | sed 's/[\/&]/\\&/g')  # the name is sed replacement text here
  local edits=(
    -e "s/^#\{0,1\} *LIBRESPOT_NAME=.*/LIBRESPOT_NAME=\"$sed_name\"/"
    -e 's/^ *\(LIBRESPOT_\(DISABLE_DISCOVERY\|DISABLE_CREDENTIAL_CACHE\|USERNAME\|PASSWORD\|ENABLE_OAUTH\)=.*\)/#\1/'
  )
  if [[ -f $conf ]]; then
    local edited
    edited=$(sed "${edits[@]}" "$conf")
    grep -q '^LIBRESPOT_NAME=' <<< "$edited" || edited+=$'\n'"LIBRESPOT_NAME=\"$name\""
    put 0644 root:root "$conf" <<< "$edited"
  else  # a dry run before the package is there
    run sed -i "${edits[@]}" "$conf"
  fi
  done_list+=("$conf: LIBRESPOT_NAME=\"$name\", Zeroconf discovery and credentials cache on, no password/OAuth")
}

install_raspotify() {
  if [[ -z $(apt_available raspotify) ]]; then
    run curl -fsSL -o /usr/share/keyrings/raspotify_key.asc https://dtcooper.github.io/raspotify/key.asc
    put 0644 root:root /etc/apt/sources.list.d/raspotify.list \
      <<< 'deb [signed-by=/usr/share/keyrings/raspotify_key.asc] https://dtcooper.github.io/raspotify raspotify main'
    run apt-get update -qq
  fi
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq raspotify
  done_list+=("raspotify installed")
  local conf=/etc/raspotify/conf name
  name=$(sed -n 's/^device_name *= *"\(.*\)"/\1/p' "$CONF_DIR/config.toml" 2>/dev/null | head -n1 || true)
  name=${name:-Moodify Edge}
  configure_raspotify "$conf" "$name"
  # Lets the service restart a vanished receiver (spotify.receiver_unit), and nothing else.
  put 0644 root:root "$POLKIT_RULE" <<EOF
// Moodify Edge may restart the Spotify Connect receiver when it has vanished from the device list.
polkit.addRule(function (action, subject) {
  if (action.id == "org.freedesktop.systemd1.manage-units" && subject.user == "$SERVICE_USER" &&
      action.lookup("unit") == "raspotify.service" && action.lookup("verb") == "restart") {
    return polkit.Result.YES;
  }
});
EOF
  local cache
  cache=$(sed -n 's/^LIBRESPOT_SYSTEM_CACHE="\{0,1\}\([^"]*\)"\{0,1\}/\1/p' "$conf" 2>/dev/null | head -n1 || true)
  cache=${cache:-/var/cache/raspotify}
  if [[ ! -f $cache/credentials.json ]]; then
    cat <<EOF

ONE STEP LEFT for the speaker "$name", no shell needed (docs/SPOTIFY.md, section 5): on a phone on the same
Wi-Fi, open the Spotify app (the account you log in with on the kiosk), tap the devices icon and choose
"$name" once. librespot keeps the login in $cache and logs in by itself from then on. Until then the
kiosk screen says so (receiver_login_needed).

EOF
  fi
}

# ----------------------------------------------------------------------------- main
((dry_run)) || [[ $(id -u) == 0 ]] || die "run as root: sudo $0 ${given_args[*]}"
((dry_run)) && say "dry run: nothing is changed; every action is printed"

if ((uninstall)); then
  do_uninstall
else
  [[ $(uname -m) == aarch64 ]] || warn "this is $(uname -m), not a 64-bit Raspberry Pi OS (aarch64); going on"
  if ((kiosk)) && [[ -z $kiosk_user ]]; then
    kiosk_user=$(getent passwd 1000 | cut -d: -f1 || true)
  fi
  install_packages
  create_user
  install_package
  install_config
  if ((kiosk)); then install_kiosk; fi
  if ((raspotify)); then install_raspotify; fi
  if ((with_mpd)); then install_mpd; fi
  install_units
fi

echo
say "done. What changed:"
if ((${#done_list[@]})); then printf '  - %s\n' "${done_list[@]}"; else echo "  (nothing: already installed)"; fi
if ((!uninstall)); then
  cat <<EOF

Next: check the setup with  sudo -u $SERVICE_USER $VENV/bin/moodify-edge doctor
      logs:                 journalctl -u moodify-edge -f
      config:               $CONF_DIR/config.toml (then: sudo systemctl restart moodify-edge)
EOF
fi
