#!/usr/bin/env bash
# feedparser's own test suite, the peer herald's feed parsing is measured against
# (tests/app/feedparser.rs). Taken from its source distribution on PyPI into target/, never
# committed. Prints the suite's directory.
#
#   scripts/feedparser.sh        download and unpack (once), print the path of its tests/
set -euo pipefail

VERSION=6.0.11
DIR=${FEEDPARSER_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/feedparser}
SUITE=$DIR/feedparser-$VERSION/tests

if [ ! -f "$SUITE/runtests.py" ]; then
    mkdir -p "$DIR"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps \
        --no-binary :all: "feedparser==$VERSION" -d "$DIR" >&2
    tar -xzf "$DIR/feedparser-$VERSION.tar.gz" -C "$DIR"
fi
echo "$SUITE"
