"""The method registry: what it reads from the source equals what Python runs, config
mistakes stop with the accepted values named, and a method added as one module of another
package shows up in the config check, the workflow, the bench and the appendix."""

import inspect
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from conftest import REPO, SMOKE, install_plugin, snakemake
from vxai.errors import UserError
from vxai.methods import get_method, registry, specs
from vxai.methods.registry import SHARED_PARAMETERS, check_parameters, ordered

TOY = '''
"""A toy attribution method, shipped by a package that is not vxai."""

import numpy as np

from vxai.methods.base import Explainer
from vxai.methods.registry import register


@register(
    "toy_magnitude",
    family="backprop",
    display="Toy magnitude",
    gap="Shows that a method from another package needs one module and one entry point.",
    how="The input's absolute value raised to `power`, summed over channels.",
    reference="toy2026magnitude",
    bibtex="@misc{toy2026magnitude,\\n  author = {Toy, Ada},\\n  title = {Magnitude maps},\\n"
           "  year = {2026}\\n}",
)
class ToyMagnitude(Explainer):
    parameter_schema = {"power": {"type": "number", "exclusiveMinimum": 0}}

    def __init__(self, model, power=1.0, **kwargs):
        super().__init__(model, **kwargs)
        self.power = float(power)

    def explain_batch(self, x, targets):
        return (np.abs(x) ** self.power).sum(axis=-1), {}
'''


