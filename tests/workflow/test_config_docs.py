"""The docs say what the code does: config/README.md documents every key of the config
schema, and docs/methods.md holds the registry's method table."""

import re

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


def test_the_docs_method_table_is_the_registrys():
    text = (REPO / "docs" / "methods.md").read_text()
    table = text.split("<!-- methods:begin -->\n", 1)[1].split("<!-- methods:end -->", 1)[0]
    assert table == markdown_table() + "\n", (
        "docs/methods.md is out of date: paste `python -m vxai.methods --markdown` between "
        "its methods:begin and methods:end markers")


def test_the_docs_metric_table_is_the_registrys():
    from vxai.metrics.__main__ import markdown_table as metric_table

    text = (REPO / "docs" / "metrics.md").read_text()
    table = text.split("<!-- metrics:begin -->\n", 1)[1].split("<!-- metrics:end -->", 1)[0]
    assert table == metric_table() + "\n", (
        "docs/metrics.md is out of date: paste `python -m vxai.metrics --markdown` between "
        "its metrics:begin and metrics:end markers")


def test_the_readme_method_table_is_the_registrys():
    from vxai.methods.__main__ import family_table

    text = (REPO / "README.md").read_text()
    table = text.split("<!-- families:begin -->\n", 1)[1].split("<!-- families:end -->", 1)[0]
    assert table == family_table() + "\n", (
        "README.md's method table is out of date: paste `python -m vxai.methods --families` "
        "between its families:begin and families:end markers")
