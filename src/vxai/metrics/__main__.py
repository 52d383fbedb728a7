"""List every registered metric: `python -m vxai.metrics` (no TensorFlow needed);
`--markdown` prints the table of docs/metrics.md."""

import argparse

from vxai.metrics.registry import metric_specs


def _directions(spec):
    return ", ".join(f"{head} ({'higher' if higher else 'lower'} is better)"
                     for head, higher in spec.columns.values())


def plain_listing():
    """Each metric with its columns, criterion, config section and module."""
    return "\n".join(f"{spec.title}: {_directions(spec)}; {spec.criterion}; config "
                     f"{spec.config or '(always scored)'}; from {spec.module}"
                     for spec in metric_specs())


def markdown_table():
    """One row per metric: name, columns with their direction, criterion, config section,
    cost, how it works, reference."""
    def cell(text):
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| metric | columns | criterion | config section | cost | how it works and what it "
             "measures | reference |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for spec in metric_specs():
        config = f"`{spec.config}`" if spec.config else "always scored"
        lines.append("| " + " | ".join(cell(value) for value in (
            spec.title, _directions(spec), spec.criterion, config, spec.cost, spec.about,
            spec.reference or "")) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vxai.metrics", description=__doc__)
    parser.add_argument("--markdown", action="store_true",
                        help="print the metrics table of docs/metrics.md")
    args = parser.parse_args(argv)
    print(markdown_table() if args.markdown else plain_listing())


if __name__ == "__main__":
    main()
