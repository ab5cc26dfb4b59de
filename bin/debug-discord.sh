#!/usr/bin/env bash
# Seed-compatible name for `dorch doctor`.
exec "$(dirname "$0")/dorch" doctor "$@"
