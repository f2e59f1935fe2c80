"""The seven FER2013 emotions: their order, names in English and Korean, and display colours."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Emotion:
    """One emotion class as the model, the UI and the music profiles see it."""

    index: int
    key: str
    label: str
    label_ko: str
    colour: str


# FER2013 label order; the model's output follows it.
EMOTIONS: tuple[Emotion, ...] = (
    Emotion(0, "angry", "Angry", "화남", "#e53935"),
    Emotion(1, "disgust", "Disgust", "혐오", "#7cb342"),
    Emotion(2, "fear", "Fear", "두려움", "#8e24aa"),
    Emotion(3, "happy", "Happy", "행복", "#fdd835"),
    Emotion(4, "sad", "Sad", "슬픔", "#1e88e5"),
    Emotion(5, "surprise", "Surprise", "놀람", "#fb8c00"),
    Emotion(6, "neutral", "Neutral", "중립", "#90a4ae"),
)
LABELS: tuple[str, ...] = tuple(e.label for e in EMOTIONS)
KEYS: tuple[str, ...] = tuple(e.key for e in EMOTIONS)


def by_key(key: str) -> Emotion:
    """The emotion named by its lower-case key (``"happy"``); KeyError when unknown."""
    for emotion in EMOTIONS:
        if emotion.key == key:
            return emotion
    raise KeyError(key)
