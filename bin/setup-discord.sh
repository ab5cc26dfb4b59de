#!/usr/bin/env bash
# Seed-compatible name for `dorch setup`.
exec "$(dirname "$0")/dorch" setup "$@"
