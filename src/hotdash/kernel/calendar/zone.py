"""From local wall-clock intervals to UTC ones, exactly, through the zone's offset changes (DST)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from hotdash.kernel.calendar.instants import EPOCH, MICROS

# Offsets are sampled this far apart, then each change is pinned to the second by bisection. Real zones never
# change twice within six hours.
SAMPLE_SECONDS = 6 * 3600

Pieces = list[tuple[int, int, int]]  # (UTC start, UTC end, UTC offset), all microseconds


def _offset(zone: ZoneInfo, second: int) -> int:
    offset = (EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset()
    return 0 if offset is None else offset // timedelta(microseconds=1)


def offset_pieces(zone: ZoneInfo, lo: int, hi: int) -> Pieces:
    """Return stretches of constant UTC offset that cover the UTC instants [lo, hi)."""
    first, last = lo // MICROS - SAMPLE_SECONDS, -(-hi // MICROS) + SAMPLE_SECONDS
    samples = list(range(first, last + SAMPLE_SECONDS, SAMPLE_SECONDS))
    offsets = [_offset(zone, s) for s in samples]
    pieces: Pieces = []
    start, current = samples[0] * MICROS, offsets[0]
    for i in range(1, len(samples)):
        if offsets[i] == current:
            continue
        # The offset changes in (samples[i-1], samples[i]]: find the first second with the new one.
        before, after = samples[i - 1], samples[i]
        while after - before > 1:
            middle = (before + after) // 2
            if _offset(zone, middle) == current:
                before = middle
            else:
                after = middle
        pieces.append((start, after * MICROS, current))
        start, current = after * MICROS, offsets[i]
    pieces.append((start, samples[-1] * MICROS, current))
    return pieces


def to_utc(
    local_starts: NDArray[np.int64], local_ends: NDArray[np.int64], pieces: Pieces
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the UTC instants whose wall-clock reading falls in the local intervals, as sorted intervals.

    Local values are wall-clock readings written as if they were UTC microseconds. Where clocks go forward
    an interval loses the skipped hour; where they go back, the repeated hour is open twice.
    """
    starts: list[NDArray[np.int64]] = []
    ends: list[NDArray[np.int64]] = []
    for piece_start, piece_end, offset in pieces:
        a = np.maximum(local_starts - offset, piece_start)
        b = np.minimum(local_ends - offset, piece_end)
        keep = a < b
        starts.append(a[keep])
        ends.append(b[keep])
    start = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    end = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    # The pieces are disjoint and so are the local intervals: UTC intervals can only touch, never overlap.
    # Join those that touch (midnight of a 24-hour day, an offset change inside an open interval).
    if len(start) > 1:
        new = np.concatenate([[True], start[1:] != end[:-1]])
        last = np.concatenate([new[1:], [True]])
        start, end = start[new], end[last]
    return start.astype(np.int64), end.astype(np.int64)
