"""The identity book: better source wins, a worse one replaces a field only once it is stale,
identities not heard for EXPIRE_S go, and a picture gets the info of its own identities only."""

from __future__ import annotations

import math

import numpy as np

from airpicture.sources.modes import AircraftInfo, describe
from airpicture.track.identity import EXPIRE_S, STALE_S, IdentityBook

A, B = 0x3C6444, 0x400001


def test_a_better_source_wins_and_a_worse_one_is_held_off_while_fresh() -> None:
    book = IdentityBook()
    book.update({A: "DLH9U"}, {A: {"callsign": "DLH9U", "squawk": "1000"}}, 100.0, "commb")
    book.update({A: "DLH9UX"}, {A: {"callsign": "DLH9UX"}}, 101.0, "adsb")  # better: replaces
    names, info = book.describe(np.array([A]))
    assert names == {A: "DLH9UX"} and info[A] == {"callsign": "DLH9UX", "squawk": "1000"}
    f = book.fact(A, "callsign")
    assert f is not None and (f.source, f.time_s) == ("adsb", 101.0)
    book.update({A: "WRONG"}, {A: {"callsign": "WRONG"}}, 101.0 + STALE_S, "sbs")  # worse, fresh
    assert book.describe(np.array([A]))[0] == {A: "DLH9UX"}
    assert book.counts["held"] == 2  # the name and the callsign
    # a field the better source never gave is the worse source's to set
    book.update(None, {A: {"category": "A3"}}, 102.0, "sbs")
    assert book.describe(np.array([A]))[1][A]["category"] == "A3"


def test_a_worse_source_replaces_a_stale_field() -> None:
    book = IdentityBook()
    book.update({A: "DLH9U"}, None, 0.0, "adsb")
    book.update({A: "DLH4"}, None, STALE_S + 0.5, "commb")
    assert book.describe(np.array([A]))[0] == {A: "DLH4"}
    f = book.fact(A, "name")
    assert f is not None and f.source == "commb"
    # an equally good source replaces at once; an older batch of it does not undo a newer one
    book.update({A: "DLH5"}, None, STALE_S + 1.0, "modes")
    book.update({A: "DLH3"}, None, STALE_S, "modes")
    assert book.describe(np.array([A]))[0] == {A: "DLH5"}


def test_per_field_sources_and_values_that_say_nothing() -> None:
    book = IdentityBook()
    book.update({A: "DLH9U"}, {A: {"callsign": "DLH9U", "nacp": 9}}, 0.0, "adsb")
    # a Mode S batch whose callsign came from a Comm-B reply: ranked as Comm-B, held off
    commb = {"callsign": "commb", "name": "commb"}
    book.update({A: "XXX"}, {A: {"callsign": "XXX", "nacp": 8, "sources": commb}}, 1.0, "adsb")
    names, info = book.describe(np.array([A]))
    assert names == {A: "DLH9U"} and info[A] == {"callsign": "DLH9U", "nacp": 8}
    # None, "" and NaN neither replace nor refresh
    book.update(None, {A: {"callsign": "", "nacp": None, "operator_lat": math.nan}}, 2.0, "adsb")
    f = book.fact(A, "nacp")
    assert f is not None and (f.value, f.time_s) == (8, 1.0)
    assert book.fact(A, "operator_lat") is None
    book.update(None, {B: {"serial": "SN1"}}, 0.0, "bogus")  # type: ignore[arg-type]
    assert book.counts["unknown_source"] == 1 and B in book


def test_expiry_removes_identities_not_heard() -> None:
    book = IdentityBook()
    book.update({A: "DLH9U"}, None, 0.0, "adsb")
    book.update(None, {B: {"serial": "SN1"}}, 0.0, "remoteid")
    book.update({A: "DLH9U"}, None, EXPIRE_S - 10, "adsb")  # A is still heard, B is not
    assert book.expire(EXPIRE_S) == 0
    assert book.expire(EXPIRE_S + 1) == 1
    assert A in book and B not in book and len(book) == 1
    assert book.counts["expired"] == 1
    assert book.describe(np.array([B])) == ({}, {})


def test_describe_gives_only_the_requested_identities() -> None:
    book = IdentityBook()
    for k in range(100):
        book.update({k: f"N{k}"}, {k: {"squawk": f"{k:04d}"}}, 0.0, "adsb")
    names, info = book.describe(np.array([7, 7, 3, 12345], np.int64))
    assert names == {3: "N3", 7: "N7"} and set(info) == {3, 7}  # not the 98 others, nor the unknown
    assert book.describe(np.zeros(0, np.int64)) == ({}, {})


def test_takes_what_the_mode_s_registry_describes() -> None:
    """The shape sources/modes.describe hands over (only known fields, sources of the replies)."""
    reg = {A: AircraftInfo(A, callsign="DLH9U", squawk="1000", category="A3", nacp=9,
                           sources={"callsign": "commb", "squawk": "modes"})}  # fmt: skip
    names, info = describe([reg], np.array([A]))
    book = IdentityBook()
    book.update(names, info, 0.0, "adsb")
    got = {k: (f.value, f.source) for k in ("name", "callsign", "squawk", "category", "nacp")
           if (f := book.fact(A, k)) is not None}  # fmt: skip
    assert got == {"name": ("DLH9U", "commb"), "callsign": ("DLH9U", "commb"), "squawk": ("1000", "modes"),
                   "category": ("A3", "adsb"), "nacp": (9, "adsb")}  # fmt: skip
    assert book.describe(np.array([A]))[1][A] == {"callsign": "DLH9U", "squawk": "1000", "category": "A3",
                                                  "nacp": 9, "uav": False}  # fmt: skip


def test_hours_of_a_changing_population_stay_bounded() -> None:
    """12 simulated hours, a new identity every GAP_S heard for DWELL_S, a batch naming the
    identities heard every BATCH_S and upkeep (expire) after each: 8,640 identities. One is held
    from its first batch until EXPIRE_S after its last, plus one batch, so at most that span /
    GAP_S + 1 are held."""
    GAP_S, DWELL_S, BATCH_S, HOURS = 5.0, 900.0, 10.0, 12
    n = int(HOURS * 3600 / GAP_S)
    book = IdentityBook()
    bound = int((DWELL_S + EXPIRE_S + BATCH_S) / GAP_S) + 1
    most = 0
    for t in np.arange(0.0, HOURS * 3600 + DWELL_S + EXPIRE_S + 2 * BATCH_S, BATCH_S).tolist():
        heard = range(max(0, math.ceil((t - DWELL_S) / GAP_S)), min(n - 1, int(t / GAP_S)) + 1)
        book.update({k: f"C{k}" for k in heard}, {k: {"squawk": "7000"} for k in heard}, t, "adsb")
        book.expire(t)
        most = max(most, len(book))
    assert n > 20 * bound
    assert most <= bound, f"{most} identities held, bound {bound}"
    assert most >= DWELL_S / GAP_S  # the identities being heard are all held
    assert book.counts["expired"] == n and len(book) == 0
