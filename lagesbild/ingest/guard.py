"""The privacy guard: no personal identity number or person name is ever stored, whichever way data get in.

Every path calls this one module: table files (incidents, interventions, population), boundary files, the
police JSON, the register form and the aliases and categories made on the upload page. It offers three levels:

- a value check (`value_reason`) for one piece of text, free text included;
- a column check (`column_problem`) that also judges a column as a whole (names by header, by shape);
- a table check (`check`) that refuses a whole file (`FileRefusedError`) before anything is stored.

Personal identity numbers (personnummer, and samordningsnummer with day + 60) are recognised by their date and
Luhn check digit (python-stdnum), in every written form seen in office files: with or without century, with a
hyphen, plus, en dash, no-break space or none, with the digits in pairs, inside longer text such as
"Anm-811218-9876". Decimal numbers (coordinates, amounts) are never read as one. Names are recognised by a
common first name followed by a surname-like word, in any case, and (in text columns) by whole values shaped
"Förnamn Efternamn". Refusals name file, row, column and reason, never the value itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer

from lagesbild.ingest.columns import person_headers
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.tables import Table
from lagesbild.ingest.values import RE2_SPACE, WHITESPACE

# Dashes and spaces people and programs put between the parts of a number, read as "-" and " " (one for one,
# so positions in the text stay the same and masking hits the right characters).
_SAME_LENGTH = str.maketrans(
    {**{c: "-" for c in "\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
     **{c: " " for c in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f\u205f\u3000"},
     **{chr(0xFF10 + n): str(n) for n in range(10)}})
_BEFORE = r"(?<![0-9])(?<![0-9][.,])"   # not the tail of a longer number or of a decimal fraction
_AFTER = r"(?![0-9])(?![.,][0-9])"      # not the head of a longer number or of a decimal number
_SEP = r"(?: ?[-+] ?| )"
_PNR = re.compile(
    _BEFORE + r"(?:"
    r"(?P<c1>19|20)?(?P<d1>[0-9]{6})" + _SEP + r"?(?P<t1>[0-9]{4})"                       # 811218-9876, 198112189876
    r"|(?P<c2>19|20)?(?P<d2>[0-9]{2} [0-9]{2} [0-9]{2})" + _SEP + r"(?P<t2>[0-9]{2} ?[0-9]{2})"  # 81 12 18-98 76
    r")" + _AFTER)

FIRST_NAMES = {
    "anna", "eva", "maria", "karin", "sara", "lena", "emma", "kerstin", "elin", "ida", "johanna", "linnea",
    "marie", "ingrid", "hanna", "julia", "malin", "sofia", "elsa", "alice", "maja", "ebba", "wilma", "moa",
    "lars", "anders", "johan", "per", "erik", "karl", "peter", "jan", "thomas", "daniel", "fredrik", "hans",
    "mikael", "bengt", "magnus", "nils", "oskar", "lucas", "william", "liam", "hugo", "elias", "noah", "adam",
    "ali", "mohammed", "ahmed", "fatima", "sven", "olof", "gustav", "axel", "david", "emil", "jonas", "mats",
    "christina", "birgitta", "elisabeth", "margareta", "camilla", "jessica", "sandra", "frida", "amanda",
    "lisa", "linda", "helena", "annika", "susanne", "cecilia", "ulla", "gunilla", "jenny", "mohamed",
    "stefan", "andreas", "martin", "mattias", "alexander", "patrik", "niklas", "joakim", "marcus", "leo",
    "filip", "viktor", "robert", "henrik", "tobias", "simon", "rasmus", "sebastian", "isak", "albin", "linus",
    "kevin", "anton", "omar", "yusuf", "ibrahim", "leila", "amina", "olivia", "astrid", "vera", "stina",
    # the short forms people write in a hurry, and the names of the generations safety hosts meet on the street
    "kalle", "pelle", "olle", "nisse", "janne", "micke", "lasse", "bosse", "kicki", "lotta", "pia", "åsa",
    "ulf", "göran", "leif", "kent", "tommy", "åke", "rolf", "kjell", "ingvar", "lennart", "gunnar", "jörgen",
    "ola", "inger", "marianne", "monica", "carina", "anneli", "mona", "ronja", "nora", "saga", "selma", "tilde",
}
# First names that are also common Swedish words: counted only when written with capitals, or as a whole value.
WORDLIKE_NAMES = {"per", "jan", "hans", "mats", "karl", "axel", "maj", "vera", "leo", "linnea", "frida", "ali"}
SURNAMES = {
    "ali", "mohammed", "mohamed", "ahmed", "hassan", "hussein", "nguyen", "wallin", "nordin", "lundin", "lind",
    "berg", "holm", "ek", "blom", "falk", "björk", "engström", "sjöberg", "öberg", "åberg",
    "eklund", "nyström", "wikström", "hedlund", "mårtensson", "löfgren", "nowak", "kowalski", "ibrahim", "omar",
    "yusuf", "abdi", "said", "hussain", "khan", "jovanović", "jovanovic", "nilsdotter", "svensdotter",
}
_SURNAME_ENDINGS = ("sson", "son", "berg", "ström", "strom", "lund", "qvist", "kvist", "gren", "holm", "dahl",
                    "stedt", "sköld", "dotter")
NOT_SURNAMES = {"person", "personal", "garnison", "stockholm", "bornholm", "helsingborg", "göteborg", "isberg",
                "unison", "rason"}
_PLACE_WORDS = re.compile(r"(gatan|gata|vägen|väg|torget|torg|platsen|plats|parken|park|skolan|skola|gården|"
                          r"gård|stigen|backen|backe|hallen|huset|stranden|strand|hamnen|hamn|allén|allé|leden|"
                          r"kyrkan|kyrka|kapellet|kapell|badet|bad|centrum|hus)$")
_ID_HINT = re.compile(r"\d{6}\D{0,3}\d{4}|\d\d\s\d\d\s\d\d")  # what every written form has: a cheap first look
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?")
_NAME = re.compile(r"^[A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäö]+)?(?: [A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäö]+)?){1,2}$")

# Column modes: a place-like column (categories, areas, codes) is checked for numbers and for first name plus
# surname; a text column also for whole values shaped like names, for its header and as a whole. FORM is what a
# person types into a form (a report's comment, an intervention's fields): also any capitalised word before a
# capitalised surname ("Kalle Svensson", whatever the first name), since no list holds every first name.
PLACE, TEXT, FORM = "place", "text", "form"


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by Swedish personal identity numbers (on the 10-digit form)."""
    return luhn.is_valid(digits)


