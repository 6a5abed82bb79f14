"""A small HTML reader (standard library only) for checks on the structure of pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.all: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        self.all.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack[1:]:
            element.text += data


def parse(content: bytes | str) -> list[Element]:
    """Every element of the document in source order, each with the text it contains."""
    reader = _Reader()
    reader.feed(content.decode() if isinstance(content, bytes) else content)
    return reader.all


def find(elements: list[Element], tag: str, **attrs: str) -> list[Element]:
    return [
        e for e in elements if e.tag == tag and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
    ]


def text_of(content: bytes) -> str:
    """The visible text of a page with whitespace collapsed, for assertions on sentences."""
    body = [e for e in parse(content) if e.tag == "body"]
    return " ".join(body[0].text.split()) if body else ""


def within(element: Element, tag: str, **attrs: str) -> list[Element]:
    """The descendants of `element` with `tag` (and `attrs`), in source order."""
    found: list[Element] = []
    for child in element.children:
        if child.tag == tag and all(child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
            found.append(child)
        found.extend(within(child, tag, **attrs))
    return found
