"""Every attribution method, as registered on its class with `@register(...)`.

A method is one module (`vxai.methods.<family>.<method>`, the family's shared work in its
`base` module): its Explainer class carries the registration (family, display name,
budget parameter, whether it draws random numbers, card, reference), its `__init__`
signature the parameters and their defaults, and a class attribute `parameter_schema` the
constraints that a default's type does not say (an int default means a positive count).
The workflow, the config check, the bench and the report read the registrations from the
source with `ast`, so they know every method without importing TensorFlow; `get_method`
imports only the module it needs.

Methods come from the modules of `vxai.methods` and from the modules other packages name
under the entry-point group `vxai.methods` (for example `toy = mypackage.methods`).
"""

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vxai.errors import UserError
from vxai.modules import plugin_modules

PACKAGE = Path(__file__).resolve().parent
ENTRY_POINTS = "vxai.methods"
# family: title, in the order methods are shown everywhere
FAMILIES = {
    "cam": "(a) CAM-based",
    "backprop": "(b) backpropagation-based",
    "perturbation": "(c) perturbation-based",
    "approximation": "(d) approximation-based",
    "counterfactual": "(e) counterfactual",
    "baseline": "baseline (no explanation: gives the scores a scale)",
}
# the baseline every metric's numbers are read against (methods/baselines/random_map.py)
RANDOM_MAP = "random_map"
# set per dataset (batch_size) or per job (seed), never per method
SHARED_PARAMETERS = ("batch_size", "seed")
REQUIRED = ("family", "display", "gap", "how", "reference")
OPTIONAL = ("budget", "bibtex", "stochastic", "diagnostics")
DIAGNOSTIC_FORMATS = ("error", "share", "count", "number")

_CLASSES = {}


def register(name, **registration):
    """Class decorator registering an Explainer subclass as method `name`. Keywords:
    family, display (the name people read), gap and how (the appendix card), reference
    (a BibTeX key of report/references.bib, or of `bibtex`; None only for baselines),
    optionally budget (the parameter that sets its number of forward passes), stochastic
    (True when its maps depend on the seed: they are explained again under a second seed
    and scored for reproducibility), bibtex (the entry, when report/references.bib lacks
    it) and diagnostics ({per-sample column the method stores: [name people read, format
    (error, share, count or number), what it measures]}: the appendix's self-checks).
    All values must be literals: they are
    read from the source without running it."""

    def add(cls):
        cls.name, cls.family = name, registration["family"]
        cls.display = registration["display"]
        _CLASSES[name] = cls
        return cls

    return add


@dataclass(frozen=True)
class MethodSpec:
    """What the registration and the signature of one method say."""

    name: str
    module: str
    path: Path
    family: str
    display: str
    gap: str
    how: str
    reference: str | None
    params: dict  # {parameter: default}, in signature order, own class first
    schema: dict  # {parameter: JSON schema}
    budget: str | None = None
    bibtex: str | None = None
    stochastic: bool = False
    diagnostics: dict | None = None  # {column: (name, format, what it measures)}

    @property
    def family_title(self):
        return FAMILIES[self.family]


def _literal(node, where):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise UserError(f"{where}: the value must be a literal (a number, string, list, "
                        f"dict or None), as it is read without running the module") from None


def _is_register(decorator):
    func = decorator.func if isinstance(decorator, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "register") or (
        isinstance(func, ast.Attribute) and func.attr == "register")


def _parse(path):
    """(classes {name: ClassDef}, registered [(ClassDef, Call)]) of one module file."""
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    classes, registered = {}, []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes[node.name] = node
            registered += [(node, d) for d in node.decorator_list if _is_register(d)]
    return classes, registered


def _own_parameters(node, where):
    """({parameter: default} of a ClassDef's own `__init__`, its `parameter_schema`)."""
    defaults, schema = {}, {}
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            args = item.args.args
            padded = [None] * (len(args) - len(item.args.defaults)) + item.args.defaults
            defaults = {arg.arg: _literal(default, f"{where}: default of '{arg.arg}'")
                        for arg, default in zip(args, padded) if default is not None}
        elif isinstance(item, ast.Assign) and [getattr(t, "id", None) for t in item.targets] == [
                "parameter_schema"]:
            schema = _literal(item.value, f"{where}: parameter_schema")
    return defaults, schema


def _parameters(node, classes, where):
    """({parameter: default}, {parameter: schema}) of a class and its bases, own first, in
    the order of Explainer.parameters()."""
    params, schema, todo = {}, {}, [node]
    while todo:
        klass = todo.pop(0)
        defaults, constraints = _own_parameters(klass, where)
        for name, default in defaults.items():
            params.setdefault(name, default)
        for name, fragment in constraints.items():
            schema.setdefault(name, fragment)
        todo += [classes[b.id] for b in klass.bases if isinstance(b, ast.Name) and b.id in classes]
    params = {k: v for k, v in params.items() if k not in SHARED_PARAMETERS}
    return params, schema


def default_schema(default):
    """The JSON schema a parameter gets from its default: an int is a positive count."""
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer", "minimum": 1}
    if isinstance(default, float):
        return {"type": "number"}
    if isinstance(default, str):
        return {"type": "string"}
    return None


