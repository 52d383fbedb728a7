"""Attribution methods behind one interface; vxai.methods.registry knows them all."""

from vxai.methods.base import Attribution, Explainer
from vxai.methods.registry import get_method, method_names, register, spec, specs

__all__ = ["Attribution", "Explainer", "get_method", "method_names", "register", "spec", "specs"]
