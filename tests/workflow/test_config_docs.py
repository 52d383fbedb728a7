"""The docs say what the code does: config/README.md documents every key of the config
schema, and the tables of docs/methods.md, docs/metrics.md and the README are the
registries'."""

import re

import pytest
import yaml

from vxai.methods.__main__ import markdown_table

from conftest import REPO


def schema_keys(node, schema, prefix=""):
    """Dotted paths of every setting under `node` (a key without named keys below it),
    following $ref into the definitions and allOf into its parts."""
    if "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    keys = []
    for part in node.get("allOf") or []:
        keys += schema_keys(part, schema, prefix)
    for name, child in (node.get("properties") or {}).items():
        below = schema_keys(child, schema, f"{prefix}{name}.")
        keys += below or [prefix + name]
    return keys


def test_every_schema_key_is_documented_in_config_readme():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    documented = set(re.findall(r"^\| `([^`]+)`", (REPO / "config" / "README.md").read_text(),
                                re.M))
    missing = []
    for key in schema_keys(schema, schema):
        dataset, _, rest = key.partition(".")
        # a dataset's keys are documented once, without the dataset's name
        name = rest if dataset in ("mnist1d", "hmt") and rest else key
        if name not in documented and key not in documented:
            missing.append(key)
    assert not missing, f"config/README.md does not document: {', '.join(missing)}"
    assert len(documented) > 60


@pytest.mark.parametrize("document, marker, command", [
    ("docs/methods.md", "methods", "python -m vxai.methods --markdown"),
    ("docs/metrics.md", "metrics", "python -m vxai.metrics --markdown"),
    ("README.md", "families", "python -m vxai.methods --families"),
])
def test_the_generated_tables_of_the_docs_are_the_registrys(document, marker, command):
    from vxai.methods.__main__ import family_table
    from vxai.metrics.__main__ import markdown_table as metric_table

    generated = {"methods": markdown_table, "metrics": metric_table, "families": family_table}
    text = (REPO / document).read_text()
    table = text.split(f"<!-- {marker}:begin -->\n", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    assert table == generated[marker]() + "\n", (
        f"{document} is out of date: paste `{command}` between its {marker}:begin and "
        f"{marker}:end markers")
