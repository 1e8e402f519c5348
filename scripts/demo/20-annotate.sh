#!/usr/bin/env bash
# CoT-FA with the offline FACS-rules reasoner: the four stages, both prompts and the grounding report for a
# public-domain portrait, stored as pending review in the review database.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD="${TBD:-$(swift build --show-bin-path)/tbd}"
IMAGE=data/astronaut.png
if [ ! -f "$IMAGE" ]; then
  echo "skipped: $IMAGE is not in this checkout"
  exit 0
fi
# The review store the later demo steps read (tbd review stats, tbd export).
DB="${TBD_DB:-data/tbd.sqlite}"
env -u TBD_VLM_URL "$TBD" annotate --image "$IMAGE" --emotion happy --level 3 \
  --subject "a woman in her forties with short dark hair, in a spacesuit" --db "$DB" --again
echo
mkdir -p data/out
env -u TBD_VLM_URL "$TBD" annotate --image "$IMAGE" --emotion surprised --level 2 --mode describe \
  --subject "a woman in her forties with short dark hair" --db "$DB" --again --json > data/out/annotate-describe.json
echo "JSON record (first 30 lines of data/out/annotate-describe.json):"
sed -n '1,30p' data/out/annotate-describe.json
