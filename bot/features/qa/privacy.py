"""The privacy guard: personal data in a question is found before anything leaves kiun, and redacted for the log.

Detected: 個人番号 (My Number: 12 digits whose check digit is valid), phone numbers (Japanese fixed, mobile,
toll-free, +81), e-mail addresses, and payment card numbers (13–16 digits passing the Luhn check).
Digits are read after NFKC, so full-width ０９０ and separators (-, space, ー) count too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("mynumber", "phone", "email", "card")

_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)
_SEP = r"[-‐‑–—−ー\s()]?"
# 0X0-XXXX-XXXX mobiles, 0X-XXXX-XXXX fixed lines, 0120 toll-free, +81 international.
_PHONE = re.compile(
    rf"(?<![\d])(?:\+81{_SEP}\d{{1,4}}|0\d{{1,4}}){_SEP}\d{{1,4}}{_SEP}\d{{3,4}}(?![\d])",
)
_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[-\s]?\d){11,18}(?![\d])")


@dataclass
class Finding:
    kind: str
    start: int
    end: int


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def valid_my_number(digits: str) -> bool:
    """The 個人番号 check digit (番号法施行令 第8条): weights 2–7 over the first 11 digits from the right."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(d) for d in digits[:11]]
    total = sum(d * ((n + 1) if n <= 6 else (n - 5)) for n, d in enumerate(reversed(body), start=1))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _luhn(digits: str) -> bool:
    total = 0
    for n, char in enumerate(reversed(digits)):
        value = int(char) * (2 if n % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def find(text: str) -> list[Finding]:
    """Personal data found in ``text`` (positions refer to its NFKC form), in order, without overlaps."""
    norm = unicodedata.normalize("NFKC", text or "")
    found: list[Finding] = []
    for match in _EMAIL.finditer(norm):
        found.append(Finding("email", match.start(), match.end()))
    for match in _DIGIT_RUN.finditer(norm):
        digits = _digits(match.group())
        if len(digits) == 12 and valid_my_number(digits):
            found.append(Finding("mynumber", match.start(), match.end()))
        elif 13 <= len(digits) <= 16 and _luhn(digits):
            found.append(Finding("card", match.start(), match.end()))
    for match in _PHONE.finditer(norm):
        digits = _digits(match.group())
        if 10 <= len(digits) <= 13:
            found.append(Finding("phone", match.start(), match.end()))
    found.sort(key=lambda item: (item.start, -item.end))
    result: list[Finding] = []
    for item in found:
        if not result or item.start >= result[-1].end:
            result.append(item)
    return result


def redact(text: str) -> str:
    """``text`` (NFKC) with each finding replaced by its label (``[個人番号]``, ``[電話番号]``, …)."""
    labels = {"mynumber": "[個人番号]", "phone": "[電話番号]", "email": "[メールアドレス]", "card": "[カード番号]"}
    norm = unicodedata.normalize("NFKC", text or "")
    out, last = [], 0
    for item in find(norm):
        out.append(norm[last : item.start] + labels[item.kind])
        last = item.end
    out.append(norm[last:])
    return "".join(out)
