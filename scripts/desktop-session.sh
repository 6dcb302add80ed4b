#!/usr/bin/env bash
# Runs a command inside a private desktop session: an Xvfb display, a private D-Bus session
# bus and dunst (the notification daemon) on it, with dunst keeping every notification in
# its history. Everything is torn down at exit, and the command's exit status is passed on.
# Works as root, over SSH and in CI (it needs no existing session).
#
#   scripts/desktop-session.sh CMD [ARGS...]
#
# The command sees DISPLAY, DBUS_SESSION_BUS_ADDRESS and TANDEM_SESSION_DIR (a scratch
# directory of this session: dunstrc, the logs of Xvfb, dbus and dunst).
# Set DESKTOP_SESSION_SCREEN (default 1280x800x24) to change the screen size.
set -uo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi
for tool in Xvfb dbus-daemon dunst dunstctl; do
    if ! command -v "$tool" > /dev/null; then
        echo "desktop-session: $tool is missing (apt-get install xvfb dbus dunst)" >&2
        exit 127
    fi
done

session_dir=$(mktemp -d "${TMPDIR:-/tmp}/tandem-session.XXXXXX")
xvfb_pid='' dbus_pid='' dunst_pid=''

cleanup() {
    # Only what this script started, by pid, newest first.
    for pid in $dunst_pid $dbus_pid $xvfb_pid; do
        kill "$pid" 2> /dev/null
    done
    for pid in $dunst_pid $dbus_pid $xvfb_pid; do
        for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2> /dev/null
    done
    if [ -n "${display_num:-}" ]; then
        rm -f "/tmp/.X${display_num}-lock" "/tmp/.X11-unix/X${display_num}" 2> /dev/null
    fi
    rm -rf "$session_dir"
}
trap cleanup EXIT
cmd_pid=''
on_signal() { # pass the signal to the command, then clean up
    [ -n "$cmd_pid" ] && kill "-$1" "$cmd_pid" 2> /dev/null && wait "$cmd_pid" 2> /dev/null
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# ---- X: the first free display from :99 on; Xvfb writes its display number on fd 3 ----
screen=${DESKTOP_SESSION_SCREEN:-1280x800x24}
for _ in 1 2 3 4 5; do
    Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp -noreset \
        3> "$session_dir/display" > "$session_dir/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do
        [ -s "$session_dir/display" ] && break
        kill -0 "$xvfb_pid" 2> /dev/null || break
        sleep 0.05
    done
    if [ -s "$session_dir/display" ]; then break; fi
    wait "$xvfb_pid" 2> /dev/null
    xvfb_pid=''
done
if [ -z "$xvfb_pid" ]; then
    echo "desktop-session: Xvfb did not start:" >&2
    cat "$session_dir/xvfb.log" >&2
    exit 1
fi
display_num=$(tr -dc 0-9 < "$session_dir/display")
export DISPLAY=":$display_num"

# ---- D-Bus: a private session bus; its address and pid come back on two lines ----
if ! dbus-daemon --session --fork --nopidfile --print-address=4 --print-pid=5 \
    4> "$session_dir/dbus.address" 5> "$session_dir/dbus.pid" 2> "$session_dir/dbus.log"; then
    echo "desktop-session: dbus-daemon did not start:" >&2
    cat "$session_dir/dbus.log" >&2
    exit 1
fi
dbus_pid=$(tr -dc 0-9 < "$session_dir/dbus.pid")
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$session_dir/dbus.address")
export DBUS_SESSION_BUS_ADDRESS
# Nothing here should reach the user's real session or accessibility bus.
export NO_AT_BRIDGE=1
unset DBUS_SYSTEM_BUS_ADDRESS_OVERRIDE WAYLAND_DISPLAY XDG_SESSION_TYPE
# A private runtime dir (root in CI has none; WebKit and dconf want one).
export XDG_RUNTIME_DIR="$session_dir/runtime"
mkdir -m 700 "$XDG_RUNTIME_DIR"

# ---- dunst: owns org.freedesktop.Notifications, keeps everything in its history ----
cat > "$session_dir/dunstrc" << 'EOF'
[global]
    monitor = 0
    follow = none
    sticky_history = yes
    history_length = 1000
    idle_threshold = 0
    show_indicators = no
    # Nothing times out on its own: a notification leaves the screen only when the app
    # closes it (CloseNotification) or the test does.
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
EOF
dunst -config "$session_dir/dunstrc" > "$session_dir/dunst.log" 2>&1 &
dunst_pid=$!
for _ in $(seq 100); do
    dunstctl count displayed > /dev/null 2>&1 && break
    if ! kill -0 "$dunst_pid" 2> /dev/null; then
        echo "desktop-session: dunst did not start:" >&2
        cat "$session_dir/dunst.log" >&2
        exit 1
    fi
    sleep 0.05
done
if ! dunstctl count displayed > /dev/null 2>&1; then
    echo "desktop-session: dunst does not answer on the session bus" >&2
    cat "$session_dir/dunst.log" >&2
    exit 1
fi

export TANDEM_SESSION_DIR="$session_dir"
echo "desktop-session: DISPLAY=$DISPLAY, private D-Bus session bus, dunst (pid $dunst_pid)" >&2

# The command runs in the background (with our stdin) so a signal reaches the trap at once.
exec 7<&0
"$@" <&7 7<&- &
cmd_pid=$!
exec 7<&-
wait "$cmd_pid"
status=$?
exit "$status"
