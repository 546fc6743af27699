"""How the consumer loop cuts one fetched batch into lanes that run side by side."""

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.shared.consumer import LANE_MIN_RECORDS, split_lanes


@dataclass(frozen=True)
class _Record:
    partition: int
    offset: int


@dataclass(frozen=True)
class _Delivery:
    record: _Record


def _batch(per_partition: dict[int, int]) -> list:
    return [_Delivery(_Record(p, o)) for p, n in per_partition.items() for o in range(n)]


def _partitions(lane: list) -> set[int]:
    return {d.record.partition for d in lane}


def test_a_batch_spanning_partitions_runs_in_as_many_lanes_as_asked():
    lanes = split_lanes(_batch({0: 150, 1: 150, 2: 150}), 3)
    assert sorted(map(_partitions, lanes), key=min) == [{0}, {1}, {2}]


def test_a_small_batch_stays_in_one_lane():
    assert len(split_lanes(_batch({0: 40, 1: 40, 2: 19}), 3)) == 1


def test_each_lane_holds_at_least_the_minimum_share_of_records_on_average():
    lanes = split_lanes(_batch({p: 50 for p in range(6)}), 3)  # 300 records: three lanes' worth
    assert len(lanes) == 300 // LANE_MIN_RECORDS


def test_one_partition_never_splits_across_lanes():
    assert len(split_lanes(_batch({4: 1000}), 3)) == 1


def test_without_lanes_the_batch_is_one_transaction():
    assert len(split_lanes(_batch({0: 500, 1: 500}), 1)) == 1


@pytest.mark.parametrize("lanes", [1, 2, 3, 8])
@given(sizes=st.dictionaries(st.integers(0, 11), st.integers(1, 300), min_size=1, max_size=12))
def test_every_record_is_in_exactly_one_lane_in_its_partitions_order(lanes, sizes):
    batch = _batch(sizes)
    split = split_lanes(batch, lanes)
    assert sorted((d.record.partition, d.record.offset) for lane in split for d in lane) == sorted(
        (d.record.partition, d.record.offset) for d in batch)
    for lane in split:
        for p in _partitions(lane):
            offsets = [d.record.offset for d in lane if d.record.partition == p]
            assert offsets == sorted(offsets)
    assert all(len(_partitions(a) & _partitions(b)) == 0 for a in split for b in split if a is not b)
    assert len(split) <= lanes
