"""Progress reporting for long work: a tqdm bar on standard error, or a callback."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: ``callback(done, total)``; used by the dashboard to drive its own progress bar.
ProgressCallback = Callable[[int, int], None]


def track(
    items: Iterable[T],
    total: int,
    desc: str,
    *,
    show: bool | None = None,
    callback: ProgressCallback | None = None,
) -> Iterator[T]:
    """Yield ``items``, showing progress on stderr (when it is a terminal, unless ``show``) and calling ``callback``."""
    if show is None:
        show = sys.stderr.isatty()
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)
    try:
        for done, item in enumerate(items, start=1):
            yield item
            if bar is not None:
                bar.update(1)
            if callback is not None:
                callback(done, total)
    finally:
        if bar is not None:
            bar.close()
