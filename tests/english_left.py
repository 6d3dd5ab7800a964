"""Finding English that a page in another language still shows where a person reads it.

A sentence the site composes belongs in the catalogue; English that is data (a name, what staff wrote) is marked
`lang="en-GB"`. So the English rendering of a page is the reference: every sentence of it, and every clause ending
one, that reads as English words (four or more) and that the other rendering shows outside an element marked as
English is a sentence that bypassed the catalogue. Only text a person reads counts (not scripts, styles or the
head); blocks are compared one by one, so a match never spans two paragraphs. Nothing here guesses what is English:
it compares with the English the site itself rendered, so a Polish word that happens to be ASCII never counts.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

# Elements whose text is a block of its own: a clause never runs across one of their edges.
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "label", "legend", "li", "main", "nav", "ol", "option", "p", "section", "summary", "table", "td", "th", "tr",
    "ul",
}  # fmt: skip
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
# Where a sentence ends, and where a clause ends (also after a comma, colon or semicolon), before a space.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
CLAUSE_BREAK = re.compile(r"(?<=[,;:.!?])\s+")
MIN_WORDS = 4
# Marks around the text of an element marked as English, while the page is read out as lines.
OPEN, CLOSE = "\x01", "\x02"


def _is_english(tag: Tag) -> bool:
    return str(tag.get("lang", "")).lower().startswith("en")


def _read(node, marked: bool, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            out.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in {"script", "style", "template", "head", "title"}:
            continue
        block = child.name in BLOCKS
        english = not marked and _is_english(child)
        if block:
            out.append("\n")
        if english:
            out.append(OPEN)
        _read(child, marked or english, out)
        if english:
            out.append(CLOSE)
        if block:
            out.append("\n")


def readable_lines(html: str) -> list[tuple[str, list[bool]]]:
    """Each block of text a person reads, spaces squeezed, with which of its characters are marked as English."""
    soup = BeautifulSoup(html, "html.parser")
    root = soup.body or soup
    out: list[str] = []
    _read(root, False, out)
    lines, depth = [], 0
    for raw in "".join(out).split("\n"):
        text, mask, space = [], [], False
        for char in raw:
            if char == OPEN:
                depth += 1
            elif char == CLOSE:
                depth -= 1
            elif char.isspace():
                space = bool(text)
            else:
                if space:
                    text.append(" ")
                    mask.append(depth > 0)
                    space = False
                text.append(char)
                mask.append(depth > 0)
        if text:
            lines.append(("".join(text), mask))
    return lines


def english_clauses(html: str) -> set[str]:
    """The sentences of an English page, and the clauses that end them, that have English words enough to read as
    English: "Stanley is in Wakefield, not Leeds.", "so at least one is missing here."."""
    found = set()
    for line, _mask in readable_lines(html):
        for sentence in SENTENCE_BREAK.split(line):
            for clause in [sentence, *CLAUSE_BREAK.split(sentence)]:
                if clause[-1:] in ".!?" and len(ENGLISH_WORD.findall(clause)) >= MIN_WORDS:
                    found.add(clause)
    return found


def english_left(english_html: str, translated_html: str) -> list[str]:
    """The English page's clauses that the translated page shows outside anything marked `lang="en-GB"`."""
    lines = readable_lines(translated_html)
    left = set()
    for clause in english_clauses(english_html):
        for line, mask in lines:
            for hit in re.finditer(re.escape(clause), line):
                if not all(mask[hit.start() : hit.end()]):
                    left.add(clause)
    return sorted(left)


def phrases_left(phrases: dict[str, str], translated_html: str, min_words: int = 3) -> list[str]:
    """Catalogue entries (English → translation) of `min_words` or more whose English the page shows unmarked."""
    lines = readable_lines(translated_html)
    left = set()
    for english, translation in phrases.items():
        if translation == english or len(ENGLISH_WORD.findall(english)) < min_words:
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(english)}(?![\w-])")
        for line, mask in lines:
            for hit in pattern.finditer(line):
                if not all(mask[hit.start() : hit.end()]):
                    left.add(english)
    return sorted(left)


def unisolated_english(html: str, within: str = "main") -> list[str]:
    """Elements marked as English without `dir="ltr"`, which (like `bdi`) isolates them in a right-to-left line."""
    soup = BeautifulSoup(html, "html.parser")
    area = soup.select_one(within) or soup
    return [str(tag)[:120] for tag in area.find_all(_is_english) if tag.get("dir") != "ltr"]
