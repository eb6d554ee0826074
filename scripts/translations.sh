#!/usr/bin/env bash
# Extract, update and compile the UI translations.
#
#   scripts/translations.sh            extract + update + compile (the usual run)
#   scripts/translations.sh compile    compile only (after editing a .po file)
#   scripts/translations.sh check      fail if any zh_Hans_CN message is untranslated/fuzzy
#
# Workflow for new strings: wrap them in _l()/_()/{{ _('...') }}, run this script,
# fill in the empty msgstr "" entries (and remove "#, fuzzy" flags after checking
# them) in translations/zh_Hans_CN/LC_MESSAGES/messages.po, run it again (or with
# "compile") and commit the .po and .mo files. tests/records/test_i18n.py fails until every
# message is translated and the .mo files match the .po files.
#
# Catalogue directories: Babel parses the app's "zh_CN" as zh_Hans_CN, and
# Flask-Babel looks the catalogue up under that name, so the Chinese catalogue
# lives in translations/zh_Hans_CN (not zh_CN).
set -euo pipefail

cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
PYTHON="${PYTHON:-.venv/bin/python}"
DIR=translations
POT="$DIR/messages.pot"
LOCALES=(zh_Hans_CN en)

compile() {
    for locale in "${LOCALES[@]}"; do
        # --use-fuzzy is deliberately not given: a fuzzy guess is not a translation.
        "$PYBABEL" compile -d "$DIR" -l "$locale" --statistics
    done
}

check() {
    "$PYTHON" - <<'PY'
import sys
from babel.messages.pofile import read_po
with open("translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as f:
    catalog = read_po(f)
bad = [m.id for m in catalog if m.id and (m.fuzzy or not (
    all(m.string) if isinstance(m.string, tuple) else m.string))]
for msgid in bad:
    print("untranslated or fuzzy:", msgid, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

case "${1:-all}" in
    compile) compile; exit 0 ;;
    check) check; exit $? ;;
    all) ;;
    *) echo "usage: $0 [all|compile|check]" >&2; exit 2 ;;
esac

"$PYBABEL" extract -F babel.cfg \
    -k _l -k lazy_gettext -k _ -k gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
    -k pgettext:1c,2 -k lazy_pgettext:1c,2 -k npgettext:1c,2,3 \
    --no-location --sort-output \
    --project="records-office" --copyright-holder="records-office" \
    -o "$POT" .

for locale in "${LOCALES[@]}"; do
    po="$DIR/$locale/LC_MESSAGES/messages.po"
    if [[ -f "$po" ]]; then
        # --ignore-obsolete: drop strings that left the code instead of keeping #~ entries.
        # --no-fuzzy-matching: a new string starts empty instead of with a guess.
        "$PYBABEL" update -i "$POT" -d "$DIR" -l "$locale" --ignore-obsolete \
            --no-fuzzy-matching
    else
        "$PYBABEL" init -i "$POT" -d "$DIR" -l "$locale"
    fi
done

compile

untranslated=$("$PYTHON" - <<'PY'
from babel.messages.pofile import read_po
with open("translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as f:
    catalog = read_po(f)
print(sum(1 for m in catalog if m.id and (m.fuzzy or not m.string)))
PY
)
if [[ "$untranslated" != "0" ]]; then
    echo "translations: $untranslated zh_Hans_CN message(s) still need a translation" \
         "(empty msgstr or #, fuzzy) in $DIR/zh_Hans_CN/LC_MESSAGES/messages.po" >&2
fi
