"""How config files combine: config.yaml, then each --configfile on top of it, key by key (as
Snakemake merges them), except that a dataset's `methods:` section in a file that sets
`replace_methods: true` replaces the methods instead of extending them."""

import copy
from collections.abc import Mapping


def deep_update(target, source):
    """Update the nested dict `target` with `source` key by key (mappings merge, anything
    else replaces), as snakemake.utils.update_config does."""
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), Mapping):
            deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def replaced_methods(profiles, dataset):
    """The `methods:` of `dataset` after the --configfile `profiles` (in order) where one of
    them replaces the list: the last replacing file's methods, extended by the files after
    it; None where none replaces it."""
    selected = None
    for profile in profiles:
        section = (profile or {}).get(dataset) or {}
        if section.get("replace_methods") and "methods" in section:
            selected = copy.deepcopy(section["methods"] or {})
        elif selected is not None and section.get("methods"):
            deep_update(selected, section["methods"])
    return selected


def merge_configs(base, *profiles):
    """The config of a run of `base` (config.yaml) with the --configfile `profiles`."""
    merged = copy.deepcopy(base)
    for profile in profiles:
        deep_update(merged, profile or {})
    for dataset, section in merged.items():
        if isinstance(section, dict):
            selected = replaced_methods(profiles, dataset)
            if selected is not None:
                section["methods"] = selected
    return merged


# the built-in dataset whose settings an entry of `datasets:` of each kind starts from
BUILT_IN = {"signals": "mnist1d", "images": "hmt"}
# settings that describe the built-in data and model themselves, never inherited
OWN_SETTINGS = {"kind", "source", "url", "md5", "test_per_class", "generate", "model",
                "model_file", "input_size", "class_names", "replace_methods"}


def resolve_dataset(config, name):
    """The settings of the entry `name` of `datasets:`: the settings of the built-in dataset
    of its kind (curves, ROAD, sanity, budgets, ...), updated key by key with the entry's own.
    An entry that lists `methods` runs exactly those; without `model_file` its model is
    trained with the built-in recipe of its kind."""
    entry = config["datasets"][name]
    base = {key: value for key, value in config[BUILT_IN[entry["kind"]]].items()
            if key not in OWN_SETTINGS and not (key == "methods" and "methods" in entry)}
    settings = deep_update(copy.deepcopy(base), entry)
    settings.setdefault("model", "pretrained" if settings.get("model_file") else "train")
    settings.setdefault("input_size", None)
    settings.setdefault("class_names", None)
    return settings


def dataset_blocks(config):
    """Every dataset block of a config: the built-ins' and the entries of `datasets:`."""
    own = config.get("datasets") or {}
    return [block for block in (*(config.get(d) for d in BUILT_IN.values()), *own.values())
            if isinstance(block, dict)]


def set_aside(config, sections):
    """Take the dataset settings `sections` (those of metrics from other packages, which the
    schema does not know) out of every dataset block; returns a function that puts them back."""
    taken = [(block, {key: block.pop(key) for key in sections if key in block})
             for block in dataset_blocks(config)]

    def restore():
        for block, found in taken:
            block.update(found)

    return restore