def write_plugin(folder, module_text=TOY):
    """A package `toy_methods` with the module `toy` and its `vxai.methods` entry point."""
    return install_plugin(folder, "toy_methods", module_text, "vxai.methods")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The toy plugin installed on sys.path (and PYTHONPATH, for subprocesses)."""
    folder = write_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), str(REPO / "src")]))
    specs.cache_clear()
    yield folder
    specs.cache_clear()
    sys.modules.pop("toy_methods.toy", None)
    sys.modules.pop("toy_methods", None)


def small_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 2))
    x = keras.layers.Conv1D(3, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(4, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("name", list(specs()))
def test_what_the_source_says_is_what_python_runs(name):
    found, cls = specs()[name], get_method(name)
    assert (cls.name, cls.family, cls.display) == (name, found.family, found.display)
    assert cls.parameters() == [*found.params, *SHARED_PARAMETERS]
    defaults = {}
    for klass in reversed(cls.__mro__):
        if "__init__" in vars(klass):
            defaults.update({k: p.default for k, p in inspect.signature(klass.__init__)
                            .parameters.items() if p.default is not p.empty})
    assert {k: defaults[k] for k in found.params} == found.params
    assert found.gap and found.how and (found.reference or found.family == "baseline")


def test_the_registry_loads_without_tensorflow():
    code = ("import sys; from vxai.methods import specs, spec; specs(); spec('rise'); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert run.returncode == 0, run.stderr


def test_methods_come_in_family_order_then_by_name():
    families = list(registry.FAMILIES)
    keys = [(families.index(s.family), s.display.lower()) for s in specs().values()]
    assert keys == sorted(keys)
    assert ordered(["random_map", "rise", "gradcam"]) == ["gradcam", "rise", "random_map"]


def test_config_mistakes_name_the_key_and_what_is_accepted():
    where = "config 'hmt: methods: rise'"
    with pytest.raises(UserError, match=r"^config 'hmt: methods: rise': method 'rise' has no "
                                        r"parameter\(s\) mask; it accepts: masks, cells, "
                                        r"keep_probability, shift, control_variate, sampling, "
                                        r"baseline, score$"):
        check_parameters("rise", {"mask": 10}, where)
    with pytest.raises(UserError, match=r"^config 'hmt: methods: rise': masks: 0 is less than "
                                        r"the minimum of 1$"):
        check_parameters("rise", {"masks": 0}, where)
    with pytest.raises(UserError, match=r"keep_probability: 1.5 is greater than the maximum"):
        check_parameters("rise", {"keep_probability": 1.5}, where)
    with pytest.raises(UserError, match=r"conv_rule: 'z' is not one of \['epsilon', 'zplus'"):
        check_parameters("lrp", {"conv_rule": "z"}, "config 'mnist1d: methods: lrp'")
    with pytest.raises(UserError, match=r"^config 'hmt: methods: rise': unknown attribution "
                                        r"method 'gradcm'; known methods: ablationcam, cam, gradcam, "):
        check_parameters("gradcm", {}, where)
    check_parameters("gradcam", None, where)
    check_parameters("sise", {"layers": ["a", "b"], "mu": 0.5}, where)


@pytest.mark.parametrize("change, message", [
    (("    how=", "    hwo="), r"registration of 'toy_magnitude' lacks \['how'\] or has unknown keys "
                              r"\['hwo'\]"),
    (("reference=\"toy2026magnitude\"", "reference=None"), r"needs a reference"),
    (("def __init__(self, model, power=1.0,", "def __init__(self, model, power=POWER,"),
     r"default of 'power': the value must be a literal"),
    (('"power": {', '"powr": {'), r"parameter_schema must give a schema .* check powr"),
])
def test_a_broken_registration_stops_naming_the_file(tmp_path, monkeypatch, change, message):
    folder = write_plugin(tmp_path / "site", TOY.replace(*change))
    monkeypatch.syspath_prepend(str(folder))
    specs.cache_clear()
    try:
        with pytest.raises(UserError, match=rf"toy_methods/toy.py:\d+ \(method class ToyMagnitude\)"
                                            rf".*{message}"):
            specs()
    finally:
        specs.cache_clear()


def test_a_plugin_method_is_one_module_and_an_entry_point(plugin):
    found = specs()["toy_magnitude"]
    assert (found.module, found.params, found.family_title) == (
        "toy_methods.toy", {"power": 1.0}, "(b) backpropagation-based")
    assert list(specs()).index("toy_magnitude") < list(specs()).index("rise")
    model = small_model()
    x = np.random.default_rng(0).normal(size=(3, 12, 2)).astype(np.float32)
    maps = get_method("toy_magnitude")(model, power=2.0).explain(x).maps
    np.testing.assert_allclose(maps, (x**2).sum(axis=-1), rtol=1e-6)
    with pytest.raises(UserError, match=r"power: 0 is less than or equal to the minimum of 0"):
        check_parameters("toy_magnitude", {"power": 0}, "config 'mnist1d: methods: toy'")


@pytest.mark.workflow
def test_the_workflow_runs_a_plugin_method_and_checks_its_parameters(plugin, tmp_path):
    def dry_run(params):
        override = tmp_path / "toy.yaml"
        override.write_text(f"mnist1d:\n  methods:\n    toy_magnitude: {params}\n")
        return snakemake(tmp_path, "-n", *SMOKE, str(override), "--forceall",
                         env={**os.environ})

    run = dry_run("{power: 2}")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "maps/toy_magnitude/shard0.npz" in run.stdout
    # the explain job of the plugin method reruns when its module changes
    assert os.path.relpath(plugin / "toy_methods" / "toy.py", tmp_path) in run.stdout
    run = dry_run("{powr: 2}")
    assert run.returncode != 0
    assert ("config 'mnist1d: methods: toy_magnitude': method 'toy_magnitude' has no "
            "parameter(s) powr; it accepts: power") in run.stdout + run.stderr


def test_the_bench_measures_a_plugin_method(plugin):
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--models", "mnist1d", "--methods",
         "toy_magnitude", "--n", "8", "--threads", "1", "--run-dir", str(plugin)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    row = [line.split() for line in run.stdout.splitlines() if line.startswith("mnist1d  toy")]
    assert row and row[-1][4:] == ["gradient", "1"], run.stdout


def test_the_appendix_shows_a_plugin_method_with_its_card_and_reference(plugin, tmp_path):
    from test_report import METHODS, appendix_fixture, render

    files, config, folder = appendix_fixture(tmp_path / "run", [*METHODS, "toy_magnitude"])
    page, latex = render(files, config, folder)
    assert page.count('data-card="toy_magnitude"><h4>Toy magnitude ') == 2
    assert "one module and one entry point" in page and "Toy (2026). Magnitude maps." in page
    assert r"\cite{toy2026magnitude}" in latex
    assert "@misc{toy2026magnitude" in (folder / "references.bib").read_text()


def test_a_reference_missing_from_the_bibliography_stops_naming_the_method(tmp_path, monkeypatch):
    from vxai.references import bibliography

    bib = REPO / "report" / "references.bib"
    text = TOY.replace('    bibtex="@misc{toy2026magnitude,\\n  author = {Toy, Ada},\\n  title = {'
                       'Magnitude maps},\\n"\n           "  year = {2026}\\n}",\n', "")
    assert "bibtex" not in text
    monkeypatch.syspath_prepend(str(write_plugin(tmp_path / "site", text)))
    specs.cache_clear()
    try:
        assert "lundberg2017shap" in bibliography(bib, ["kernelshap", "random_map"])
        with pytest.raises(UserError, match=r"method 'toy_magnitude' \(.*toy.py\) cites "
                                            r"'toy2026magnitude', which is not in .*references.bib"):
            bibliography(bib, ["kernelshap", "toy_magnitude"])
    finally:
        specs.cache_clear()


def test_every_method_is_its_own_module():
    from collections import Counter

    from vxai.methods.registry import specs

    modules = Counter(found.module for found in specs().values() if found.family != "baseline")
    shared = [module for module, count in modules.items() if count > 1]
    assert not shared, f"one module per method (baselines may share one): {shared}"
    for found in specs().values():
        if found.family != "baseline":
            assert found.path.stem == found.name, f"{found.name} lives in {found.path.name}"


def test_bibtex_entries_parse_on_one_line_and_with_nested_braces():
    from vxai.references import read_bibtex_text

    text = ("@misc{doe2026magnitude, title={Input magnitude}, author={Doe, Jane}, year={2026}}\n"
            "@inproceedings{roe2025, title = {A {CNN} study},\n  author = {Roe, Fran{\\c{c}}ois"
            " and Poe, Al},\n  booktitle = {Proc. X},\n  year = {2025}\n}\n")
    assert read_bibtex_text(text) == {
        "doe2026magnitude": "Doe (2026). Input magnitude. .",
        "roe2025": "Roe et al. (2025). A CNN study. Proc. X."}
