"""Where the committed fixtures live, and the frame every fixture script built on Hallo's code runs in."""
import contextlib
import os
import shutil
import tempfile

from tbdref import hallo_source, versions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RENDERER = os.path.join(ROOT, "Tests", "RendererTests", "Fixtures")
TENSORS = os.path.join(ROOT, "Tests", "TensorsTests", "Fixtures")  # tensor operations and safetensors dtypes


def report_written(folder):
    """Prints FOLDER's total size, so that a fixture that grows shows in the output."""
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    print(f"wrote {folder} ({total / 1024:.0f} KB)")


@contextlib.contextmanager
def hallo_fixture_run(parser, pinned, out, prefix):
    """Parses PARSER's arguments plus --hallo, checks the PINNED versions and yields (args, a temporary folder for
    Hallo's code); when the block completes, OUT/VERSIONS.json records the versions and Hallo's commit. The
    temporary folder is removed however the block ends."""
    hallo_source.add_argument(parser)
    args = parser.parse_args()
    hallo_source.require(args.hallo)
    found = versions.require(pinned)
    workdir = tempfile.mkdtemp(prefix=prefix)
    try:
        yield args, workdir
        versions.write_record(os.path.join(out, "VERSIONS.json"), {**found, "hallo": hallo_source.commit(args.hallo)})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report_written(out)
