# Batch annotation of a small MEAD-shaped tree with the offline reasoner: plan, run, and a re-run that resumes.
# The face check stays on: the sample's clips are made from the astronaut photograph, whose face MTCNN finds at the
# sample's 128x128 pixels (make deps fetched its weights). Synthetic data with no face would need --no-face-check.
set -euo pipefail
db="${TBD_DB:-data/tbd.sqlite}"
scripts/make-sample-mead.sh data/mead-sample
echo "\$ tbd batch mead data/mead-sample --dry-run"
env -u TBD_VLM_URL "$TBD" batch mead data/mead-sample --dry-run --db "$db"
echo
echo "\$ tbd batch mead data/mead-sample"
env -u TBD_VLM_URL "$TBD" batch mead data/mead-sample --db "$db"
echo
echo "\$ tbd batch mead data/mead-sample   (again: finished units are skipped)"
env -u TBD_VLM_URL "$TBD" batch mead data/mead-sample --db "$db"
echo
# A curator's first decisions, so the render step has approved pairs to draw from the queue.
for id in $("$TBD" review list --db "$db" --status pending --emotion happy --limit 2 --json | grep -o '"id" : [0-9]*' | grep -o '[0-9]*$'); do
  "$TBD" review approve "$id" --curator demo --db "$db"
done
