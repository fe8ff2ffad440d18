"""Synthetic scenarios: many objects, rotating radars with clutter, ADS-B, spoofed ghosts.

from airpicture.sim import SimConfig, Simulation, write_scenario, trajectories

sim = Simulation(SimConfig(aircraft=40000, duration_s=3600, seed=1))
for frame in sim.frames():            # in memory, one time step at a time
    frame.plots, frame.reports        # PLOT_DTYPE / REPORT_DTYPE, time-ordered
write_scenario(sim, "out/")           # or a scenario folder (FORMAT.md)
trajectories(SimConfig(drones=50))    # truth with kinds and behaviour labels, for classifiers

The Mode S frames (Beast) behind ADS-B reports, with GNSS jammers: airpicture.sim.squitter
(`squitters`, `write_recording`); the bits of each message: airpicture.sim.modes. Neither is
imported here, so `import airpicture.sim` does not load the Mode S decoder libraries.
"""

from airpicture.sim.config import (
    DEFAULT_START_S,
    SimConfig,
    Site,
    aew_radar,
    default_sensors,
    default_zones,
    public_sheet,
)
from airpicture.sim.stream import PLATFORM_DTYPE, Frame, Simulation, Truth
from airpicture.sim.targets import BEHAVIOURS
from airpicture.sim.training import Trajectories, trajectories
from airpicture.sim.writer import WriteSummary, write_scenario

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_START_S",
    "PLATFORM_DTYPE",
    "Frame",
    "SimConfig",
    "Simulation",
    "Site",
    "Trajectories",
    "Truth",
    "WriteSummary",
    "aew_radar",
    "default_sensors",
    "default_zones",
    "public_sheet",
    "trajectories",
    "write_scenario",
]
