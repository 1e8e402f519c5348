# A short tour of the FACS knowledge base that grounds every prompt.
set -euo pipefail
"$TBD" facs au 12
"$TBD" facs emotion fear --level 3
"$TBD" facs parse "Brows raised (AU1+AU2), R12A, lips part 25 and jaw drop (AU 26C)"
echo "\$ tbd facs validate 'AU6 + AU12 + AU99' --emotion happy   (exits 1: AU99 is unknown)"
if "$TBD" facs validate "AU6 + AU12 + AU99" --emotion happy; then exit 1; fi
