"""Every public function, class and method of the public modules says what it is for."""

import importlib
import inspect
import pkgutil

import tinykeras

SKIP_MODULES = ("tinykeras.__main__",)


def _public_modules():
    yield tinykeras
    for info in pkgutil.walk_packages(tinykeras.__path__, "tinykeras."):
        if info.name in SKIP_MODULES or any(p.startswith("_") for p in info.name.split(".")[1:]):
            continue
        yield importlib.import_module(info.name)


def _undocumented():
    missing = []
    for module in _public_modules():
        if not inspect.getdoc(module):
            missing.append(module.__name__)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) and not obj.__doc__:
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                if not obj.__doc__:
                    missing.append(f"{module.__name__}.{name}")
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member)
                                                    or isinstance(member, property)):
                        continue
                    if not inspect.getdoc(member):
                        missing.append(f"{module.__name__}.{name}.{attr}")
    return missing


def test_every_public_object_has_a_docstring():
    missing = _undocumented()
    assert not missing, "missing docstrings:\n" + "\n".join(missing)
