#!/usr/bin/env bash
# Seed-compatible name for `dorch stop --force` (the emergency stop).
exec "$(dirname "$0")/dorch" stop --force "$@"
