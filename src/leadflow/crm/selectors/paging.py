"""Paging the work queues at a million people without counting or sorting every candidate.

Django's Paginator needs `count()` and a slice. A queue hands it one of these instead of
a queryset:

- the count stops at `COUNT_CAP + 1` rows, so a queue of 100,000 callable leads costs
  the same to count as one of 1,001 (the page says "1000+": nobody works a queue from
  its thousandth row, and a count that checks every lead's open opportunities would
  cost more than the whole rest of the page);
- the slice is cut from parts that the database returns already in order through an
  index, so only as many rows as the page needs are ever sorted: the call list's
  temperature groups one after another (`ConcatenatedIds`), the Tasks page's sources
  merged by due date (`MergedIds`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, overload

from django.db.models import QuerySet

COUNT_CAP = 1000

Ids = QuerySet[Any, int]


class CappedIds:
    """A queue's ids in order (one queryset), counted up to the cap."""

    def __init__(self, ids: Ids, *, cap: int = COUNT_CAP) -> None:
        self.ids = ids
        self.cap = cap

    def count(self) -> int:
        # Unordered: the database stops at the cap without sorting anything.
        return self.ids.order_by()[: self.cap + 1].count()

    def capped(self, count: int) -> bool:
        return count > self.cap

    def cut(self, start: int, stop: int) -> list[int]:
        """The ids from position `start` up to `stop`, in the queue's order."""
        return list(self.ids[start:stop])

    # The sequence Django's Paginator takes (it only ever slices a page).
    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            return self.cut(index, index + 1)[0]
        if index.step not in (None, 1) or index.stop is None:
            raise TypeError("a queue is cut by page: [start:stop]")
        return self.cut(index.start or 0, index.stop)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[int]:
        return iter(self.cut(0, self.cap + 1))


class ConcatenatedIds(CappedIds):
    """Ids from ordered parts, every row of a part before every row of the next.

    A page takes rows from the first part, then the next, until it is full: a part the
    page does not reach is never queried, nor sorted.
    """

    def __init__(self, parts: Sequence[Ids], *, counted: Ids, cap: int = COUNT_CAP) -> None:
        super().__init__(counted, cap=cap)
        self.parts = parts

    def cut(self, start: int, stop: int) -> list[int]:
        found: list[int] = []
        for part in self.parts:
            if len(found) >= stop:
                break
            found.extend(part[: stop - len(found)])
        return found[start:stop]


class MergedIds(CappedIds):
    """Ids from parts that are each in order of `key` (a tuple ending with the id),
    merged into one order: each part gives at most one page's worth of rows."""

    def __init__(
        self,
        parts: Sequence[QuerySet[Any, Any]],
        *,
        key: Callable[[Any], tuple[Any, ...]],
        counted: Ids,
        cap: int = COUNT_CAP,
    ) -> None:
        super().__init__(counted, cap=cap)
        self.parts = parts
        self.key = key

    def cut(self, start: int, stop: int) -> list[int]:
        streams: list[Iterable[tuple[Any, ...]]] = [
            [self.key(row) for row in part[:stop]] for part in self.parts
        ]
        merged = heapq.merge(*streams)
        return [key[-1] for key in islice(merged, start, stop)]
