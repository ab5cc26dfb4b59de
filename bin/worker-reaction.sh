#!/usr/bin/env bash
# Seed-compatible name for `dorch worker`.
exec "$(dirname "$0")/dorch" worker "$@"
