"""The per-file pass in worker processes: fast when all is well, contained when not.

Workers die with the run (a ``kill -9`` of the parent leaves no orphan behind), and a
worker that crashes (a native-parser segfault, the kernel's OOM killer) costs a clean
``LL000`` on the one file it was parsing; every other file is still analysed.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING

from layerlint.collect import INTERNAL_ERROR_CODE, collect
from layerlint.diagnostics import Diagnostic, Severity, Span
from layerlint.facts import ModuleFacts
from layerlint.file_context import FileInput
from layerlint.rules import file_rules

if TYPE_CHECKING:
    from layerlint.config import Config
    from layerlint.rules.base import FileRule

Work = tuple[FileInput, bytes, "Config"]
_PR_SET_PDEATHSIG = 1


def build_file_rules(config: Config) -> list[FileRule]:
    """Every file rule (opt-in ones too: selection is applied after the cache)."""
    return [rule(config.options_for(rule.code)) for rule in file_rules()]


def _collect_chunk(job: tuple[Config, list[tuple[FileInput, bytes]]]) -> list[bytes]:
    """Worker side: facts of a chunk of files, pickled once here.

    The parent stores these bytes in the cache as they are and unpickles them for use,
    so facts cross the process boundary and reach the disk with a single pickling.
    """
    config, chunk = job
    rules = build_file_rules(config)
    return [
        pickle.dumps(collect(info, source, rules), protocol=pickle.HIGHEST_PROTOCOL)
        for info, source in chunk
    ]


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this process as soon as the run that started it is gone."""
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="layerlint-parent-watch").start()


def _mp_context() -> BaseContext:
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def crashed_facts(info: FileInput) -> bytes:
    """Pickled facts that say the analysis process died on this file."""
    diagnostic = Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message="the analysis process crashed on this file; it was not checked "
        "(please report this)",
        path=info.path,
        span=Span(1, 1, 1, 1),
        severity=Severity.INTERNAL,
        layer=info.layer,
    )
    facts = ModuleFacts(
        info.path, info.module, info.is_package, diagnostics=(diagnostic,), parsed=False
    )
    return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)


def collect_in_workers(
    work: Sequence[Work],
    digests: Sequence[str],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> Iterator[tuple[bytes, str]]:
    """Pickled facts and cache digest of every file, parsed by ``workers`` processes.

    A crashed file is yielded with an empty digest, so its ``LL000`` is never cached
    and the next run tries it again.
    """
    config = work[0][2]
    # Interleaved chunks balance big and small files; a few chunks per worker keeps the
    # progress bar moving without paying per-file inter-process overhead.
    # Chunks of about 16 files move it every second or so even on a cold, large run.
    chunk_count = min(len(work), max(workers * 4, len(work) // 16))
    chunks = [list(range(i, len(work), chunk_count)) for i in range(chunk_count)]
    done = 0
    unfinished: list[int] = []
    with _pool(workers) as pool:
        futures = {
            pool.submit(_collect_chunk, (config, [(work[i][0], work[i][1]) for i in chunk])): chunk
            for chunk in chunks
        }
        for future in as_completed(futures):
            chunk = futures[future]
            results = _result(future)
            if results is None:
                unfinished.extend(chunk)
                continue
            for index, pickled in zip(chunk, results, strict=True):
                yield pickled, digests[index]
            done += len(chunk)
            if progress:
                progress(done, len(work))
    if unfinished:
        for index, pickled, crashed in _one_by_one(work, sorted(unfinished), workers):
            yield pickled, "" if crashed else digests[index]
            done += 1
            if progress:
                progress(done, len(work))


def _result(future: Future[list[bytes]]) -> list[bytes] | None:
    try:
        return future.result()
    except BrokenProcessPool:
        return None


def _single(work: Sequence[Work], index: int) -> tuple[Config, list[tuple[FileInput, bytes]]]:
    info, data, config = work[index]
    return config, [(info, data)]


def _one_by_one(
    work: Sequence[Work], indexes: Sequence[int], workers: int
) -> Iterator[tuple[int, bytes, bool]]:
    """After a worker crash: each remaining file alone, so the crash is pinned to one.

    Yields (index, pickled facts, whether the file crashed its worker).
    """
    pending = list(indexes)
    while pending:
        with _pool(workers) as pool:
            futures = {i: pool.submit(_collect_chunk, _single(work, i)) for i in pending}
            survivors: list[int] = []
            for index, future in futures.items():
                results = _result(future)
                if results is not None:
                    yield index, results[0], False
                else:
                    survivors.append(index)
        if not survivors:
            return
        # A broken pool fails every file it had not finished: the first of them is the
        # likeliest culprit, so it runs alone to know for sure.
        first, pending = survivors[0], survivors[1:]
        with _pool(1) as pool:
            results = _result(pool.submit(_collect_chunk, _single(work, first)))
        if results is not None:
            yield first, results[0], False
        else:
            yield first, crashed_facts(work[first][0]), True
