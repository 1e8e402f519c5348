"""What the Python scripts under scripts/ share, each kind of thing once.

A script run as `python scripts/NAME.py` finds this package because Python puts the script's own folder
(scripts/) first on sys.path; the scripts under scripts/bench/ put scripts/ there themselves. No module imports
torch or any other pinned package at import time, so a script that imports them late (the Hallo fixture scripts,
the converters) answers --help in any Python 3.

    versions      the pinned versions a fixture script checks, and the VERSIONS.json it writes
    hallo_source  Hallo's own code, read at run time from the copy named by --hallo or TBD_HALLO_SRC
    pickles       torch pickles read as data only (weights_only=True)
    tensors       fixture tensors: float32 copies, safetensors files with stable bytes, random weights
    fixtures      where the committed fixtures live, and the frame of the fixture scripts built on Hallo's code
    wav           16-bit mono WAV files
"""
