"""`new_uuids`: the ids of bulk inserts are random version-4 UUIDs, as `new_uuid`'s."""

from __future__ import annotations

import uuid
from itertools import islice

from shared.types import new_uuid, new_uuids


def test_bulk_ids_are_distinct_random_version_4_uuids_across_chunks():
    ids = list(islice(new_uuids(chunk=8), 100))  # several reads of the random source
    assert len(set(ids)) == 100
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert {i.version for i in (new_uuid(), *ids[:1])} == {4}
    # Random bits everywhere but the version and variant: no two ids share their first half.
    assert len({i.int >> 64 for i in ids}) == 100
