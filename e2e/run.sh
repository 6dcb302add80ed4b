#!/usr/bin/env bash
# Runs the desktop end-to-end tests: installs what is missing (e2e/install.sh), checks the
# binaries under test exist (it builds nothing), and runs WebdriverIO inside a private desktop
# session (scripts/desktop-session.sh). Extra arguments go to `wdio run`, e.g. --spec.
#
#   e2e/run.sh                         # binaries from target/debug ($CARGO_TARGET_DIR/debug)
#   TANDEM_TARGET_DIR=/path/to/target/debug e2e/run.sh
# Logs, the bus recording and screenshots land in e2e/artifacts/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
target=${TANDEM_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}/debug}
export TANDEM_BIN=${TANDEM_BIN:-$target/tandem}
export TANDEM_DESKTOP_BIN=${TANDEM_DESKTOP_BIN:-$target/tandem-desktop}

"$here/install.sh"

missing=0
for pair in "$TANDEM_BIN:cargo build -p tandem-cli" "$TANDEM_DESKTOP_BIN:cargo build -p tandem-desktop"; do
    bin=${pair%%:*}
    if [ ! -x "$bin" ]; then
        echo "run.sh: $bin does not exist; build it first: ${pair#*:}" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1

rm -rf "$here/artifacts"
mkdir -p "$here/artifacts"
cd "$here"
exec "$repo/scripts/desktop-session.sh" npx wdio run wdio.conf.mjs "$@"
