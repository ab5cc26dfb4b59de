#!/bin/sh
# The bench's agent, the smallest real one: records that it ran (for the duplicate check), answers with the prompt.
if [ -n "$AGENT_LOG" ]; then echo "$DORCH_TASK_ID" >> "$AGENT_LOG"; fi
echo "OK"
cat
