"""Attribution methods behind one interface; vxai.methods.registry knows them all (a method's
module, with the shared base it builds on, is imported when `get_method` asks for it)."""

from vxai.methods.registry import get_method, method_names, register, spec, specs

__all__ = ["get_method", "method_names", "register", "spec", "specs"]
