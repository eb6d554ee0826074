# Shared by run.sh and test.sh: `source scripts/venv.sh; ensure_venv requirements.txt`.
#
# Creates .venv with python3 (or $PYTHON) when missing, then installs the given
# requirements file. Re-running is cheap: pip runs only when a requirements*.txt
# file changed since the last successful install of that file (a hash is kept in
# .venv/.installed-<file>.sha256).

ensure_venv() {
    local requirements="$1"
    local venv=".venv"
    local python="${PYTHON:-python3}"

    if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "error: Python 3.11 or newer is needed as '$python' (set PYTHON=...)." >&2
            return 1
        fi
        echo "Creating $venv with $("$python" --version 2>&1) ..." >&2
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi

    # requirements-dev.txt includes requirements.txt with -r: hash every requirements
    # file, so a change to either re-installs.
    local stamp="$venv/.installed-$(basename "$requirements").sha256"
    local digest
    digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
        return 0
    fi
    echo "Installing $requirements into $venv ..." >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$digest" >"$stamp"
    # Files it includes with -r are installed too (requirements-dev.txt -> requirements.txt).
    local included
    for included in $(sed -n 's/^[[:space:]]*-r[[:space:]]*//p' "$requirements"); do
        echo "$digest" >"$venv/.installed-$(basename "$included").sha256"
    done
}
