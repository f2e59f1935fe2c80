"""Every string a person reads on the page exists in English and Korean: the two tables in
``kiosk/static/i18n.json`` have the same keys, the Korean texts are translated, and the template and the page's
modules use only keys that exist, with no English typed into the template itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from moodify_edge.web.pages import KIOSK_DIR, strings

TEMPLATE = KIOSK_DIR / "templates" / "index.html"
MODULES = sorted((KIOSK_DIR / "static").glob("*.js"))
SAME_IN_BOTH = {"title", "spotify"}  # names, not words
HANGUL = re.compile("[\uac00-\ud7a3]")
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}


def keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    """Every key path in a nested table: ``start``, ``errors.busy``, …"""
    found = set()
    for key, value in table.items():
        found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return found


def text(table: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        table = table[part]
    return table


def test_english_and_korean_have_the_same_keys():
    en, ko = (keys(strings()[lang]) for lang in ("en", "ko"))
    assert sorted(en - ko) == [], "English keys with no Korean text"
    assert sorted(ko - en) == [], "Korean keys with no English text"


def test_every_korean_text_is_translated():
    ko = strings()["ko"]
    untranslated = [k for k in sorted(keys(ko) - SAME_IN_BOTH) if not HANGUL.search(str(text(ko, k)))]
    assert untranslated == []


def test_placeholders_are_the_same_in_both_languages():
    en, ko = strings()["en"], strings()["ko"]
    field = re.compile(r"\{(\w+)\}")
    differ = [k for k in keys(en) if set(field.findall(text(en, k))) != set(field.findall(str(text(ko, k))))]
    assert differ == []


@pytest.mark.parametrize(
    ("source", "pattern"),
    [(TEMPLATE, r"\bt\.(\w+)"), *((m, r"\bT\.(\w+)") for m in MODULES)],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_the_page_uses_only_keys_that_exist(source: Path, pattern: str):
    used = set(re.findall(pattern, source.read_text(encoding="utf-8")))
    assert sorted(used - set(strings()["en"])) == [], f"{source.name} uses keys i18n.json does not have"


class LiteralText(HTMLParser):
    """Words typed into the template rather than looked up: text and the attributes a person reads
    (screen readers included), once Jinja's ``{{ … }}`` and ``{% … %}`` are taken out."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and self._words(value) and not value.startswith("http"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip and self._words(data):
            self.found.append(data.strip())

    @staticmethod
    def _words(value: str) -> bool:
        return bool(re.search(r"[A-Za-z]{2,}", value))


def test_the_template_has_no_untranslated_text():
    source = TEMPLATE.read_text(encoding="utf-8")
    parser = LiteralText()
    parser.feed(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S))
    assert parser.found == [], "text typed into index.html: put it in i18n.json and use {{ t.key }}"
