#!/usr/bin/env bash
# The seed's tests/debug-discord.sh: now `dorch doctor` (checks every bot, channel, permission and intent).
exec "$(dirname "$0")/../bin/dorch" doctor "$@"
