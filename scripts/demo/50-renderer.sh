# The renderer's text side: exact CLIP token budgets and the progressive guidance schedule.
set -euo pipefail
"$TBD" model tokenize --text "fear: inner and outer brows raised and drawn together, upper lids raised, lips stretched"
echo "\$ tbd render schedule --steps 20 --split 0.4 --blend paper"
"$TBD" render schedule --steps 20 --split 0.4 --blend paper
echo "\$ tbd render schedule --steps 4 --split 0.3,0.6 --blend smooth --json"
"$TBD" render schedule --steps 4 --split 0.3,0.6 --blend smooth --json
