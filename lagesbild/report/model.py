"""The report as plain data: headings, paragraphs, lists, tables and images, in order.

`content.build` fills it from the same core functions the pages use; `docx.render` and `pdf.render` only lay it
out, so the Word and the PDF version always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lagesbild import formatting

INTERNAL_MARK = "INTERN – innehåller exakta tal, får inte spridas"
PROTECTED_MARK = "Skyddad version: små tal är justerade och antal under 5 visas som ”<5”"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1   # 1: a chapter, 2: a section inside it


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "body"   # 'body', 'note' (smaller), 'missing' (what is not there), 'placeholder' (for the analyst)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame   # every cell text, or a number written by the format its table carries
    caption: str = ""

    def __post_init__(self) -> None:
        # Display tables keep numbers as numbers (with '<5' for a hidden count as a missing number): write them as
        # the page shows them, so the report says '<5' and '1 234,5' too.
        object.__setattr__(self, "frame", formatting.as_text(self.frame))


@dataclass(frozen=True)
class Image:
    png: bytes
    caption: str
    width_cm: float = 16.0


Block = Heading | Paragraph | Bullets | Table | Image


@dataclass
class Report:
    title: str
    subtitle: str
    internal: bool
    made: date
    blocks: list[Block] = field(default_factory=list)

    @property
    def marking(self) -> str:
        """What every page says in its header and footer."""
        return INTERNAL_MARK if self.internal else PROTECTED_MARK

    def headings(self, level: int | None = None) -> list[str]:
        """The headings' texts in order (of one level when given)."""
        return [b.text for b in self.blocks if isinstance(b, Heading) and (level is None or b.level == level)]

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def cell_text(value: object) -> str:
    """A table cell as Swedish text: decimal comma, '' for nothing."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return formatting.number(value, 0 if value.is_integer() and abs(value) >= 100 else 1)
    return str(value)
