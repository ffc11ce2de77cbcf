"""Personal data: find and mask names, phone numbers, e-mails and ID-card numbers.

Reports and executed notebooks are shared with people who must not see a
customer's contact details. :func:`salesnb.io.load_workspace` therefore masks
personal data before any notebook sees it:

* the personal columns of the data contract are masked as a whole value —
  ``customer_name`` (:func:`mask_company_name`), ``contact``
  (:func:`mask_person_name`), ``phone`` (:func:`mask_phone`) and ``email``
  (:func:`mask_email`);
* every other free-text column (survey comments, complaint descriptions,
  interview notes, the action register's text, columns the contract does not
  know …) is searched for mainland mobile and landline numbers, e-mail
  addresses, ID-card numbers (18 digits, also written in groups with spaces or
  hyphens, and the old 15-digit form), bank-card numbers (16–19 digits, grouped
  or not, that pass the Luhn check) and for the names of the workspace's
  customers and contacts, which are masked where they occur (:class:`Masker`).
  Full-width digits (``１３８…``) are matched like ASCII ones.

Identifier columns (``customer_id`` …) are never changed: they are how tables
join. The unmasked contact details stay in the input files and in the run's
internal contact list (``internal/contacts.csv``), which the report points to.

The patterns are deliberately generous (an 11-digit number that looks like a
mobile number is masked even when it is something else): in a shared report a
masked order number is a small loss, a leaked phone number is not.

Examples
--------
>>> mask_text("请回电 13812345678 或 li.na@example.com")
'请回电 138****5678 或 l***@example.com'
>>> Masker(("刘伟",)).text("与刘伟面谈")
'与刘*面谈'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

__all__ = [
    "MOBILE",
    "LANDLINE",
    "EMAIL",
    "ID_CARD",
    "ID_CARD_15",
    "BANK_CARD",
    "PATTERNS",
    "luhn_valid",
    "mask_phone",
    "mask_email",
    "mask_id_card",
    "mask_person_name",
    "mask_company_name",
    "mask_text",
    "find_personal_data",
    "Masker",
    "PERSONAL_COLUMNS",
]

MOBILE = re.compile(r"(?<![\d*])(?P<cc>(?:\+|00)?86[- ]?)?(?P<head>1[3-9]\d)[- ]?(?P<mid>\d{4})[- ]?(?P<tail>\d{4})(?![\d*])")
"""Mainland mobile numbers: ``13812345678``, ``138-1234-5678``, ``+86 138 1234 5678``."""

LANDLINE = re.compile(
    r"(?<![\d*])(?P<area>\(0[1-9]\d{1,2}\)|（0[1-9]\d{1,2}）|0[1-9]\d{1,2})[- ]?(?P<number>[2-9]\d{6,7})(?P<ext>-\d{1,5})?(?![\d*])"
)
"""Mainland landlines with area code: ``021-62345678``, ``(0755)88886666``, ``010 62345678``."""

EMAIL = re.compile(r"(?<![\w.+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
"""E-mail addresses."""

_SEP = r"[ \-]?"
ID_CARD = re.compile(
    r"(?<![0-9A-Za-z*])(?P<region>[1-9]\d{5})" + _SEP
    + r"(?P<birth>(?:18|19|20)\d{2}" + _SEP + r"(?:0[1-9]|1[0-2])" + _SEP + r"(?:0[1-9]|[12]\d|3[01]))" + _SEP
    + r"(?P<seq>\d{3})" + _SEP + r"(?P<check>[\dXx])(?![0-9A-Za-z*])"
)
"""18-digit resident ID-card numbers (region, a plausible birth date, sequence, check digit), also written
in groups: ``110101 19900307 123X``, ``110101-1990-0307-123X``."""

ID_CARD_15 = re.compile(
    r"(?<![0-9A-Za-z*])(?P<region>[1-9]\d{5})(?P<birth>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?P<seq>\d{3})(?![0-9A-Za-z*])"
)
"""The first-generation 15-digit ID-card numbers (region, a YYMMDD birth date, sequence)."""

BANK_CARD = re.compile(r"(?<![\d*])\d(?:[ \-]?\d){15,18}(?![\d*])")
"""Bank-card numbers: 16–19 digits, grouped by spaces or hyphens or not; masked only when they pass
:func:`luhn_valid` (so most order numbers and amounts are left alone)."""

PATTERNS: dict[str, re.Pattern] = {"id_card": ID_CARD, "id_card_15": ID_CARD_15, "bank_card": BANK_CARD,
                                   "mobile": MOBILE, "landline": LANDLINE, "email": EMAIL}
"""Kind → pattern, in the order they are masked (ID and bank cards first: they contain mobile-like runs)."""

_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "\u3000": " ", "－": "-",
                            "＠": "@", "．": ".", "（": "(", "）": ")", "＋": "+"})
"""Full-width digits and punctuation → ASCII, one character for one (positions are kept)."""


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a card number; separators are ignored.

    >>> luhn_valid("4111 1111 1111 1111"), luhn_valid("4111 1111 1111 1112")
    (True, False)
    """
    nums = [int(c) for c in digits if c.isdigit()]
    if not 16 <= len(nums) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(nums)):
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


