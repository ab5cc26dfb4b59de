#!/usr/bin/env bash
# Seed-compatible name for `dorch manager`.
exec "$(dirname "$0")/dorch" manager "$@"
