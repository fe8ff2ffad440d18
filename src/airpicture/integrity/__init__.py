"""Integrity: which tracks' broadcasts the picture does not believe (spoofed ADS-B, replays)."""

from airpicture.integrity.base import OK, SPOOFED, SUSPECT, IntegrityCheck, judged
from airpicture.integrity.reports import ReportIntegrity
from airpicture.integrity.stage import TrackIntegrity

__all__ = ["OK", "SPOOFED", "SUSPECT", "IntegrityCheck", "ReportIntegrity", "TrackIntegrity", "judged"]
