"""How personal data appears to people: ID numbers masked to their first 6 and last 4 characters.

The database and results.jsonl keep full numbers (matching needs them); everything a clerk,
reviewer or log reads goes through here.
"""

from __future__ import annotations

import re
from typing import Optional

# Fields whose value is an ID number: masked in text, and their page region drawn flat in any
# picture shown to someone who reads it masked (a region's margin, the label, stays).
PRIVATE_FIELDS = ("id_number",)

_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")


def mask_id(id_number: Optional[str]) -> str:
    """``150203199001011234`` → ``150203********1234``; too short to mask partially → all stars."""
    if not id_number:
        return ""
    s = str(id_number).strip()
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_ids_in_text(text: str) -> str:
    """Mask every 18-character ID number inside free text (messages, log lines)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
