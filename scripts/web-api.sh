#!/usr/bin/env bash
# The web studio's typed API client, generated from the gateway's OpenAPI 3.1 document:
#   web/openapi.json          the document, produced by the app itself (no server needed)
#   web/src/api/schema.d.ts   its TypeScript types (openapi-typescript); openapi-fetch calls with them
#
#   web-api.sh generate   regenerate both
#   web-api.sh check      regenerate both and fail, naming `make web-api`, if either changed
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
outputs=(web/openapi.json web/src/api/schema.d.ts)

generate() {
  "$python" -c 'import json, sys; from studio.gateway.app import openapi_document
json.dump(openapi_document(), sys.stdout, indent=2, sort_keys=True, ensure_ascii=False); print()' > web/openapi.json
  # Fields with a default are optional in requests (the server fills them in).
  web/node_modules/.bin/openapi-typescript web/openapi.json -o web/src/api/schema.d.ts --default-non-nullable=false >/dev/null
}

case "${1:-}" in
  generate) generate ;;
  check)
    before=$(mktemp -d)
    trap 'rm -rf "$before"' EXIT
    for file in "${outputs[@]}"; do [ -f "$file" ] && cp "$file" "$before/$(basename "$file")"; done
    generate
    for file in "${outputs[@]}"; do
      if ! cmp -s "$file" "$before/$(basename "$file")"; then
        echo "$file did not match the gateway's API; it is regenerated now: review it, fix the UI if tsc fails, commit (make web-api)" >&2
        exit 1
      fi
    done
    ;;
  *) echo "usage: $0 generate|check" >&2; exit 2 ;;
esac
