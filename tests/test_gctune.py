"""The crawl's garbage-collector pace is set for the crawl only and undone after it, even when
the crawl raises."""

from __future__ import annotations

import gc
import weakref

import pytest

from crawler.operations.gctune import GEN0_THRESHOLD, crawl_pace


def test_inside_the_crawl_startup_objects_are_frozen_and_young_collections_rarer():
    before = gc.get_threshold()
    kept = [object() for _ in range(10)]  # alive at the start: frozen with the rest
    with crawl_pace():
        assert gc.get_threshold() == (GEN0_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert kept


def test_garbage_of_before_the_crawl_is_collected_not_frozen():
    class Cycle:
        pass

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    del a, b
    with crawl_pace():
        assert alive() is None


def test_undone_when_the_crawl_raises():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), crawl_pace():
        raise RuntimeError("crawl failed")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
