"""The kiosk contract as the page sees it: ``kiosk/static/contract.js`` is generated from
:mod:`moodify_edge.contract` and current, every error code has English and Korean text, and error codes
and HTTP statuses agree. (That every event type has a handler on the page is checked in a real browser:
tests/browser/test_kiosk_browser.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from moodify_edge.contract import ErrorCode, EventType, KioskError, browser_contract
from moodify_edge.web.pages import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "kiosk" / "static"


def test_contract_js_is_generated_from_the_python_contract():
    assert (STATIC / "contract.js").read_text(encoding="utf-8") == browser_contract(), (
        "kiosk/static/contract.js is stale: regenerate it with "
        "python -m moodify_edge.contract > kiosk/static/contract.js"
    )


def test_contract_js_names_every_event_type_and_error_code():
    text = browser_contract()
    for member in [*EventType, *ErrorCode]:
        assert f'"{member.name}": "{member.value}"' in text, member


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_code_has_text_in_every_language(language):
    strings = json.loads((STATIC / "i18n.json").read_text(encoding="utf-8"))[language]
    errors = strings.get("errors", {})
    missing = [code.value for code in ErrorCode if not str(errors.get(code.value, "")).strip()]
    assert missing == [], f"i18n.json {language}.errors has no text for {missing}"
    unknown = sorted(set(errors) - {code.value for code in ErrorCode})
    assert unknown == [], f"i18n.json {language}.errors names codes that do not exist: {unknown}"


def test_korean_error_texts_are_korean():
    errors = json.loads((STATIC / "i18n.json").read_text(encoding="utf-8"))["ko"]["errors"]
    hangul = re.compile("[\uac00-\ud7a3]")
    assert [code for code, text in errors.items() if not hangul.search(text)] == []


def test_an_error_answers_with_its_codes_status_unless_told_otherwise():
    assert KioskError(ErrorCode.BUSY, "busy").to_json() == {"status": 409, "code": "busy", "message": "busy"}
    assert KioskError(ErrorCode.SPOTIFY_UNAVAILABLE, "later", status=503).status == 503
    assert ErrorCode.BAD_CODE.status == 400
