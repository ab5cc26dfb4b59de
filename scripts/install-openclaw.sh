#!/usr/bin/env bash
# Install the real OpenClaw CLI into the git-ignored .tools/ folder: Node 24 from npm, then a pinned openclaw.
#
# Two steps on purpose: openclaw's preinstall runs under whatever `node` is first on PATH, so installing node and
# openclaw in one `npm install` runs it under the system Node 20 and fails. The version is pinned because an unpinned
# install under Node 20 silently resolves to the empty 0.0.1 placeholder (see /work/shared/reference/openclaw.md §1).
#
# Idempotent: each step is skipped when the right version is already installed. Quiet on success apart from a
# two-line summary. Override the versions with NODE24_VERSION / OPENCLAW_VERSION.
set -euo pipefail

NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
OPENCLAW_VERSION="${OPENCLAW_VERSION:-2026.9.6}"

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
node_prefix="$tools/node24"
openclaw_prefix="$tools/openclaw"
node_bin_dir="$node_prefix/node_modules/.bin"
openclaw_bin="$openclaw_prefix/node_modules/.bin/openclaw"

fail() {
  echo "install-openclaw: $*" >&2
  exit 1
}

# Print the "version" field of a package.json, or nothing when the file is absent or unreadable.
installed_version() {
  local file="$1"
  [ -f "$file" ] || return 0
  node -e 'try { process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version ?? "")) } catch {}' "$file"
}

# Run npm quietly; show its output only when it fails.
quiet_npm() {
  local log
  log="$(mktemp)"
  if ! npm "$@" --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

command -v npm >/dev/null 2>&1 || fail "npm not found on PATH; install Node.js (>= 20) with npm first"
command -v node >/dev/null 2>&1 || fail "node not found on PATH; install Node.js (>= 20) first"
mkdir -p "$tools"

# Step 1: Node 24 as an npm package (it ships a real `node` binary in node_modules/.bin).
if [ "$(installed_version "$node_prefix/node_modules/node/package.json")" != "$NODE24_VERSION" ] || [ ! -x "$node_bin_dir/node" ]; then
  quiet_npm install --prefix "$node_prefix" "node@$NODE24_VERSION" ||
    fail "could not install node@$NODE24_VERSION into $node_prefix (see npm output above)"
fi
node24_actual="$("$node_bin_dir/node" --version 2>/dev/null)" || fail "$node_bin_dir/node does not run"
[ "$node24_actual" = "v$NODE24_VERSION" ] || fail "$node_bin_dir/node reports $node24_actual, expected v$NODE24_VERSION"

# Step 2: openclaw, with Node 24 first on PATH so its preinstall and engines check see Node 24.
export PATH="$node_bin_dir:$PATH"
if [ "$(installed_version "$openclaw_prefix/node_modules/openclaw/package.json")" != "$OPENCLAW_VERSION" ] || [ ! -x "$openclaw_bin" ]; then
  quiet_npm install --prefix "$openclaw_prefix" "openclaw@$OPENCLAW_VERSION" ||
    fail "could not install openclaw@$OPENCLAW_VERSION into $openclaw_prefix (see npm output above)"
fi
openclaw_actual="$("$openclaw_bin" --version 2>/dev/null | head -n 1)" ||
  fail "$openclaw_bin --version failed under $node24_actual"
case "$openclaw_actual" in
  *"$OPENCLAW_VERSION"*) ;;
  *) fail "$openclaw_bin reports '$openclaw_actual', expected $OPENCLAW_VERSION" ;;
esac

echo "node $node24_actual: $node_bin_dir/node"
echo "openclaw $OPENCLAW_VERSION: $openclaw_bin"
