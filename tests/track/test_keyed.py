"""The keyed store registration keeps its ADS-B references and each radar's last plots in
(track/keyed.py): the latest row per identity, grown by doubling, expired by age."""

from __future__ import annotations

import numpy as np

from airpicture.track.keyed import KeyedStore


def test_the_latest_row_per_identity_is_kept_and_old_ones_expire() -> None:
    st = KeyedStore({"p": (3,), "alt": ()}, capacity=4)
    ids = np.arange(10, 20)
    new, s = st.put(ids, np.full(10, 5.0))  # more than the capacity: it grows
    st.col["p"][s] = np.arange(30.0).reshape(10, 3)[new]
    assert len(st) == 10 and len(st.id) >= 10
    # an older row does not replace a newer one; a newer one does, in the same slot
    new, s2 = st.put(np.array([12, 13]), np.array([4.0, 6.0]))
    assert list(new) == [1] and s2[0] == st.lookup(np.array([13]))[0]
    assert st.lookup(np.array([99]))[0] == -1  # never held
    assert st.col["p"][st.lookup(np.array([12]))[0]].tolist() == [6.0, 7.0, 8.0]
    st.expire(5.5)  # rows last written before 5.5 go; 13 (written at 6) stays
    assert len(st) == 1 and st.lookup(np.array([13]))[0] >= 0 and st.lookup(np.array([12]))[0] == -1
    # freed slots are reused: the store does not grow while identities come and go
    cap = len(st.id)
    for k in range(20):
        st.put(np.arange(100 * k, 100 * k + 8), np.full(8, 10.0 + k))
        st.expire(10.0 + k)
    assert len(st.id) == cap