PERSONAL_COLUMNS: dict[str, str] = {"customer_name": "company", "contact": "person", "phone": "phone", "email": "email"}
"""Contract columns that are personal data as a whole value, and how each is masked."""

_LEGAL_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "工厂", "厂", "研究院", "研究所",
    "co., ltd.", "co.,ltd.", "co. ltd.", "co., ltd", "ltd.", "ltd", "inc.", "inc", "gmbh", "llc", "corp.", "corp",
)


def _mask_mobile(m: re.Match) -> str:
    return f"{m['cc'] or ''}{m['head']}****{m['tail']}"


def _mask_landline(m: re.Match) -> str:
    number = m["number"]
    return f"{m['area']}-{'*' * (len(number) - 4)}{number[-4:]}"


def _mask_email(m: re.Match) -> str:
    return f"{m['local'][0]}***@{m['domain']}"


def _mask_id(m: re.Match) -> str:
    return f"{m['region']}********{m['seq']}{m['check']}"


def _mask_id_15(m: re.Match) -> str:
    return f"{m['region']}******{m['seq']}"


def _mask_bank_card(m: re.Match) -> str:
    """All digits but the last four starred, separators kept: ``6222 0200 1234 5678`` → ``**** **** **** 5678``."""
    text = m.group(0)
    if not luhn_valid(text):
        return text
    n = sum(c.isdigit() for c in text)
    seen, out = 0, []
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > n - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


_MASKERS = {"id_card": _mask_id, "id_card_15": _mask_id_15, "bank_card": _mask_bank_card, "mobile": _mask_mobile,
            "landline": _mask_landline, "email": _mask_email}
_VALID = {"bank_card": lambda m: luhn_valid(m.group(0))}


def _sub(pattern: re.Pattern, fn, text: str) -> str:
    """``pattern.sub(fn, text)``, matching full-width digits like ASCII ones (the masked span comes out in ASCII)."""
    norm = text.translate(_FULLWIDTH)
    if norm == text:
        return pattern.sub(fn, text)
    out, last = [], 0
    for m in pattern.finditer(norm):
        out += [text[last:m.start()], fn(m)]
        last = m.end()
    return "".join(out) + text[last:]


def mask_phone(value: str | None) -> str | None:
    """A phone-number cell masked: mobile ``138****5678``, landline ``021-****5678``;
    any other value keeps only its last four characters.

    >>> mask_phone("13812345678"), mask_phone("021-62345678"), mask_phone("ext 1234567")
    ('138****5678', '021-****5678', '*******4567')
    """
    if value is None or not str(value).strip():
        return value
    text = str(value).strip()
    masked = mask_text(text)
    if masked != text:
        return masked
    keep = 4 if len(text) > 4 else 0
    return "*" * (len(text) - keep) + text[len(text) - keep:]


def mask_email(value: str | None) -> str | None:
    """An e-mail cell masked to its first character and the domain.

    >>> mask_email("hongmei.huang@anjie.com")
    'h***@anjie.com'
    """
    if value is None or not str(value).strip():
        return value
    text = str(value).strip()
    masked = EMAIL.sub(_mask_email, text)
    return masked if masked != text else (text[0] + "***" if text else text)


def mask_id_card(value: str) -> str:
    """An 18-digit ID-card number masked to its first six and last four characters.

    >>> mask_id_card("11010119900307123X")
    '110101********123X'
    """
    return ID_CARD.sub(_mask_id, value)


def mask_person_name(value: str | None) -> str | None:
    """A person's name masked to its first character: ``刘伟`` → ``刘*``,
    ``John Smith`` → ``J*** S***``.

    >>> mask_person_name("欧阳娜娜"), mask_person_name("John Smith")
    ('欧***', 'J*** S***')
    """
    if value is None or not str(value).strip():
        return value
    text = str(value).strip()
    if text.isascii():
        return " ".join(w[0] + "***" for w in text.split())
    return text[0] + "*" * (len(text) - 1)


