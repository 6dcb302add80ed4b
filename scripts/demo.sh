#!/usr/bin/env bash
# The main job: a local Prosody where alice's laptop and phone and bob exchange messages,
# printed as a timeline. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo run --quiet -p tandem-cli -- demo
