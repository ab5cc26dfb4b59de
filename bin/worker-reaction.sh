#!/usr/bin/env bash
# Seed-compatible name for one worker. Run by hand there is no manager to restart it after each task, so it runs
# `dorch worker --keep-alive`: one process that stays up between tasks (each task still gets a fresh agent process
# and workspace) and never claims to be RESTARTING. For restarts after every task, use `dorch manager --workers 1`.
exec "$(dirname "$0")/dorch" worker --keep-alive "$@"