def _valid(century: str | None, birth: str, tail: str) -> bool:
    """Whether date and check digit make a personnummer, or (day + 60) a samordningsnummer."""
    if not luhn.is_valid(birth + tail):  # the check digit is computed on the number as written
        return False
    day = int(birth[4:6])
    if day > 60:
        birth = birth[:4] + f"{day - 60:02d}"
    try:
        born = personnummer.get_birth_date((century or "") + birth + "-" + tail)
    except ValidationError:
        return False
    return born <= date.today()


def _matches(text: str) -> Iterable[re.Match[str]]:
    for match in _PNR.finditer(text.translate(_SAME_LENGTH)):
        century = match.group("c1") or match.group("c2")
        birth = (match.group("d1") or match.group("d2")).replace(" ", "")
        tail = (match.group("t1") or match.group("t2")).replace(" ", "")
        if _valid(century, birth, tail):
            yield match


def personal_ids_in(text: str) -> list[str]:
    """Valid personal identity numbers found in `text`, in their 10-digit form."""
    return ["".join(re.findall(r"[0-9]", m.group(0)))[-10:] for m in _matches(str(text))]


def mask(text: str) -> str:
    """The text with every digit of every personal identity number replaced by '*'."""
    text = str(text)
    spans = [m.span() for m in _matches(text)]
    if not spans:
        return text
    chars = list(text)
    normalised = text.translate(_SAME_LENGTH)
    for start, end in spans:
        for position in range(start, end):
            if normalised[position].isdigit():
                chars[position] = "*"
    return "".join(chars)


