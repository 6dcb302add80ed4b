#!/usr/bin/env bash
# Drives two of alice's devices and bob through `tandem listen` from a shell script: starts a
# lab Prosody, bob writes, the laptop (the active device) notifies while the phone stays
# silent, the phone reads, and the laptop sees the conversation read. Prints PASS or FAIL.
#
#   scripts/two-devices.sh [path/to/tandem]
set -euo pipefail
TANDEM=${1:-target/debug/tandem}
work=$(mktemp -d)
trap 'exec 3>&- 4>&- 5>&- 6>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# The server: serves while its stdin (fd 6) stays open.
mkfifo "$work/lab.in"
"$TANDEM" lab alice:alice-pw bob:bob-pw < "$work/lab.in" > "$work/lab.out" &
exec 6> "$work/lab.in"
for _ in $(seq 100); do grep -q server= "$work/lab.out" 2>/dev/null && break; sleep 0.1; done
read -r server ca domain < <(sed 's/[a-z]*=//g' "$work/lab.out")

profile() { # user resource device
    echo "$1-pw" > "$work/$1.pw"
    "$TANDEM" --data-dir "$work/$1-$2" account set "$1@${domain}" --password-file "$work/$1.pw" \
        --resource "$2" --device "$3" --server "$server" --ca-file "$ca" > /dev/null
}
profile alice phone phone
profile alice laptop desktop
profile bob pc desktop

start() { # name fd-in ; events go to $work/name.jsonl
    mkfifo "$work/$1.in"
    "$TANDEM" --data-dir "$work/$2" listen --json < "$work/$1.in" > "$work/$1.jsonl" &
}
start phone alice-phone;  exec 3> "$work/phone.in"
start laptop alice-laptop; exec 4> "$work/laptop.in"
start bob bob-pc;          exec 5> "$work/bob.in"

wait_for() { # file pattern
    for _ in $(seq 100); do grep -q "$2" "$work/$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "FAIL: $1 never printed $2"; exit 1
}
for d in phone laptop bob; do wait_for $d.jsonl '"event":"catch_up".*"done":true'; done

echo "background" >&3                       # the phone goes into the pocket
echo "presence available" >&4               # alice is at her laptop
sleep 0.5
echo "send alice@${domain} hello from a shell script" >&5
wait_for laptop.jsonl '"event":"notification".*"decision":"notify"'
wait_for phone.jsonl '"event":"notification".*"reason":"active_elsewhere"'
echo "read bob@${domain}" >&3               # read on the phone...
wait_for laptop.jsonl '"event":"read".*"source":"marker"'   # ...read on the laptop
echo "quit" >&3; echo "quit" >&4; echo "quit" >&5
echo PASS
