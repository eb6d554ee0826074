"""Translations: every UI string has a Chinese translation, and the app shows it.

The catalogues are made by ``scripts/translations.sh`` (extract → update → compile).
When a test here fails after you added or changed a user-facing string: run
``scripts/translations.sh``, translate the new/empty ``msgstr`` entries in
``translations/zh_Hans_CN/LC_MESSAGES/messages.po``, run the script again and
commit the .pot, .po and .mo files.

The Chinese catalogue lives in ``zh_Hans_CN``, not ``zh_CN``: Babel parses the
app's locale ``zh_CN`` as ``zh_Hans_CN`` and Flask-Babel looks catalogues up by that
name (as Flask-Admin's own catalogue does).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
ZH = "zh_Hans_CN"
LOCALES = (ZH, "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]|%%")
FIX = "run scripts/translations.sh, translate the entries, run it again"


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_po(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def key(message) -> tuple:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    context = message.context
    if isinstance(context, bytes):  # babel's read_mo leaves the context undecoded
        context = context.decode("utf-8")
    return msgid, context


def strings(message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def ids(message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# -- the catalogues ---------------------------------------------------------------

def test_locale_directory_is_the_one_babel_looks_up():
    assert str(Locale.parse("zh_CN")) == ZH
    for locale in LOCALES:
        assert po_path(locale).is_file(), f"{po_path(locale)} is missing: {FIX}"
        assert po_path(locale).with_suffix(".mo").is_file(), f"no .mo for {locale}: {FIX}"


def test_template_is_up_to_date_with_the_source():
    """Every string wrapped in the code is in messages.pot (the extraction was rerun)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    script = (ROOT / "scripts" / "translations.sh").read_text()
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(re.findall(r"-k (\S+)", script))}
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((msgid, context), f"{filename}:{lineno}")
    template = {(m.id if isinstance(m.id, str) else m.id[0], m.context)
                for m in load_po(POT) if m.id}
    missing = sorted(f"{where}: {msgid!r}" for (msgid, context), where in found.items()
                     if (msgid, context) not in template)
    assert not missing, f"not in translations/messages.pot ({FIX}):\n" + "\n".join(missing)


def test_every_message_has_a_chinese_translation():
    template = [m for m in load_po(POT) if m.id]
    assert len(template) > 100  # the extraction found the _l() labels, not only _()
    chinese = {key(m): m for m in load_po(po_path(ZH)) if m.id}
    problems = []
    for message in template:
        translated = chinese.get(key(message))
        if translated is None:
            problems.append(f"not in the zh_Hans_CN catalogue: {message.id!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {message.id!r}")
        elif not all(s.strip() for s in strings(translated)):
            problems.append(f"untranslated: {message.id!r}")
        else:
            wanted = placeholders(ids(message)[0])
            for text in strings(translated):
                if placeholders(text) != wanted:
                    problems.append(f"placeholders differ: {message.id!r} → {text!r}")
    assert not problems, f"{len(problems)} problem(s) ({FIX}):\n" + "\n".join(problems)


def test_english_catalogue_covers_the_template():
    english = {key(m) for m in load_po(po_path("en")) if m.id}
    missing = [m.id for m in load_po(POT) if m.id and key(m) not in english]
    assert not missing, f"not in the en catalogue ({FIX}): {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_the_po_file(locale):
    """The committed .mo holds exactly the .po file's (non-fuzzy) translations."""
    po = {key(m): strings(m) for m in load_po(po_path(locale))
          if m.id and not m.fuzzy and all(strings(m))}
    with po_path(locale).with_suffix(".mo").open("rb") as f:
        mo = {key(m): strings(m) for m in read_mo(f) if m.id}
    stale = sorted(str(k[0]) for k in po.keys() | mo.keys() if po.get(k) != mo.get(k))
    assert not stale, (f"{locale} messages.mo is out of date with messages.po "
                       f"(run scripts/translations.sh compile): {stale[:20]}")


# -- what the user sees -----------------------------------------------------------

def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert "客户服务档案管理" in page
    assert "用户名" in page and "密码" in page
    assert "Log in" not in page


def test_list_page_in_chinese_then_in_english(login_as):
    client = login_as("gm")
    page = client.get("/admin/complaint/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "投诉编号" in text           # our column label (Complaint number)
    assert "受理时间" in text           # Received at
    assert "处理期限" in text           # Due date
    assert "客户投诉" in text           # the menu / view name (Complaints)
    assert "添加筛选条件" in text         # Flask-Admin's own catalogue: "Add Filter"
    assert "列表" in text               # Flask-Admin: "List"
    assert "Complaint number" not in text

    assert client.post("/lang/en").status_code == 302
    text = client.get("/admin/complaint/").get_data(as_text=True)
    assert "Complaint number" in text
    assert "Received at" in text
    assert "Add Filter" in text
    assert "投诉编号" not in text

    client.post("/lang/zh_CN")
    assert "投诉编号" in client.get("/admin/complaint/").get_data(as_text=True)
