#!/usr/bin/env bash
# Seed-compatible name for `dorch clear`.
exec "$(dirname "$0")/dorch" clear "$@"