def _surname_like(word: str) -> bool:
    lower = word.lower()
    if lower in SURNAMES:
        return True
    if lower in NOT_SURNAMES:
        return False
    return any(lower.endswith(end) and len(lower) >= len(end) + 2 for end in _SURNAME_ENDINGS)


_CAPITALISED_PAIR = re.compile(r"(?=\b([A-ZÅÄÖÉ][a-zåäöéü]+) +([A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖÉ][a-zåäöéü]+)?)\b)")


def _clearly_a_surname(word: str) -> bool:
    """A surname nothing else is written like: -sson, -dotter, or a listed surname of five letters or more."""
    lower = word.lower()
    if lower in NOT_SURNAMES or lower in FIRST_NAMES:
        return False
    return (lower.endswith("sson") and len(lower) >= 6) or lower.endswith("dotter") or (
        lower in SURNAMES and len(lower) >= 5)


def capitalised_name_in(text: str) -> bool:
    """Whether typed text holds a capitalised word before a capitalised, clearly surname-like one ("Kalle
    Svensson", "Ronny Nilsson-Berg"), neither of them a place word ("Kyrkan Olsson" is not counted)."""
    for found in _CAPITALISED_PAIR.finditer(str(text)):
        first, last = found.group(1), found.group(2)
        if _PLACE_WORDS.search(first.lower()) or _PLACE_WORDS.search(last.lower()):
            continue
        if any(_clearly_a_surname(part) for part in last.split("-")):
            return True
    return False


def names_in(text: str) -> bool:
    """Whether free text names a person: a common first name next to a surname-like word, in any case.

    "Anna Svensson", "anna svensson", "Svensson Anna" and "Svensson, Anna" all count; a first name that is
    also a common word ("per", "hans") counts only when both words have capitals or they are the whole value.
    """
    text = str(text)
    if FIRST_NAMES.isdisjoint(_LETTERS.findall(text.lower())):
        return False
    words = list(_WORD.finditer(text))
    whole = len(words) in (2, 3) and not _WORD.sub("", text).strip(" ,.")
    for one, other in zip(words, words[1:], strict=False):
        gap = text[one.end():other.start()]
        pairs = []
        if gap and not gap.strip():
            pairs.append((one.group(0), other.group(0)))
        if whole and gap.strip() in ("", ",") and gap:
            pairs.append((other.group(0), one.group(0)))  # "Svensson Anna", "Svensson, Anna"
        for name, surname in pairs:
            if name.lower() not in FIRST_NAMES:
                continue
            if name.lower() in WORDLIKE_NAMES and not whole and not (name[0].isupper() and surname[0].isupper()):
                continue
            if _surname_like(surname.split("-")[-1]):
                return True
    return False


def is_a_name(text: str) -> bool:
    """Whether a whole value is shaped like 'Förnamn Efternamn' with a common first name."""
    text = str(text).strip()
    if not _NAME.match(text):
        return False
    words = text.lower().split(" ")
    return (words[0] in FIRST_NAMES and words[-1] not in FIRST_NAMES
            and not any(_PLACE_WORDS.search(w) for w in words[1:]))


