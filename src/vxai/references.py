"""The appendix's bibliography: report/references.bib plus the entries plugin methods carry."""

import re
from pathlib import Path

from vxai.errors import UserError
from vxai.methods.registry import ordered, spec


FIELD = re.compile(r"(\w+)\s*=\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")


def read_bibtex_text(text):
    """{key: "Authors (year). Title. Venue."} from BibTeX text: entries on one line or many,
    fields in braces (up to two levels of nested braces)."""
    entries = {}
    for entry in re.split(r"(?m)^\s*(?=@)|(?<=\})\s*(?=@)", text):
        found = re.match(r"\s*@\w+\s*\{\s*([^,\s]+)\s*,(.*)\}\s*$", entry, re.S)
        if not found:
            continue
        key, body = found.groups()
        fields = {k.lower(): re.sub(r"[{}]", "", v).strip() for k, v in FIELD.findall(body)}
        authors = fields.get("author", "").split(" and ")
        names = authors[0].split(",")[0] + (" et al." if len(authors) > 1 else "")
        venue = fields.get("booktitle") or fields.get("journal", "")
        entries[key] = f"{names} ({fields.get('year', '')}). {fields.get('title', '')}. {venue}."
    return entries


def bibliography(path, methods):
    """The BibTeX database at `path` plus the entries that `methods` carry in their
    registration; a method whose reference is in neither stops with its name and file."""
    text = Path(path).read_text()
    keys = set(read_bibtex_text(text))
    for method in ordered(methods):
        found = spec(method)
        if found.bibtex and found.reference not in keys:
            text += "\n" + found.bibtex.strip() + "\n"
            keys |= set(read_bibtex_text(found.bibtex))
        if found.reference and found.reference not in keys:
            raise UserError(f"method '{method}' ({found.path}) cites '{found.reference}', which "
                            f"is not in {path}; add the entry there or as the method's bibtex")
    return text
