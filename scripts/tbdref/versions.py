"""Package versions pinned by the fixture scripts: one check, one record.

Fixtures are compared bit for bit in review, and the reference stacks change numerics between releases, so a
script refuses to run with anything but the versions its docstring installs.
"""
import importlib
import json
import sys


def matches(found, pin):
    """A pin that ends with "." names a release series ("1.26." takes 1.26.4); any other pin is exact."""
    return found.startswith(pin) if pin.endswith(".") else found == pin


def require(pinned):
    """Imports each package of PINNED ({import name: version}) and exits naming every package whose version
    differs, found against pinned; returns the versions found, in PINNED's order."""
    found = {name: importlib.import_module(name).__version__ for name in pinned}
    wrong = [f"{name} {found[name]} found, pinned {pin + '*' if pin.endswith('.') else pin}"
             for name, pin in pinned.items() if not matches(found[name], pin)]
    if wrong:
        sys.exit("reference versions differ from the pinned ones (see the script's docstring): " + "; ".join(wrong))
    return found


def write_record(path, record):
    """VERSIONS.json beside regenerated fixtures: keys sorted so that reruns give the same bytes, final newline."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write("\n")
