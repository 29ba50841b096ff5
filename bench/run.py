"""Benchmark layerlint against the tools users already run, on the same real files.

Not a test: run by hand (``python bench/run.py``). It fetches the pinned corpus with
``bench/corpus/fetch.sh`` (into ``.corpus/``, ignored by git), then times, several runs
each, and prints medians and ratios:

- layerlint cold (``--no-cache``) vs ``flake8 --jobs 2`` and ``ruff check --no-cache
  --select ALL`` on prefect/server;
- layerlint warm (cache filled, nothing changed) vs ruff on all of prefect;
- layerlint after touching one file, vs the warm run;
- peak memory (max RSS of the process tree) of a cold run on all of prefect.
Tools that are not installed (lint-imports, fixit) are reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FETCH = REPO / "bench" / "corpus" / "fetch.sh"


def corpus_root(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    target = REPO / ".corpus"
    done = subprocess.run(["bash", str(FETCH), str(target)], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


TOOLS_VENV = REPO / ".bench-tools"
TOOLS = ("flake8", "ruff", "import-linter", "fixit")


def tools_venv() -> Path:
    """A virtualenv with the comparison tools only, so flake8 runs without our plugin."""
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *TOOLS], check=False)
    return TOOLS_VENV / "bin"


def tool(name: str) -> str | None:
    """A comparison tool from the tools venv; layerlint from this interpreter's venv."""
    if name == "layerlint":
        local = Path(sys.executable).with_name(name)
        return str(local) if local.exists() else shutil.which(name)
    candidate = tools_venv() / name
    return str(candidate) if candidate.exists() else None


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def median(command: list[str], cwd: Path, runs: int, before: object = None) -> float:
    samples = []
    for _ in range(runs):
        if callable(before):
            before()
        samples.append(timed(command, cwd))
    return statistics.median(samples)


def peak_rss_mb(command: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def count_files(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return len(files), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", help="folder holding prefect/ (default: fetch into .corpus)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    src = corpus_root(args.corpus)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "prefect"
        shutil.copytree(src / "prefect", work)
        server = work / "prefect" / "server"
        layerlint = [tool("layerlint") or "layerlint", "check", "--format", "json", "-o", os.devnull]
        results: dict[str, float] = {}
        n_server, l_server = count_files(server)
        n_all, l_all = count_files(work)
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"prefect/server: {n_server} files, {l_server} lines; prefect: {n_all} files, {l_all} lines")

        results["layerlint cold (server)"] = median([*layerlint, "--no-cache", "."], server, args.runs)
        flake8 = tool("flake8")
        if flake8:
            results["flake8 -j2 (server)"] = median([flake8, "--jobs", "2", "."], server, args.runs)
        ruff = tool("ruff")
        if ruff:
            results["ruff ALL (server)"] = median([ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "."], server, args.runs)
            results["ruff ALL (all prefect)"] = median([ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "."], work, args.runs)
        subprocess.run([*layerlint, "."], cwd=work, stdout=subprocess.DEVNULL)
        results["layerlint warm (all prefect)"] = median([*layerlint, "."], work, args.runs)
        target = server / "api" / "flows.py"
        original = target.read_bytes()
        counter = iter(range(1000))

        def touch() -> None:
            target.write_bytes(original + f"\n# edit {next(counter)}\n".encode())

        results["layerlint one file changed (all prefect)"] = median([*layerlint, "."], work, args.runs, before=touch)
        lint_imports = tool("lint-imports")
        if lint_imports:
            contract = work / ".importlinter"
            contract.write_text(
                "[importlinter]\nroot_package = prefect\n\n"
                "[importlinter:contract:layers]\nname = server layers\ntype = layers\n"
                "layers =\n    prefect.server.api\n    prefect.server.services\n"
                "    prefect.server.models\n    prefect.server.database\n"
            )
            env = dict(os.environ, PYTHONPATH=str(work))
            samples = [timed([lint_imports, "--no-cache"], work, env) for _ in range(args.runs)]
            results["lint-imports layers (all prefect)"] = statistics.median(samples)
        fixit = tool("fixit")
        if fixit:
            results["fixit lint (server)"] = timed([fixit, "lint", "."], server)
        rss = peak_rss_mb([*layerlint, "--no-cache", "."], work)

    print()
    for name, seconds in results.items():
        print(f"{name:45} {seconds:7.2f} s")
    print(f"{'layerlint cold peak RSS (all prefect)':45} {rss:7.0f} MB")

    def ratio(a: str, b: str) -> None:
        if a in results and b in results:
            print(f"{a} / {b}: {results[a] / results[b]:.2f}x")

    print()
    ratio("layerlint cold (server)", "flake8 -j2 (server)")
    ratio("layerlint cold (server)", "fixit lint (server)")
    ratio("layerlint warm (all prefect)", "lint-imports layers (all prefect)")
    ratio("layerlint warm (all prefect)", "ruff ALL (all prefect)")
    ratio("layerlint one file changed (all prefect)", "layerlint warm (all prefect)")


if __name__ == "__main__":
    main()
