"""Attribution methods behind one interface, registered by name and family."""

import importlib

from vxai.methods.base import Attribution, Explainer, get_method, method_names, register
from vxai.catalog import METHOD_MODULES

for _module in sorted(set(METHOD_MODULES.values())):
    importlib.import_module(f"vxai.methods.{_module}")

__all__ = ["Attribution", "Explainer", "get_method", "method_names", "register"]
