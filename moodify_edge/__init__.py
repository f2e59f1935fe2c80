"""Moodify Edge: an emotion-to-music kiosk for the Raspberry Pi."""

__version__ = "0.1.0"
