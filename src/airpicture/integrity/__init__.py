"""Integrity: which tracks' broadcasts the picture does not believe (spoofed ADS-B, replays)."""

from airpicture.integrity.base import OK, SPOOFED, SUSPECT, IntegrityCheck
from airpicture.integrity.radar import RadarIntegrity
from airpicture.integrity.reports import ReportIntegrity

__all__ = ["OK", "SPOOFED", "SUSPECT", "IntegrityCheck", "RadarIntegrity", "ReportIntegrity"]