def _spec(module, path, node, call, classes):
    where = f"{path}:{call.lineno} (method class {node.name})"
    if len(call.args) != 1:
        raise UserError(f"{where}: register takes the method's name as its one positional argument")
    name = _literal(call.args[0], where)
    values = {kw.arg: _literal(kw.value, f"{where}: '{kw.arg}'") for kw in call.keywords}
    missing = [key for key in REQUIRED if key not in values]
    unknown = sorted(set(values) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        raise UserError(f"{where}: registration of '{name}' lacks {missing} or has unknown "
                        f"keys {unknown}; it takes {', '.join(REQUIRED + OPTIONAL)}")
    if values["family"] not in FAMILIES:
        raise UserError(f"{where}: family '{values['family']}' of '{name}' is not one of "
                        f"{', '.join(FAMILIES)}")
    if not (values["gap"] and values["how"]):
        raise UserError(f"{where}: method '{name}' needs a card: both 'gap' and 'how' text")
    if values["reference"] is None and values["family"] != "baseline":
        raise UserError(f"{where}: method '{name}' needs a reference (a BibTeX key)")
    params, schema = _parameters(node, classes, where)
    for param, default in params.items():
        schema.setdefault(param, default_schema(default))
    bad = sorted(k for k, v in schema.items() if k not in params or v is None)
    if bad:
        raise UserError(f"{where}: method '{name}': parameter_schema must give a schema for "
                        f"each parameter whose default is None, and only for its parameters "
                        f"({', '.join(params)}); check {', '.join(bad)}")
    diagnostics = values.get("diagnostics") or {}
    if not isinstance(diagnostics, dict) or not all(
            isinstance(v, (list, tuple)) and len(v) == 3 and v[1] in DIAGNOSTIC_FORMATS
            for v in diagnostics.values()):
        raise UserError(f"{where}: 'diagnostics' of '{name}' must map each column to [name, "
                        f"format ({', '.join(DIAGNOSTIC_FORMATS)}), what it measures]")
    if not isinstance(values.get("stochastic", False), bool):
        raise UserError(f"{where}: 'stochastic' of '{name}' must be True or False")
    if values.get("budget") not in (None, *params):
        raise UserError(f"{where}: budget '{values['budget']}' of '{name}' is not one of its "
                        f"parameters ({', '.join(params)})")
    return MethodSpec(name=name, module=module, path=Path(path), params=params,
                      schema={k: schema[k] for k in params}, **values)


@cache
def specs():
    """{name: MethodSpec} of every registered method, in family order, then by name."""
    modules = {".".join(("vxai.methods", *p.relative_to(PACKAGE).with_suffix("").parts)): p
               for p in sorted(PACKAGE.rglob("*.py")) if not p.stem.startswith("__")}
    modules.update(plugin_modules(ENTRY_POINTS))
    parsed = {module: _parse(path) for module, path in modules.items()}
    everywhere = {name: node for found, _ in parsed.values() for name, node in found.items()}
    found = {}
    for module, (own, registered) in parsed.items():
        for node, call in registered:
            spec = _spec(module, modules[module], node, call, {**everywhere, **own})
            if spec.name in found:
                raise UserError(f"method '{spec.name}' is registered twice: in "
                                f"{found[spec.name].path} and {spec.path}")
            found[spec.name] = spec
    order = list(FAMILIES)
    return {s.name: s for s in sorted(found.values(),
                                      key=lambda s: (order.index(s.family), s.display.lower()))}


def method_names():
    """Registered method names, in family order, then by display name."""
    return list(specs())


def spec(name):
    """The MethodSpec of `name`; unknown names list the known ones."""
    if name not in specs():
        raise UserError(f"unknown attribution method '{name}'; known methods: "
                        f"{', '.join(method_names())}")
    return specs()[name]


def get_method(name):
    """The Explainer class registered as `name` (imports its module)."""
    found = spec(name)
    importlib.import_module(found.module)
    return _CLASSES[name]


def display(name):
    """The name people read for method `name` (for example "Grad-CAM++")."""
    return spec(name).display


def diagnostic_columns(names=None):
    """{column: (name people read, format, what it measures)} of the self-check columns the
    methods `names` (default: every method) declare, in the registry's order."""
    found = {}
    for name in ordered(names) if names is not None else specs():
        for column, (title, fmt, what) in (spec(name).diagnostics or {}).items():
            found.setdefault(column, (title, fmt, what))
    return found


def ordered(names):
    """`names` (methods) in the registry's order; unknown names stop with the known ones."""
    names = list(names)
    for name in names:
        spec(name)
    return sorted(names, key=method_names().index)


def check_parameters(name, params, where):
    """Stop with a message naming `where` (for example "config 'hmt: methods: rise'") when
    `params` has a parameter method `name` does not accept, or a value its schema rejects."""
    import jsonschema

    if name not in specs():
        raise UserError(f"{where}: unknown attribution method '{name}'; known methods: "
                        f"{', '.join(method_names())}")
    found = spec(name)
    unknown = sorted(set(params or {}) - set(found.params))
    if unknown:
        raise UserError(f"{where}: method '{name}' has no parameter(s) {', '.join(unknown)}; "
                        f"it accepts: {', '.join(found.params) or 'none'}")
    for param, value in (params or {}).items():
        try:
            jsonschema.validate(value, found.schema[param])
        except jsonschema.ValidationError as error:
            raise UserError(f"{where}: {param}: {error.message}") from None

