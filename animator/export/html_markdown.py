"""The Markdown of ``explain:`` and quiz explanations as safe HTML, for the exported player.

Converted in Python, at export time, so the page carries no Markdown library and a test can
check the output without a browser. Scene files are untrusted (a student may open anyone's
export), so everything is escaped first and only this small subset becomes markup: paragraphs,
headings, lists, pipe tables, fenced code, quotes, rules, ``**bold**``, ``*italic*``,
```code```, and links. A link is kept only for ``http``, ``https`` and ``mailto`` (the schemes
the app's Lesson sidebar opens), opens in a new tab, and is never fetched by the page itself.
"""

from __future__ import annotations

import html
import re

#: [text](url), the url allowed one level of parentheses (Wikipedia's "TCP_(protocol)").
_LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def inline(text: str) -> str:
    """One line's inline markup; ``text`` is raw (escaped here). Code spans are left alone inside."""
    pieces = _CODE.split(text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append(f"<code>{html.escape(piece, quote=False)}</code>")
            continue
        escaped = html.escape(piece, quote=False)
        escaped = _LINK.sub(_link, escaped)
        escaped = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
        escaped = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", escaped)
        out.append(escaped)
    return "".join(out)


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), html.unescape(match.group(2))
    if not url.lower().startswith(_SAFE_SCHEMES):
        return label
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a>'


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def markdown_html(text: str | None) -> str:
    """``text`` (Markdown) as HTML; an empty string for nothing."""
    if not text or not text.strip():
        return ""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            out.append("<p>" + " ".join(inline(p.strip()) for p in paragraph) + "</p>")
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
        elif stripped.startswith("```"):
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            i += 1
            out.append("<pre><code>" + html.escape("\n".join(code), quote=False) + "</code></pre>")
        elif (heading := _HEADING.match(stripped)) is not None:
            flush()
            level = min(6, len(heading.group(1)) + 2)  # the panel's own headings are h2
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            i += 1
        elif _RULE.match(stripped):
            flush()
            out.append("<hr>")
            i += 1
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            head = _cells(stripped)
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            cells = "".join(f"<th>{inline(c)}</th>" for c in head)
            body = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>")
        elif _BULLET.match(line) or _NUMBER.match(line):
            flush()
            ordered = _NUMBER.match(line) is not None
            pattern = _NUMBER if ordered else _BULLET
            items: list[str] = []
            while i < len(lines):
                item = pattern.match(lines[i])
                if item is not None:
                    items.append(item.group(1))
                elif lines[i].strip() and lines[i].startswith((" ", "\t")) and items:
                    items[-1] += " " + lines[i].strip()  # a wrapped item continues
                else:
                    break
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(item)}</li>" for item in items) + f"</{tag}>")
        elif stripped.startswith(">"):
            flush()
            quoted = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quoted.append(lines[i].strip()[1:].strip())
                i += 1
            out.append("<blockquote>" + markdown_html("\n".join(quoted)) + "</blockquote>")
        else:
            paragraph.append(line)
            i += 1
    flush()
    return "".join(out)
