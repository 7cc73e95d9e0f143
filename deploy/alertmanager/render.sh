#!/bin/sh
# Renders alertmanager.yml.tmpl with TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID and SLACK_WEBHOOK_URL.
# Usage: render.sh TEMPLATE OUT   (the compose service runs it before starting Alertmanager)
set -eu
if [ "${1:-}" = "--help" ] || [ $# -ne 2 ]; then
  echo "usage: $0 TEMPLATE OUT  (needs TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID; SLACK_WEBHOOK_URL optional)"
  [ "${1:-}" = "--help" ] && exit 0 || exit 2
fi
: "${TELEGRAM_BOT_TOKEN:?TELEGRAM_BOT_TOKEN is not set (see .env.example)}"
: "${TELEGRAM_CHAT_ID:?TELEGRAM_CHAT_ID is not set (see .env.example)}"
case "$TELEGRAM_CHAT_ID" in
  ''|*[!0-9-]*) echo "TELEGRAM_CHAT_ID must be a number, got '$TELEGRAM_CHAT_ID'" >&2; exit 2 ;;
esac
# Without Slack the critical route still has Telegram; Slack gets a placeholder that fails loudly in its logs.
slack="${SLACK_WEBHOOK_URL:-http://127.0.0.1:9/slack-webhook-not-configured}"
escape() { printf '%s' "$1" | sed -e 's/[\\/&|]/\\&/g' -e "s/'/''/g"; }
sed -e "s|\${TELEGRAM_BOT_TOKEN}|$(escape "$TELEGRAM_BOT_TOKEN")|g" \
    -e "s|\${TELEGRAM_CHAT_ID}|$TELEGRAM_CHAT_ID|g" \
    -e "s|\${SLACK_WEBHOOK_URL}|$(escape "$slack")|g" "$1" > "$2"
