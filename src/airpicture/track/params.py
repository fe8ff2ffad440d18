"""The tracker's settings: decision thresholds and physical bounds, each with why it has its value.
The tracker reads them from here.
"""

from __future__ import annotations

#: Log-likelihood ratio at which a tentative track is confirmed (false confirmation ~ e^-12).
CONFIRM_LLR = 12.0
#: A tentative track is dropped when its LLR falls this far below its best value, or below 0.
TENTATIVE_DROP = 4.0
#: Probability that a real object gives the consecutive misses that delete a confirmed track.
P_FALSE_DELETE = 1e-4
#: Delete a track whose horizontal position sigma exceeds this (m).
MAX_SIGMA_H_M = 3000.0
#: Fastest object expected (m/s): sets the velocity prior of a new track.
V_MAX_MPS = 300.0
V_MAX_CLIMB_MPS = 30.0
#: Bounds beyond which a measurement value is not physical (rejected, counted): epoch seconds
#: between 1973 and 5138, ranges, heights, speeds.
TIME_BOUNDS_S = (1e8, 1e11)
MAX_RANGE_M = 2e6
MAX_ALTITUDE_M = 1e5
MAX_SPEED_MPS = 2000.0
#: Period of the duplicate check of maintain(), s.
HOUSEKEEPING_S = 2.0
#: Reported-position (cooperative) hit LLR gain: half the confirmation threshold, so two reports
#: that agree confirm a track.
COOP_GAIN = CONFIRM_LLR / 2 + 0.5
#: Time-of-applicability uncertainty of a cooperative position report (s): a broadcast position
#: may be held or received late, so a track built from reports is uncertain along its velocity by
#: this much time when a radar plot is gated against it.
REPORT_SIGMA_TIME_S = 1.5
#: Hard cap on the time a track is kept without any measurement (s).
MAX_COAST_S = 60.0
#: A sensor counts as covering a track while it has measured it in the last this many seconds.
MISS_MEMORY_S = 30.0
#: A track measured this recently (s) is published at its measurement, not predicted to the
#: picture's time: an estimate at its own time is better than one extrapolated from it. Four
#: seconds: one revisit of a terminal radar.
FRESH_S = 4.0
#: Cost bonus of fusing a new identity with an identity-less track that gates with it (nats,
#: in units of d2 + log|S|): any pair inside the gate beats starting a second track.
FUSION_BONUS = 60.0


__all__ = [
    "CONFIRM_LLR",
    "COOP_GAIN",
    "FRESH_S",
    "FUSION_BONUS",
    "HOUSEKEEPING_S",
    "MAX_ALTITUDE_M",
    "MAX_COAST_S",
    "MAX_RANGE_M",
    "MAX_SIGMA_H_M",
    "MAX_SPEED_MPS",
    "MISS_MEMORY_S",
    "P_FALSE_DELETE",
    "REPORT_SIGMA_TIME_S",
    "TENTATIVE_DROP",
    "TIME_BOUNDS_S",
    "V_MAX_CLIMB_MPS",
    "V_MAX_MPS",
]
