"""Hallo's own code, read at run time from a copy the user names.

Hallo (github.com/fudan-generative-vision/hallo, MIT) is not vendored: the scripts that run its modules copy the
files they need out of a Hallo checkout or a bare git directory (a mirror) into a temporary folder and import
them from there. Where that copy lives differs between machines, so there is no default: --hallo DIR, or the
TBD_HALLO_SRC environment variable when --hallo is not given. Commit 8fd7c57 made the committed fixtures.
"""
import io
import os
import shutil
import subprocess
import sys
import tarfile

ENVIRONMENT = "TBD_HALLO_SRC"


def add_argument(parser):
    parser.add_argument("--hallo", metavar="DIR", default=os.environ.get(ENVIRONMENT) or None,
                        help=f"a Hallo checkout or bare git directory, commit 8fd7c57 (default: ${ENVIRONMENT})")


def require(source):
    """SOURCE as given by --hallo or TBD_HALLO_SRC; exits with what to do when it is missing or not a folder."""
    if not source:
        sys.exit(f"no Hallo source: pass --hallo DIR or set {ENVIRONMENT} to a Hallo checkout or bare git directory "
                 "(git clone https://github.com/fudan-generative-vision/hallo)")
    if not os.path.isdir(source):
        sys.exit(f"Hallo source {source} (from --hallo or {ENVIRONMENT}) is not a folder")
    return source


def read(source, path):
    """One text file of Hallo, from a checkout or from a bare git directory."""
    if os.path.isfile(os.path.join(source, path)):
        with open(os.path.join(source, path), encoding="utf-8") as handle:
            return handle.read()
    return subprocess.run(["git", "--git-dir", source, "show", "HEAD:" + path],
                          check=True, capture_output=True, text=True).stdout


def extract(source, paths, workdir):
    """Copies Hallo's PATHS (files or folders) into WORKDIR under the same relative names."""
    for path in paths:
        if os.path.exists(os.path.join(source, path)):  # a checkout
            target = os.path.join(workdir, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(os.path.join(source, path)):
                shutil.copytree(os.path.join(source, path), target)
            else:
                shutil.copyfile(os.path.join(source, path), target)
        else:
            archive = subprocess.run(["git", "--git-dir", source, "archive", "HEAD", path],
                                     check=True, capture_output=True).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(workdir)


def stub_xformers():
    """Hallo's motion_module.py imports xformers at module level but never calls it on CPU: empty stand-ins."""
    import importlib.machinery
    import types
    for name in ["xformers", "xformers.ops"]:
        stub = types.ModuleType(name)
        stub.__spec__ = importlib.machinery.ModuleSpec(name, None)
        sys.modules[name] = stub
    sys.modules["xformers"].ops = sys.modules["xformers.ops"]


def import_into(source, paths, workdir, xformers_stub=False):
    """Copies PATHS of Hallo into WORKDIR, makes every folder above them a package, and puts WORKDIR first on
    sys.path, so that `import hallo.models...` then reads the copy."""
    extract(source, paths, workdir)
    for path in paths:
        folder = os.path.dirname(path.rstrip("/")) if os.path.isfile(os.path.join(workdir, path)) else path
        while folder:
            init = os.path.join(workdir, folder, "__init__.py")
            if not os.path.exists(init):
                open(init, "w").close()
            folder = os.path.dirname(folder)
    import diffusers  # noqa: F401  (imported before Hallo, as its own scripts do)
    if xformers_stub:
        stub_xformers()
    sys.path.insert(0, workdir)


def commit(source):
    """HEAD's short hash for the VERSIONS record; "checkout" for a copy that is not a git repository. Only
    SOURCE itself or its .git is asked, never a repository that happens to enclose a plain copy."""
    for git_dir in [source, os.path.join(source, ".git")]:  # a bare git directory, or a checkout's repository
        found = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "--short", "HEAD"], capture_output=True,
                               text=True)
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return "checkout"
