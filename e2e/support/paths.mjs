// Where the binaries under test are. Override with TANDEM_BIN / TANDEM_DESKTOP_BIN, or point
// TANDEM_TARGET_DIR at a cargo profile directory (default: $CARGO_TARGET_DIR/debug, else the
// repository's target/debug).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(E2E_DIR);
const targetDir =
  process.env.TANDEM_TARGET_DIR ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(REPO_DIR, 'target'), 'debug');

export const TANDEM_BIN = process.env.TANDEM_BIN ?? path.join(targetDir, 'tandem');
export const DESKTOP_BIN = process.env.TANDEM_DESKTOP_BIN ?? path.join(targetDir, 'tandem-desktop');

/** Throws a readable error when a binary is missing. */
export function requireBinary(file, buildHint) {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: build it first (${buildHint})`);
  }
  return file;
}
