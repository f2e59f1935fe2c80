"""Moods: what music an emotion calls for. One profile per emotion: its default policy (match the mood, or lift
it) and where its music comes from (curated URIs, the owner's playlists by keyword, search queries; with MPD,
folders or stored playlists of the local library and genre tags).

Every profile serves both policies: its sources are listed in *lift* order (the first comforts, the last is the
brightest), and *match* mixes the same sources. A visitor's goal ("match my mood", "lift my mood") or
``[kiosk] goal`` picks one for a run; "profile" leaves each profile's own (:func:`goal_policy`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .setting import setting


class Policy(StrEnum):
    """*match* stays in the mood; *lift* moves it along (sad → comforting, then brighter)."""

    MATCH = "match"
    LIFT = "lift"


GOALS = ("profile", "match", "lift")  # [kiosk] goal: each profile's own policy, or one for every emotion


def goal_policy(goal: str) -> Policy | None:
    """The policy a goal asks for: ``"match"`` or ``"lift"``; None for ``"profile"`` (each profile's own)."""
    return None if goal == "profile" else Policy(goal)


@dataclass(frozen=True)
class MoodProfile:
    policy: Policy = setting(
        '"match" the mood, or "lift" it, when the visitor does not choose.', Policy.MATCH, choices=tuple(Policy)
    )
    uris: list[str] = setting("Curated Spotify URIs (playlists you own, albums, tracks).", factory=list)
    playlist_keywords: list[str] = setting("Words matched against the names of your own playlists.", factory=list)
    queries: list[str] = setting("Search queries that widen the pool.", factory=list)
    library: list[str] = setting(
        "MPD: folders in its music directory or stored playlist names (in order, for lift).", factory=list
    )
    genres: list[str] = setting("MPD: genre tags whose songs widen the pool.", factory=list)

    def policy_for(self, goal: Policy | None) -> Policy:
        """The policy of one run: the visitor's goal when there is one, else this profile's own."""
        return goal or self.policy


def default_moods() -> dict[str, MoodProfile]:
    """The profiles a kiosk starts with: lift the unpleasant emotions, match the others."""
    lift, match = Policy.LIFT, Policy.MATCH
    profiles = {
        "angry": MoodProfile(lift, [], ["calm", "chill"], ["calm acoustic", "lofi chill", "peaceful piano"]),
        "disgust": MoodProfile(lift, [], ["fresh", "feel good"], ["feel good indie", "fresh pop", "sunny"]),
        "fear": MoodProfile(lift, [], ["comfort", "calm"], ["comforting acoustic", "warm soul", "reassuring"]),
        "happy": MoodProfile(match, [], ["happy", "party"], ["happy hits", "feel good pop", "k-pop dance"]),
        "sad": MoodProfile(lift, [], ["sad", "comfort"], ["comforting ballad", "k-ballad", "hopeful acoustic"]),
        "surprise": MoodProfile(match, [], ["energy", "upbeat"], ["upbeat electronic", "energetic pop", "funk"]),
        "neutral": MoodProfile(match, [], ["focus", "chill"], ["chill indie", "lofi beats", "jazz cafe"]),
    }
    # MPD: one folder per mood in its music directory (scripts/install-pi.sh --with-mpd creates them).
    return {key: replace(profile, library=[f"moods/{key}"]) for key, profile in profiles.items()}