# What a person types can hide a name or a number from a plain reading: invisible characters inside a word,
# letters from another alphabet that look Latin, fullwidth or Arabic-Indic digits, letters or digits spaced
# out one by one, dots and underscores between names. FORM mode reads the text as a person would see it first.
_LOOKALIKES = str.maketrans("аеорсхуАВЕКМНОРСТХкмтнвіІјЈѕαεοκνρτυχΑΕΟΚΝΡΤΥΧΒΜΗΙ",
                            "aeopcxyABEKMHOPCTXkmthbiIjJsaeoknptyxAEOKNPTYXBMHI")
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")
_SPACED_DIGITS = re.compile(r"(?<![0-9])(?:[0-9] ){5,}[0-9](?![0-9])")
_JOINED_WORDS = re.compile(r"(?<=[^\W\d_])[_./](?=[^\W\d_])")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\W\d_]{2,}")
# A personnummer written loosely: any of - . / space between the date's parts, one or two of - + . / _ : or a
# space before the last four digits ("1981-12-18-9876", "811218/9876", "81-12-18--9876"); still a valid date and
# check digit. "2026-11-26 21.40" is not one: the last four digits are not split by a dot.
_LOOSE_PNR = re.compile(_BEFORE + r"(?P<c>19|20)?(?P<y>[0-9]{2})[-./ ]?(?P<m>[0-9]{2})[-./ ]?(?P<d>[0-9]{2})"
                        r"(?:[-+./_:]{1,2}| )?(?P<t>[0-9]{2} ?[0-9]{2})" + _AFTER)
_SURNAME_FIRST = re.compile(r"\b([A-ZÅÄÖÉ][a-zåäöéü]+), ([A-ZÅÄÖÉ][a-zåäöéü]+)\b")


def as_seen(text: str, *, words_apart: bool = True) -> str:
    """Typed text as a reader sees it: NFKC, no invisible characters, look-alike letters and other digits made
    plain, spaced-out letters and digits joined, dots and underscores between words made spaces."""
    plain = unicodedata.normalize("NFKC", text)
    plain = "".join("-" if unicodedata.category(ch) == "Pd" or ch == "\u2043" else ch for ch in plain
                    if unicodedata.category(ch) != "Cf").translate(_LOOKALIKES)
    plain = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in plain)
    plain = _SPACED_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), plain)
    plain = _SPACED_DIGITS.sub(lambda m: m.group(0).replace(" ", ""), plain)
    return _JOINED_WORDS.sub(" ", plain) if words_apart else plain


def _loose_id_in(text: str) -> bool:
    for found in _LOOSE_PNR.finditer(text.translate(_SAME_LENGTH)):
        birth = found.group("y") + found.group("m") + found.group("d")
        if _valid(found.group("c"), birth, found.group("t").replace(" ", "")):
            return True
    return False


def _form_reason(text: str) -> str | None:
    """What FORM mode adds, on the text as seen: loose personnummer and names of any first name."""
    if _loose_id_in(text) or (_ID_HINT.search(text) and next(iter(_matches(text)), None)):
        return "personal_id"
    if names_in(text) or is_a_name(text) or capitalised_name_in(text) or any(
            _clearly_a_surname(found.group(1)) and found.group(2).lower() in FIRST_NAMES
            for found in _SURNAME_FIRST.finditer(text)):
        return "personal_name"
    return None


def value_reason(text: object, mode: str = PLACE) -> str | None:
    """'personal_id', 'personal_name' (FORM mode also 'personal_email') or None for one value (TEXT mode also
    judges whole values as names; FORM mode reads the text as seen, see `as_seen`)."""
    if text is None:
        return None
    text = str(text)
    if not text.strip():
        return None
    if _ID_HINT.search(text) and next(iter(_matches(text)), None):
        return "personal_id"
    if names_in(text) or (mode in (TEXT, FORM) and is_a_name(text)):
        return "personal_name"
    if mode == FORM:
        if _EMAIL.search(as_seen(text, words_apart=False)):
            return "personal_email"
        return _form_reason(as_seen(text))
    return None


