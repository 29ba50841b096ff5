"""Which files git ignores, asked of git itself (``git check-ignore``).

Inside a git work tree git knows every ``.gitignore``, ``.git/info/exclude`` and the
global excludes file exactly; re-implementing that matching would only drift from it.
Outside a work tree, or without git, nothing is ignored.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path


def ignored_paths(root: Path, relatives: Sequence[str]) -> set[str]:
    """The members of ``relatives`` (paths relative to ``root``) that git ignores."""
    git = shutil.which("git")
    if git is None or not relatives:
        return set()
    try:
        done = subprocess.run(
            [git, "-C", str(root), "check-ignore", "-z", "--stdin"],
            input="\0".join(relatives).encode("utf-8", "surrogateescape") + b"\0",
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    # 0: some paths ignored, 1: none, 128: not a work tree (or another fatal error).
    if done.returncode != 0:
        return set()
    found = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    wanted = set(relatives)
    return {path for path in found if path in wanted}
