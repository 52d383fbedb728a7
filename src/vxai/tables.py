"""Tables as the appendix shows them: column heads and rows of formatted cells, built here so
that the HTML and LaTeX templates only lay them out.

A table is a dict: `css` (its HTML class), `caption` (or None), `dataset` (the title it
belongs to, or None), `wrap_last` (its last column holds sentences), `columns` (heads) and
`rows`, each {"key": the method's config key or
None, "cells": [text]}. Every number goes through `number` or `interval`."""

import math

from vxai.metrics.registry import metric_specs

MISSING = "–"


def present(value):
    """True for a finite number (or any non-number that is not None)."""
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    return True


def number(value, digits=3):
    """A number with `digits` decimals ('%g' when digits is None), or – where it is missing."""
    if not present(value):
        return MISSING
    if isinstance(value, str):
        return value
    return f"{value:g}" if digits is None else f"{value:.{digits}f}"


def interval(value, low, high, digits=3):
    """'value [low, high]', the interval left out where it is missing."""
    text = number(value, digits)
    if present(value) and present(low) and present(high):
        text += f" [{number(low, digits)}, {number(high, digits)}]"
    return text


def digits_of(column):
    """Percentages print two decimals, every other score three."""
    return 2 if column.endswith("_pct") else 3


def table(css, columns, rows, caption=None, dataset=None, wrap_last=False):
    """`wrap_last`: the last column holds sentences (wrapped in print)."""
    return {"css": css, "columns": list(columns), "rows": list(rows), "caption": caption,
            "dataset": dataset, "wrap_last": wrap_last}


def row(cells, key=None):
    return {"key": key, "cells": [str(cell) for cell in cells]}


def from_frame(frame, css, corner="", caption=None, dataset=None, digits=3):
    """A table of a DataFrame: its index as the first column (headed `corner`), numbers
    formatted with `digits` decimals (None: '%g')."""
    rows = [row([label, *(number(v, digits) for v in values)])
            for label, values in zip(frame.index, frame.to_numpy().tolist())]
    return table(css, [corner, *map(str, frame.columns)], rows, caption, dataset)


def metric_columns(spec):
    """[(summary column, head, with interval)] of a metric's appendix table: its ranked
    columns, then the further ones it shows."""
    return ([(column, head, spec.interval) for column, (head, _) in spec.columns.items()]
            + [(column, head, False) for column, head in spec.shown.items()])


def metric_sections(overall, taus, references):
    """One section per registered metric that has a value: its title, paragraph, citation
    and a table of every method's summary (the first metric's with the samples scored, n) (overall rows of faithfulness.csv with display
    names in `dataset` and `method`, config key in `key`), and per dataset Kendall's tau
    between the methods' orders under it and under the first metric (`taus`: {(dataset
    title, column a, column b): (tau, methods)})."""
    specs = metric_specs()
    headline = next(iter(specs[0].columns))
    sections = []
    for spec in specs:
        columns = metric_columns(spec)
        rows = []
        for found in overall:
            values = [found.get(column) for column, _, _ in columns]
            if not any(present(v) for v in values):
                continue
            cells = [interval(found.get(column), found.get(f"{column}_lo"),
                              found.get(f"{column}_hi"), digits_of(column))
                     if with_interval else number(found.get(column), digits_of(column))
                     for column, _, with_interval in columns]
            counted = [found["n"]] if spec is specs[0] else []
            rows.append(row([found["dataset"], found["method"], *counted, *cells], found["key"]))
        if not rows:
            continue
        first = next(iter(spec.columns))
        agreement = [f"{dataset}: Kendall's tau with {specs[0].columns[headline][0]} "
                     f"{tau:.2f} over {n} methods"
                     for (dataset, a, b), (tau, n) in taus.items()
                     if {a, b} == {headline, first} and a != b]
        sections.append({
            "name": spec.name, "title": spec.title, "about": spec.about,
            "reference": spec.reference, "citation": references.get(spec.reference or "", ""),
            "figure": spec.figure,
            "agreement": agreement,
            "table": table(f"metric-{spec.name.replace('_', '-')}",
                           ["dataset", "method", *(["n"] if spec is specs[0] else []),
                            *(head for _, head, _ in columns)],
                           rows)})
    return sections
