#!/usr/bin/env bash
# Seed-compatible name for `dorch submit`.
exec "$(dirname "$0")/dorch" submit "$@"
