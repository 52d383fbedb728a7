"""List every registered method: `python -m vxai.methods` (no TensorFlow needed);
`--markdown` prints the table of docs/methods.md, `--families` the README's."""

import argparse
import json

from vxai.methods.registry import FAMILIES, specs


def plain_listing():
    """Each method with its parameters, defaults and constraints."""
    lines = []
    for found in specs().values():
        budget = f", budget: {found.budget}" if found.budget else ""
        lines.append(f"{found.name} ({found.display}; {found.family_title}{budget}) "
                     f"from {found.module}")
        for param, default in found.params.items():
            lines.append(f"    {param} = {default!r}  {json.dumps(found.schema[param])}")
    return "\n".join(lines)


def markdown_table():
    """One row per method: config key, name, family, budget, what it does, parameters."""
    def cell(text):
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| config key | method | family | budget | how it works here | parameters (defaults) |"
             " reference |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for found in specs().values():
        params = ", ".join(f"`{param}={default!r}`" for param, default in found.params.items()
                           if param not in ("batch_size", "seed"))
        budget = found.budget or ""
        if found.stochastic:
            budget = f"{budget} (seeded)".strip()
        lines.append("| " + " | ".join(cell(value) for value in (
            f"`{found.name}`", found.display, found.family_title, budget, found.how,
            params, found.reference or "")) + " |")
    return "\n".join(lines)


def family_table():
    """One row per family: its methods by the names people read, in the registry's order."""
    lines = ["| family | methods |", "| --- | --- |"]
    for family, title in FAMILIES.items():
        names = [found.display for found in specs().values() if found.family == family]
        if names:
            lines.append(f"| {title} | {', '.join(names)} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vxai.methods", description=__doc__)
    parser.add_argument("--markdown", action="store_true",
                        help="print the methods table of docs/methods.md")
    parser.add_argument("--families", action="store_true",
                        help="print the README's table of the methods by family")
    args = parser.parse_args(argv)
    print(markdown_table() if args.markdown else family_table() if args.families
          else plain_listing())


if __name__ == "__main__":
    main()
