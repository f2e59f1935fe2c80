"""``GET /metrics``: Prometheus text that the Prometheus client's own parser reads, counting what happened, and
readable only by the kiosk, paired phones and ``metrics.addresses``."""

from __future__ import annotations

from typing import Any

import pytest
from browser.stack import LAN_ADDRESS, demo_config
from helpers import client_from, pair
from prometheus_client.parser import text_string_to_metric_families

from moodify_edge.capture import CameraStatus
from moodify_edge.config import ConfigError
from moodify_edge.contract import ErrorCode, ErrorSource, TriggerOrigin
from moodify_edge.events import CameraChanged, ErrorRaised


def scrape(client: Any) -> dict[str, float]:
    """``/metrics`` parsed by prometheus_client: {'name{label="value"}': value} of every sample."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def test_a_run_is_counted_by_outcome_emotion_length_frames_and_stage(build, tmp_path):
    stack = build(demo_config(tmp_path / "state", seconds=1.0))
    kiosk = client_from(stack.app)
    before = scrape(kiosk)
    assert before["moodify_frames_total"] == 0 and 'moodify_runs_total{outcome="emotion"}' not in before
    assert all(before[f'moodify_emotions_total{{emotion="{e}"}}'] == 0 for e in ("happy", "sad", "neutral"))
    stack.controller.trigger(TriggerOrigin.WEB)
    stack.controller.join(30)
    after = scrape(kiosk)
    result = stack.controller.snapshot().result
    assert result is not None and result.emotion
    assert after['moodify_runs_total{outcome="emotion"}'] == 1
    assert after[f'moodify_emotions_total{{emotion="{result.emotion}"}}'] == 1
    assert after["moodify_run_duration_seconds_count"] == 1
    assert after["moodify_frames_total"] == result.frames_seen > 0
    assert after["moodify_last_run_frames_per_second"] == pytest.approx(result.frames_seen / result.seconds)
    for stage in ("detect", "crop", "classify"):
        assert after[f'moodify_stage_seconds_count{{stage="{stage}"}}'] >= result.frames_with_face
    assert after['moodify_state{moodify_state="result"}'] == 1
    assert after["process_resident_memory_bytes"] > 10_000_000
    assert after['moodify_live_clients{listener="kiosk"}'] == 0


def test_camera_reconnects_and_music_errors_by_code(stack):
    bus = stack.controller.bus
    bus.publish(CameraChanged(CameraStatus(ok=False, message="starting", starting=True)))
    bus.publish(CameraChanged(CameraStatus(ok=True, message="usb:0")))  # the first open is no reconnect
    for _ in range(2):
        bus.publish(CameraChanged(CameraStatus(ok=False, message="camera lost")))
        bus.publish(CameraChanged(CameraStatus(ok=True, message="usb:0")))
    bus.publish(ErrorRaised(ErrorSource.MUSIC, ErrorCode.SPOTIFY_UNAVAILABLE, "Spotify did not answer."))
    bus.publish(ErrorRaised(ErrorSource.MUSIC, ErrorCode.SPOTIFY_UNAVAILABLE, "Spotify did not answer."))
    samples = scrape(client_from(stack.app))
    assert samples["moodify_camera_reconnects_total"] == 2 and samples["moodify_camera_up"] == 1
    assert samples['moodify_errors_total{code="spotify_unavailable",source="music"}'] == 2


def test_only_the_kiosk_paired_phones_and_listed_addresses_may_read_it(build, tmp_path):
    stack = build(demo_config(tmp_path / "state"))
    phone = client_from(stack.app, LAN_ADDRESS)
    refused = phone.get("/metrics")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "pairing_required"
    assert pair(phone, client_from(stack.app)).status_code == 200
    scrape(phone)
    listed = build(demo_config(tmp_path / "listed").replace("metrics", addresses=["10.0.0.5", "192.168.1.0/24"]))
    scrape(client_from(listed.app, LAN_ADDRESS))  # in 192.168.1.0/24, not paired
    scrape(client_from(listed.app, "10.0.0.5"))
    assert client_from(listed.app, "10.0.0.6").get("/metrics").status_code == 403


def test_an_address_that_is_no_address_is_a_config_error(build, tmp_path):
    with pytest.raises(ConfigError, match=r"metrics.addresses\[1\]: 'prometheus' is not"):
        build(demo_config(tmp_path / "state").replace("metrics", addresses=["10.0.0.5", "prometheus"]))