def mask_company_name(value: str | None) -> str | None:
    """A company name masked to its first character and its legal form.

    >>> mask_company_name("南京立信精细化工有限公司"), mask_company_name("Acme Widgets Co., Ltd.")
    ('南***有限公司', 'A*** Co., Ltd.')
    """
    if value is None or not str(value).strip():
        return value
    text = str(value).strip()
    lower = text.casefold()
    for suffix in _LEGAL_SUFFIXES:
        if lower.endswith(suffix) and len(text) > len(suffix):
            head, tail = text[: len(text) - len(suffix)], text[len(text) - len(suffix):]
            sep = " " if head.endswith(" ") else ""
            return head[0] + "***" + sep + tail
    return text[0] + "***"


def mask_text(text: str | None) -> str | None:
    """Free text with every phone number, e-mail address and ID-card number masked.

    >>> mask_text("身份证 11010119900307123X，电话 (0755)88886666")
    '身份证 110101********123X，电话 (0755)-****6666'
    """
    if text is None or not isinstance(text, str):
        return text
    for kind, pattern in PATTERNS.items():
        if kind == "email" and "@" not in text and "＠" not in text:
            continue
        text = _sub(pattern, _MASKERS[kind], text)
    return text


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """``(kind, match)`` for every phone number, e-mail, ID-card and bank-card number in ``text``
    (full-width digits read as ASCII; a bank card only when it passes the Luhn check).

    >>> find_personal_data("call 13812345678")
    [('mobile', '13812345678')]
    """
    found = []
    norm = text.translate(_FULLWIDTH)
    for kind, pattern in PATTERNS.items():
        valid = _VALID.get(kind, lambda m: True)
        found += [(kind, text[m.start():m.end()]) for m in pattern.finditer(norm) if valid(m)]
    return found


@dataclass(frozen=True)
class Masker:
    """Masks personal data in free text, including a list of known names.

    Parameters
    ----------
    names : tuple of str
        Person and company names to mask wherever they occur (e.g. the
        workspace's contacts and customer names). Names shorter than two
        characters are ignored.

    Examples
    --------
    >>> Masker(("刘伟", "宁波宇航机械有限公司")).text("宁波宇航机械有限公司的刘伟说：电话 13298466306")
    '宁***有限公司的刘*说：电话 132****6306'
    """

    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        usable = sorted({n.strip() for n in self.names if isinstance(n, str) and len(n.strip()) >= 2}, key=lambda n: (-len(n), n))
        object.__setattr__(self, "names", tuple(usable))
        pattern = None
        if usable:
            alternatives = "|".join(re.escape(n) if not n.isascii() else rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" for n in usable)
            pattern = re.compile(alternatives)
        object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def from_tables(cls, tables: Mapping[str, "object"]) -> "Masker":
        """A masker knowing the customer names and contacts of a workspace's tables."""
        names: list[str] = []
        customers = tables.get("customers")
        if customers is not None:
            for column in ("customer_name", "contact"):
                if column in customers:
                    names += [str(v) for v in customers[column].dropna()]
        return cls(tuple(names))

    def _name(self, m: re.Match) -> str:
        name = m.group(0)
        return mask_company_name(name) if len(name) > 4 and not name.isascii() else mask_person_name(name)

    def text(self, value: str | None) -> str | None:
        """``value`` with known names, phones, e-mails and ID-card numbers masked."""
        if value is None or not isinstance(value, str):
            return value
        value = mask_text(value)
        if self._pattern is not None:
            value = self._pattern.sub(self._name, value)
        return value

    def series(self, values):
        """A pandas Series of text masked value by value (missing stays missing)."""
        return values.map(self.text, na_action="ignore").astype(values.dtype)


def mask_column(values, how: str):
    """Mask a whole personal column: ``how`` is ``company``, ``person``, ``phone`` or ``email``."""
    fn = {"company": mask_company_name, "person": mask_person_name, "phone": mask_phone, "email": mask_email}[how]
    return values.map(fn, na_action="ignore").astype(values.dtype)


def names_in(texts: Iterable[str], names: Iterable[str]) -> list[str]:
    """The ``names`` that occur in any of ``texts`` (a scanner for tests and checks)."""
    joined = "\n".join(texts)
    return sorted({n for n in names if n and n in joined})
