"""Untrusted XML exports read safely (defusedxml), and the record elements found in them with their lines.

Shared by the EndNote XML and PubMed XML readers. Entity declarations and external references are always
refused, which rules out entity-expansion bombs and reads of local files; a DOCTYPE is refused unless the
format's own files carry one (PubMed's name an external DTD, which expat never fetches).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from .base import ImportFormatError


def xml_parse(text: str, filename: str, *, format_name: str, allow_doctype: bool = False) -> Element:
    try:
        return DefusedET.fromstring(
            text, forbid_dtd=not allow_doctype, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden:
        raise _refused(text, filename, "<!DOCTYPE", "declares a DTD (<!DOCTYPE ...>)", format_name) from None
    except EntitiesForbidden:
        raise _refused(text, filename, "<!ENTITY", "declares XML entities", format_name) from None
    except ExternalReferenceForbidden:
        raise _refused(text, filename, "SYSTEM", "refers to an external file or URL", format_name) from None
    except ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else None
        reason = str(err).split(":")[0]
        raise ImportFormatError(
            f"the XML is not well-formed ({reason})", filename=filename, line=line
        ) from None
    except (ValueError, RecursionError) as err:
        raise ImportFormatError(f"the XML could not be read ({err})", filename=filename) from None


def _refused(text: str, filename: str, marker: str, what: str, format_name: str) -> ImportFormatError:
    position = text.find(marker)
    line = text.count("\n", 0, position) + 1 if position >= 0 else None
    return ImportFormatError(
        f"the XML {what}; such files are refused for safety ({format_name} exports never need that)",
        filename=filename,
        line=line,
    )


def xml_find_records(root: Element, tags: Collection[str]) -> list[Element]:
    """Record elements in document order, not looking inside a record (records never nest in an export)."""
    found, stack = [], [root]
    while stack:
        element = stack.pop()
        if element.tag in tags:
            found.append(element)
        else:
            stack.extend(reversed(list(element)))
    return found


def xml_record_lines(text: str, record_start: re.Pattern[str], count: int) -> list[int]:
    """Line of each record's start tag; 0 for all when the tags cannot be matched up one to one."""
    starts = [match.start() for match in record_start.finditer(text)]
    if len(starts) != count:
        return [0] * count
    lines, line, previous = [], 1, 0
    for start in starts:
        line += text.count("\n", previous, start)
        lines.append(line)
        previous = start
    return lines
