"""Refresh the catalogs: extract the messages, update the Chinese catalog, fill in the table.

    .venv/bin/python scripts/translate.py          # after changing or adding a message

Runs ``pybabel extract`` and ``pybabel update`` (Babel's own tools), then writes the Chinese of
``scripts/zh_translations.py`` into ``govarchive/locale/zh/LC_MESSAGES/messages.po``; lists
messages that still lack a translation and exits 1 when there are any.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "govarchive" / "locale" / "messages.pot"
PO = ROOT / "govarchive" / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from zh_translations import ZH

    subprocess.run([PYBABEL, "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(POT), "--sort-output",
                    "--no-location", "--project", "govarchive", "--copyright-holder", "govarchive", "govarchive", "alerts"],
                   cwd=ROOT, check=True)
    subprocess.run([PYBABEL, "-q", "update", "-i", str(POT), "-d", str(POT.parent), "-l", "zh", "--no-fuzzy-matching",
                    "--ignore-obsolete"], cwd=ROOT, check=True)
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
        text = ZH.get(key)
        if text is None:
            missing.append(message.id)
            continue
        message.string = (text,) if isinstance(key, tuple) else text
        message.flags.discard("fuzzy")
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=110, no_location=True, omit_header=False)
    for message_id in missing:
        print(f"untranslated: {message_id!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
