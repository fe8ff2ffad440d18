"""The identity book: what the cooperative sources say about each identity (Picture.names / .info).

A live run hears thousands of identities a day, from several sources that may disagree: two
ADS-B receivers, an SBS relay, a Comm-B reply, a Remote ID broadcast. Following readsb
(`track.h` `data_validity`, `track.c` `accept_data`), the book keeps for every field of every
identity its value, the source that gave it and when, and applies these rules:

1. A source at least as good as the one that gave a field replaces it (of two equally good ones,
   the newer; an older batch does not undo a newer one).
2. A worse source replaces a field only once it is stale: not given again for `stale_s`.
3. A value that says nothing (None, "", NaN) is ignored: it neither replaces nor refreshes.
4. An identity no source has spoken of, and that has not reported (`heard`), for `expire_s` is
   removed by `expire(t)` (upkeep).
5. `describe(idents)` gives names and info for the given identities only, so a picture carries
   the info of the tracks it holds, not of every identity heard that day.

How good a source is (`SOURCE_RANK`, higher wins):
- "adsb", "remoteid" (3): self-reports. The aircraft or drone broadcasts its own identification:
  an extended squitter (DF17/18) carries its address in clear under a checked CRC, a Remote ID
  Basic ID its serial number; nothing is inferred.
- "commb", "modes", "sbs" (2): replies and relays. A Comm-B (DF20/21) or surveillance (DF4/5)
  reply overlays the address on its parity, so a bit error yields a wrong address unnoticed, and
  the Comm-B register (BDS 2,0) is inferred from the content; an SBS feed is another decoder's
  output whose provenance is unknown.
- "derived" (1): what airpicture inferred itself (a scenario's name, a session identity).
- any other name (0): taken, but counted as "unknown_source", as it is a wiring mistake.

A batch's fields come from the `source` given to `update`; an info entry may name another source
for some of its fields under the key "sources" (`SOURCES_KEY`): a Mode S registry marks a callsign
from a Comm-B reply `{"callsign": "commb", "name": "commb"}` (sources/modes.py `describe`). The
display name is the field "name".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from airpicture.sources.base import StateExpiry

SourceName = Literal["adsb", "remoteid", "commb", "modes", "sbs", "derived"]
#: How far each source is believed about an identity, higher first (see the module docstring).
SOURCE_RANK: dict[str, int] = {
    "adsb": 3,
    "remoteid": 3,
    "commb": 2,
    "modes": 2,
    "sbs": 2,
    "derived": 1,
}
#: Sweep for expired identities at most this often (s of feed time): a sweep walks every entry.
SWEEP_S = 60.0
#: The info key naming the source of some of an entry's fields ({field: source}); not a field.
SOURCES_KEY = "sources"
#: The field holding the display name (Picture.names).
NAME = "name"
#: A field not given again for this long is stale: a worse source may replace it. 60 s: ADS-B
#: sends its identification every 5 s and Remote ID its Basic ID at least every 3 s, so a minute
#: without one is a dozen broadcasts missed: the self-report is out of coverage, and a reply or a
#: relay that still hears the aircraft is the better news (readsb: TRACK_EXPIRE, 60 s).
STALE_S = 60.0
#: An identity not spoken of for this long is removed. 10 minutes: far longer than a track coasts
#: before it is deleted (TrackSettings.max_coast_s, 60 s), so a track in the picture never
#: loses its name, and equal to the Mode S decoder's EXPIRE_S (readsb's aircraft TTL), so the
#: book forgets an aircraft when the decoder does. Held identities: ~arrivals in 10 min + those heard.
EXPIRE_S = 600.0


@dataclass(slots=True)
class Fact:
    """One field of one identity: its value, who gave it (a source name) and when (UTC s)."""

    value: object
    source: str
    time_s: float


@dataclass(slots=True)
class _Entry:
    facts: dict[str, Fact] = field(default_factory=dict)
    last_s: float = -math.inf  # when a source last spoke of this identity


def _says_nothing(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


class IdentityBook:
    """Per-identity fields with source and age; better source wins, worse replaces once stale.

    Wiring: `update(names, info, t, source)` for each report batch, `expire(t)` in upkeep,
    `describe(idents)` when building a picture. `counts` says what happened: "expired"
    (identities removed), "held" (a worse source's different value refused while the field was
    fresh), "unknown_source".
    """

    def __init__(self, stale_s: float = STALE_S, expire_s: float = EXPIRE_S) -> None:
        self.stale_s = stale_s
        self.expiry = StateExpiry(expire_s, sweep_s=SWEEP_S)
        self.counts: Counter[str] = Counter()
        self._ids: dict[int, _Entry] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, ident: object) -> bool:
        return ident in self._ids

    def update(
        self,
        names: Mapping[int, str] | None,
        info: Mapping[int, Mapping[str, object]] | None,
        t: float,
        source: SourceName,
    ) -> None:
        """Take what `source` says at time `t` (UTC s, the batch's time): names (ident -> display
        name) and info (ident -> field -> value, with an optional SOURCES_KEY entry naming the
        source of some fields). Applies the rules of the module docstring, field by field."""
        names = names or {}
        info = info or {}
        for ident in names.keys() | info.keys():
            fields = dict(info.get(ident, {}))
            given = fields.pop(SOURCES_KEY, None)
            sources: Mapping[str, object] = given if isinstance(given, Mapping) else {}
            if ident in names:
                fields[NAME] = names[ident]
            e = self._ids.get(ident)
            if e is None:
                e = self._ids[ident] = _Entry()
            e.last_s = max(e.last_s, t)
            for key, value in fields.items():
                if not _says_nothing(value):
                    self._offer(e, key, value, str(sources.get(key, source)), t)

    def _offer(self, e: _Entry, key: str, value: object, source: str, t: float) -> None:
        rank = SOURCE_RANK.get(source)
        if rank is None:
            self.counts["unknown_source"] += 1
            rank = 0
        old = e.facts.get(key)
        if old is not None:
            old_rank = SOURCE_RANK.get(old.source, 0)
            fresh = t - old.time_s <= self.stale_s
            if rank < old_rank and fresh:
                if value != old.value:
                    self.counts["held"] += 1
                return
            if rank == old_rank and t < old.time_s:
                return  # an older batch of an equally good source
        e.facts[key] = Fact(value, source, t)

    def heard(self, idents: npt.NDArray[np.int64], t: float) -> None:
        """Identities that reported at time t (a position is word of them too): they do not expire
        while they keep reporting, even when no source repeats their name or info."""
        for ident in np.unique(idents).tolist():
            e = self._ids.get(ident)
            if e is not None:
                e.last_s = max(e.last_s, t)

    def expire(self, t: float) -> int:
        """Remove the identities no source has spoken of for `expire_s` at time t (either way: a
        far-future time does not pin one); counted in counts["expired"]. O(identities)."""
        gone = self.expiry.drop(self._ids, t, lambda e: e.last_s)
        self.counts["expired"] += gone
        return gone

    def describe(self, idents: npt.NDArray[np.int64]) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
        """(names, info) of the given identities that the book holds, for a Picture.

        idents : (N,) int64, repeats allowed. names: ident -> display name, where one is known;
        info: ident -> field -> value (the name and the sources left out; see `fact`)."""
        names: dict[int, str] = {}
        info: dict[int, dict[str, object]] = {}
        if not self._ids or len(idents) == 0:
            return names, info
        for ident in set(idents.tolist()):
            e = self._ids.get(ident)
            if e is None:
                continue
            name = e.facts.get(NAME)
            if name is not None:
                names[ident] = str(name.value)
            info[ident] = {k: f.value for k, f in e.facts.items() if k != NAME}
        return names, info

    def fact(self, ident: int, key: str) -> Fact | None:
        """One field of one identity with its source and time, or None."""
        e = self._ids.get(ident)
        return None if e is None else e.facts.get(key)


__all__ = ["EXPIRE_S", "NAME", "SOURCES_KEY", "SOURCE_RANK", "STALE_S", "Fact", "IdentityBook", "SourceName"]
