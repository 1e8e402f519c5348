#!/usr/bin/env bash
# CoT-FA with the offline FACS-rules reasoner: the four stages, both prompts and the grounding report for a
# public-domain portrait, stored as pending review in a demo database.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD="${TBD:-$(swift build --show-bin-path)/tbd}"
IMAGE=data/astronaut.png
if [ ! -f "$IMAGE" ]; then
  echo "skipped: $IMAGE is not in this checkout"
  exit 0
fi
DB="${TBD_DEMO_DB:-data/out/demo.sqlite}"
mkdir -p "$(dirname "$DB")"
env -u TBD_VLM_URL "$TBD" annotate --image "$IMAGE" --emotion happy --level 3 \
  --subject "a woman in her forties with short dark hair, in a spacesuit" --db "$DB"
echo
env -u TBD_VLM_URL "$TBD" annotate --image "$IMAGE" --emotion surprised --level 2 --mode describe \
  --subject "a woman in her forties with short dark hair" --db "$DB" --json | head -40
