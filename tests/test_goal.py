"""The visitor's goal: "match my mood" or "lift my mood" on the idle screen (``POST /api/trigger`` with
``{"goal": …}``), ``[kiosk] goal`` for the GPIO button; every mood profile serves both policies, every backend
takes the policy, and the run's recommendations say which was used."""

from __future__ import annotations

import inspect

import pytest
from browser.stack import demo_config
from helpers import ASTRONAUT, csrf, error_of

from moodify_edge.capture import FileCamera
from moodify_edge.config import Config, ConfigError, parse
from moodify_edge.contract import ErrorCode, TriggerOrigin
from moodify_edge.controller import Controller
from moodify_edge.emotions import KEYS
from moodify_edge.events import EventBus
from moodify_edge.mood import Policy, default_moods, goal_policy
from moodify_edge.music import MusicSource
from moodify_edge.music.catalogue import OfflineMusic, catalogue
from moodify_edge.music.factory import create_music
from moodify_edge.music.mpd.library import MpdLibrary
from moodify_edge.music.spotify.recommendations import SpotifyRecommendations


def test_goals_name_a_policy_or_leave_each_profiles_own():
    assert goal_policy("profile") is None
    assert goal_policy("match") == Policy.MATCH and goal_policy("lift") == Policy.LIFT
    sad, happy = default_moods()["sad"], default_moods()["happy"]
    assert sad.policy_for(None) == Policy.LIFT and happy.policy_for(None) == Policy.MATCH
    assert sad.policy_for(Policy.MATCH) == Policy.MATCH and happy.policy_for(Policy.LIFT) == Policy.LIFT


@pytest.mark.parametrize("emotion", KEYS)
@pytest.mark.parametrize("policy", list(Policy))
def test_every_emotion_has_music_for_both_policies(emotion, policy):
    music = OfflineMusic(Config())
    recommendations = music.recommend(emotion, policy)
    assert recommendations.policy == policy and len(recommendations.tracks) == Config().music.items
    stages = catalogue()[emotion]
    if policy == Policy.LIFT:  # lift: the first stage's tracks come first, the last stage's last
        stage_of = {t.uri: i for i, stage in enumerate(stages) for t in stage}
        order = [stage_of[t.uri] for t in recommendations.tracks]
        assert order == sorted(order)
    profile = default_moods()[emotion]  # the profile's sources serve both: queries for Spotify, a folder for MPD
    assert profile.queries and profile.library


def test_every_backend_takes_the_policy():
    for source in (OfflineMusic, SpotifyRecommendations, MpdLibrary, MusicSource):
        parameters = inspect.signature(source.recommend).parameters
        assert list(parameters)[1:] == ["emotion", "policy"] and parameters["policy"].default is None, source


def test_kiosk_goal_is_checked():
    assert parse("[kiosk]\ngoal = 'lift'\n").kiosk.goal == "lift"
    with pytest.raises(ConfigError, match="goal"):
        parse("[kiosk]\ngoal = 'cheer'\n")


def controller_for(pipeline, config: Config) -> Controller:
    config = config.replace("detection", frames=3)
    return Controller(config, EventBus(), FileCamera(ASTRONAUT, fps=60), pipeline, create_music(config))


@pytest.mark.parametrize(("goal", "policy"), [("profile", Policy.MATCH), ("lift", Policy.LIFT)])
def test_the_button_follows_kiosk_goal(pipeline, goal, policy):
    controller = controller_for(pipeline, Config().replace("kiosk", goal=goal))  # the photo is "happy": match
    controller.press(TriggerOrigin.BUTTON)
    controller.join(10)
    recommendations = controller.snapshot().recommendations
    assert recommendations is not None and recommendations.emotion == "happy" and recommendations.policy == policy


def test_a_visitors_goal_wins_over_the_config(pipeline):
    controller = controller_for(pipeline, Config().replace("kiosk", goal="match"))
    controller.trigger(TriggerOrigin.WEB, Policy.LIFT)
    controller.join(10)
    recommendations = controller.snapshot().recommendations
    assert recommendations is not None and recommendations.policy == Policy.LIFT


def test_the_trigger_takes_the_goal_and_the_answer_says_which_was_used(build, tmp_path):
    stack = build(demo_config(tmp_path, seconds=1.0))
    kiosk = stack.app.test_client()
    headers = csrf(kiosk)
    for goal in ("lift", "match"):
        assert kiosk.post("/api/trigger", json={"goal": goal}, headers=headers).status_code == 202
        stack.controller.join(10)
        assert kiosk.get("/api/recommendations").get_json()["policy"] == goal
    for wrong in ("cheer", 3, ["lift"], "profile"):
        refused = kiosk.post("/api/trigger", json={"goal": wrong}, headers=headers)
        assert refused.status_code == 400 and error_of(refused)["code"] == ErrorCode.BAD_REQUEST