def looks_like_names(values: pd.Series) -> bool:
    """Whether a column's values as a whole look like personal names (many 'Förnamn Efternamn')."""
    present = values[values.str.len() > 0].head(2000)
    if len(present) < 3:
        return False
    shaped = present[present.str.match(_NAME)]
    if len(shaped) < 0.3 * len(present):
        return False
    first = shaped.str.split(" ").str[0].str.lower()
    return bool(first.isin(FIRST_NAMES).mean() >= 0.2)


_STAMP = re.compile(r"((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})[ T]?([0-9]{2})([0-9]{2})([0-9]{2})?")


def _is_timestamp(value: str) -> bool:
    """Whether a value is a compact date and time such as 202603052140 (which can pass for a personnummer)."""
    match = _STAMP.fullmatch(value.strip())
    if not match:
        return False
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return hour < 24 and minute < 60 and second < 60


def _timestamp_column(distinct: list[str]) -> bool:
    """Whether a column holds compact timestamps: nine in ten of its values are such (then those are skipped)."""
    present = [v for v in distinct if v.strip()][:2000]
    return len(present) >= 3 and sum(map(_is_timestamp, present)) >= 0.9 * len(present)


# The same first looks in RE2 (Arrow), applied to a whole column at once; they may let through more than the
# Python checks would flag (those run on what they let through), never less: `\\d` is any Unicode digit (Nd),
# `\\s` exactly what str.isspace() calls space, and first names are matched in any case as parts of words.
_ID_HINT_RE2 = (r"\p{Nd}{6}\P{Nd}{0,3}\p{Nd}{4}|\p{Nd}\p{Nd}" + RE2_SPACE + r"\p{Nd}\p{Nd}" + RE2_SPACE
                + r"\p{Nd}\p{Nd}")
_FIRST_NAME_RE2 = "(?i)(?:" + "|".join(sorted(FIRST_NAMES)) + ")"


def _as_array(values: Sequence[object] | pa.Array) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    return pa.array(["" if v is None else str(v) for v in values], pa.string())


def column_problem(file_name: str, header: str, values: Sequence[object] | pa.Array,
                   row_numbers: Sequence[int], mode: str = TEXT) -> Problem | None:
    """The first personal data in one column, as a Problem that names file, row and column but not the value.

    Each distinct value is judged once, in the order of first appearance (categories and areas repeat a lot),
    and only those the column-wide first looks let through are judged in Python.
    """
    column = _as_array(values)
    distinct = pc.unique(column)  # in order of first appearance
    present = distinct.filter(pc.not_equal(pc.utf8_trim(distinct, characters=WHITESPACE), ""))
    stamps = _timestamp_column(present.slice(0, 2000).to_pylist())
    suspect = pc.or_(pc.match_substring_regex(distinct, _ID_HINT_RE2),
                     pc.match_substring_regex(distinct, _FIRST_NAME_RE2))
    for value in distinct.filter(suspect).to_pylist():
        if stamps and _is_timestamp(value):
            continue
        reason = value_reason(value, mode)
        if reason:
            position = pc.index(column, value).as_py()
            return Problem(file_name, int(row_numbers[position]), header, None, reason)
    if mode == TEXT:
        present = column.filter(pc.greater(pc.utf8_length(column), 0)).slice(0, 2000)
        if looks_like_names(pd.Series(present.to_pylist(), dtype="string")):
            first = next(i for i, v in enumerate(column.to_pylist()) if _NAME.match(v))
            return Problem(file_name, int(row_numbers[first]), header, None, "personal_name")
    return None


def check_column(file_name: str, header: str, values: Sequence[object] | pa.Array, row_numbers: Sequence[int],
                 mode: str = TEXT) -> None:
    """Refuse the file (FileRefusedError) if one column holds personal data."""
    found = column_problem(file_name, header, values, row_numbers, mode)
    if found:
        raise FileRefusedError(found)


