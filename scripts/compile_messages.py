"""Compile a gettext .po file to .mo with polib, so setup needs no GNU gettext."""

import sys
from pathlib import Path

import polib


def main(paths: list[str]) -> None:
    for path in paths:
        catalogue = polib.pofile(path)
        catalogue.save_as_mofile(str(Path(path).with_suffix(".mo")))


if __name__ == "__main__":
    main(sys.argv[1:])
