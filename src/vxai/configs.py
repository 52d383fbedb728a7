"""The run's configuration: how config files combine (config.yaml, then each --configfile on
top of it, key by key, as Snakemake merges them, except that a dataset's `methods:` section in
a file that sets `replace_methods: true` replaces the methods instead of extending them), and
`resolve_config`, which completes and checks it once, before the workflow builds its DAG."""

import copy
from collections.abc import Mapping
from pathlib import Path

import yaml

from vxai.errors import UserError


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


def validate(config, schema_path):
    """Check `config` against the JSON schema at `schema_path`, filling in its defaults (as
    snakemake.utils.validate does); a mistake names the key at fault."""
    from jsonschema import Draft202012Validator, validators

    schema = yaml.safe_load(Path(schema_path).read_text())
    properties = Draft202012Validator.VALIDATORS["properties"]

    def with_defaults(validator, declared, instance, subschema):
        if isinstance(instance, dict):
            for key, rule in declared.items():
                if "default" in rule:
                    instance.setdefault(key, copy.deepcopy(rule["default"]))
        yield from properties(validator, declared, instance, subschema)

    checker = validators.extend(Draft202012Validator, {"properties": with_defaults})(schema)
    error = next(iter(checker.iter_errors(config)), None)  # as Validator.validate raises
    if error is not None:
        where = ": ".join(map(str, error.absolute_path))
        raise UserError(f"config {f'{where!r}: ' if where else ''}{error.message} (checked "
                        f"against {schema_path})")


def model_origin(settings):
    """'pretrained' when a dataset's model file is imported, else 'train' (`auto`: the file
    when it exists)."""
    if settings["model"] == "auto":
        return "pretrained" if Path(settings["model_file"]).exists() else "train"
    return settings["model"]


def _selected_datasets(config):
    """The datasets this run explains (`run_datasets`, default all), in that order; their
    settings become config[name], as the built-ins' are."""
    own = config["datasets"]
    for name, entry in own.items():
        if entry["model"] == "pretrained" and not entry.get("model_file"):
            raise UserError(f"config 'datasets: {name}': model: pretrained needs model_file, "
                            "the path of your trained Keras model (or set model: train)")
        config[name] = entry
    known = [*BUILT_IN.values(), *own]
    chosen = config["run_datasets"] or known
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise UserError(f"config 'run_datasets' names unknown dataset(s) {unknown}; known: "
                        f"{', '.join(known)} (add yours under 'datasets:')")
    return list(dict.fromkeys(chosen))


def _check_methods(config, datasets, references):
    """Every configured method must be registered, take the parameters it is given and have
    its reference in the bibliography; the messages name the config key and what it accepts."""
    from vxai.methods.registry import check_parameters, method_names, specs
    from vxai.references import bibliography

    configured = set()
    for dataset in datasets:
        where = dataset if dataset in BUILT_IN.values() else f"datasets: {dataset}"
        section = config[dataset]
        for method, params in (section.get("methods") or {}).items():
            check_parameters(method, params, f"config '{where}: methods: {method}'")
            configured.add(method)
        for key, named in (("explain: samples", (section.get("explain") or {}).get("samples")),
                           ("convergence: method_budgets",
                            (section.get("convergence") or {}).get("method_budgets"))):
            for method in sorted(set(named or {}) - set(specs())):
                raise UserError(f"config '{where}: {key}: {method}': unknown attribution "
                                f"method; known methods: {', '.join(method_names())}")
    bibliography(references, configured)


def resolve_config(config, profiles, schema_path, references):
    """Complete and check Snakemake's merged `config` in place; returns the datasets the
    run explains. `profiles`: the --configfile paths, in order (their `replace_methods`);
    `schema_path`: the config schema; `references`: the BibTeX file the methods must cite
    from. In order: methods replaced where a profile says so, own dataset entries completed
    from the built-in of their kind, the schema with its defaults (settings of metrics from
    other packages left to them), the own entries' model settings and `run_datasets`, and the
    methods' names, parameters and references. No model is loaded: which methods a model
    serves (`skip_unsupported`) is the supported_methods job's to find. Raises UserError
    naming the key at fault."""
    from vxai.metrics.registry import plugin_config_sections

    parsed = [yaml.safe_load(Path(path).read_text()) or {} for path in profiles]
    for dataset in BUILT_IN.values():
        selected = replaced_methods(parsed, dataset)
        if selected is not None:
            config[dataset]["methods"] = selected
    entries = config.get("datasets") or {}
    for name, entry in entries.items():
        if isinstance(entry, dict) and entry.get("kind") in BUILT_IN:
            entries[name] = resolve_dataset(config, name)
    restore = set_aside(config, plugin_config_sections())
    validate(config, schema_path)
    restore()
    datasets = _selected_datasets(config)
    _check_methods(config, datasets, references)
    return datasets
