"""Runs in fresh processes, for benchmarks that compare variants without
one run's memory or caches leaking into the next."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def in_fresh_process(target: Callable[..., None], *args: Any) -> Any:
    """Run ``target(*args, queue)`` in a newly spawned interpreter and
    return what it put on the queue."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(*args, out))
    process.start()
    result = out.get()
    process.join()
    return result


def alternated(variants: Sequence[T], rounds: int) -> Iterator[tuple[int, T]]:
    """(round, variant) pairs, the order reversed every other round so that
    neither side always runs first (on a cold page cache, say)."""
    for round_ in range(rounds):
        for variant in variants if round_ % 2 == 0 else list(reversed(variants)):
            yield round_, variant