def check(table: Table, skip_name_check: set[str] | None = None, known_headers: set[str] | None = None) -> None:
    """Refuse the file (FileRefusedError) if any cell holds a personal identity number or a name.

    `skip_name_check`: place-like columns (categories, areas, sources) judged only for numbers and first name
    plus surname; `known_headers`: columns the importer recognised as something else, so a header such as
    "Namn" (an intervention's name) is not taken for a column of people's names.
    """
    places = skip_name_check or set()
    for header in person_headers(table.headers):
        if header not in (known_headers or set()):
            raise FileRefusedError(Problem(table.file_name, None, header, None, "personal_name"))
    for index, header in enumerate(table.headers):
        reason = value_reason(header, PLACE)
        if reason:  # a header is stored too (remembered mappings): name it by position, never by its text
            raise FileRefusedError(Problem(table.file_name, None, f"nr {index + 1}", None, reason))
    for index, header in enumerate(table.headers):
        check_column(table.file_name, header, table.column(index), table.row_numbers,
                     PLACE if header in places else TEXT)


def check_records(file_name: str, records: Sequence[object], fields: dict[str, str]) -> None:
    """Refuse a file of records (police JSON) if a field holds personal data; `fields`: key -> mode.

    A nested object (the police `location`) is judged by its `name`.
    """
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            continue
        for key, mode in fields.items():
            value = record.get(key)
            if isinstance(value, dict):
                value = value.get("name")
            reason = value_reason(value, mode)
            if reason:
                raise FileRefusedError(Problem(file_name, number, key, None, reason))


def check_file_name(file_name: str) -> None:
    """Refuse a file whose name holds personal data (file names are stored with every import)."""
    reason = value_reason(re.sub(r"[_.]+", " ", file_name), PLACE)
    if reason:
        shown = mask(file_name) if reason == "personal_id" else "*" + (re.search(r"\.\w+$", file_name) or [""])[0]
        raise FileRefusedError(Problem(shown, None, None, None, reason + "_in_file_name"))


def check_option(file_name: str, label: str, text: str | None) -> None:
    """Refuse an import whose typed option (a division's name) holds personal data; `label` names the option."""
    reason = value_reason(text, TEXT)
    if reason:
        raise FileRefusedError(Problem(file_name, None, label, None, reason))


FORM_REASONS = {
    "personal_id": ("{what} innehåller ett personnummer. Personuppgifter får inte sparas; ta bort numret.",
                    "{what} holds a Swedish personal identity number. Personal data are never stored."),
    "personal_name": ("{what} verkar innehålla ett personnamn. Personuppgifter får inte sparas; skriv utan namn.",
                      "{what} appears to hold a person's name. Personal data are never stored."),
    "personal_email": ("{what} innehåller en e-postadress. Personuppgifter får inte sparas; ta bort adressen.",
                       "{what} holds an e-mail address. Personal data are never stored."),
}


class PersonalDataError(ValueError):
    """A text typed by a person (a form field, an alias, a category) holds personal data; nothing is stored."""

    def __init__(self, what_sv: str, what_en: str, code: str) -> None:
        self.what = {"sv": what_sv, "en": what_en}
        self.code = code
        super().__init__(self.message("en"))

    def message(self, language: str = "sv") -> str:
        """The reason in Swedish ('sv') or English ('en'), without the value."""
        swedish, english = FORM_REASONS[self.code]
        return (swedish if language == "sv" else english).format(detail="", what=self.what[language])


def form_problems(fields: dict[str, object]) -> list[str]:
    """Swedish messages for the fields of a form that hold personal data; `fields`: Swedish label -> value(s)."""
    found = []
    for label, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        reasons = {value_reason(v, FORM) for v in values} - {None}
        for code in FORM_REASONS:
            if code in reasons:
                found.append(FORM_REASONS[code][0].format(what=f"Fältet ”{label}”"))
    return found


def check_text(text: str, what_sv: str, what_en: str) -> None:
    """Raise PersonalDataError if a typed text (alias, category label) holds personal data."""
    reason = value_reason(text, TEXT)
    if reason:
        raise PersonalDataError(what_sv, what_en, reason)
