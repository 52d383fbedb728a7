"""Config files combine as the workflow combines them: key by key, except methods sections
that a file replaces."""

import yaml

from vxai.configs import merge_configs, replaced_methods

from conftest import REPO


def test_profiles_merge_key_by_key_and_methods_are_replaced_only_where_asked():
    base = {"seed": 1, "hmt": {"curves": {"step": 0.1, "samples": 64},
                               "methods": {"rise": {"masks": 500, "cells": 7}, "gradcam": {}}},
            "mnist1d": {"methods": {"gradcam": {"layer": None}, "rise": {"masks": 50}}}}
    paper = {"hmt": {"curves": {"samples": None}, "methods": {"rise": {"masks": 8000}}}}
    smoke = {"mnist1d": {"replace_methods": True, "methods": {"gradcam": {"score": "logit"}}}}
    later = {"mnist1d": {"methods": {"gradcam": {"layer": "conv1d_2"}, "cam": {}}}}
    merged = merge_configs(base, paper, smoke, later)
    assert merged["hmt"]["curves"] == {"step": 0.1, "samples": None}  # deep, not shallow
    assert merged["hmt"]["methods"] == {"rise": {"masks": 8000, "cells": 7}, "gradcam": {}}
    assert merged["mnist1d"]["methods"] == {"gradcam": {"score": "logit", "layer": "conv1d_2"},
                                            "cam": {}}
    assert merged["seed"] == 1 and base["hmt"]["methods"]["rise"]["masks"] == 500  # no aliasing
    assert replaced_methods([paper], "hmt") is None


def test_the_shipped_profiles_merge_onto_the_default():
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for name in ("smoke", "course", "paper"):
        profile = yaml.safe_load((REPO / "config" / f"{name}.yaml").read_text())
        merged = merge_configs(base, profile)
        for dataset in ("mnist1d", "hmt"):
            expected = (profile.get(dataset) or {}).get("methods") \
                if (profile.get(dataset) or {}).get("replace_methods") else None
            if expected is not None:
                assert list(merged[dataset]["methods"]) == list(expected)
            assert merged[dataset]["keep_fraction"] == (profile.get(dataset) or {}).get(
                "keep_fraction", base[dataset]["keep_fraction"])


def test_an_own_dataset_starts_from_the_built_in_of_its_kind():
    from vxai.configs import resolve_dataset

    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    base["datasets"] = {
        "digits": {"kind": "images", "source": "d", "model_file": "d.keras",
                   "curves": {"samples": 4}, "methods": {"gradcam": {}}},
        "waves": {"kind": "signals", "source": "w.npz"},
    }
    digits = resolve_dataset(base, "digits")
    assert digits["curves"] == {**base["hmt"]["curves"], "samples": 4}  # key by key
    assert digits["road"] == base["hmt"]["road"] and digits["methods"] == {"gradcam": {}}
    assert digits["model"] == "pretrained" and digits["input_size"] is None
    assert "url" not in digits and "test_per_class" not in digits  # HMT's own data settings
    waves = resolve_dataset(base, "waves")
    assert waves["methods"] == base["mnist1d"]["methods"]  # no methods: the built-in's
    assert waves["keep_fraction"] == base["mnist1d"]["keep_fraction"]
    assert waves["model"] == "train" and "generate" not in waves
    assert base["datasets"]["digits"]["curves"] == {"samples": 4}  # no aliasing
    waves["road"]["noise"] = 1.0
    assert base["mnist1d"]["road"]["noise"] != 1.0


def test_the_smoke_run_takes_every_method_through_the_workflow():
    """So that every method runs end to end in CI: the smoke profile extends config.yaml's
    MNIST-1D methods, and config.yaml lists every registered method; on HMT it runs a method
    of every family (every method's stages run on images in tests/stages)."""
    from vxai.methods.registry import method_names, spec, specs

    from conftest import smoke_config

    config = smoke_config()
    missing = set(method_names()) - set(config["mnist1d"]["methods"])
    assert not missing, f"mnist1d of the smoke run lacks {sorted(missing)}"
    families = {spec(method).family for method in config["hmt"]["methods"]}
    assert families == {found.family for found in specs().values()}
