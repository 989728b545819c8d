"""Docstrings: numpydoc form with shapes spelled out, and examples that run."""

import doctest
import importlib
import inspect
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from numpydoc.docscrape import FunctionDoc, get_doc_object  # noqa: E402
from numpydoc.validate import validate  # noqa: E402

PUBLIC_MODULES = [
    "skmdn", "skmdn.metrics", "skmdn.datasets", "skmdn.plotting", "skmdn.pipeline",
]

# numpydoc checks not enforced: an extended summary (ES01) and a See Also
# section (SA01) are optional; a named return value (RT02) is scikit-learn's
# style; a parameter or return may go without a description when its type line
# says everything (PR07, RT03); SS05 mistakes nouns such as "Bishop's" for
# verbs. Methods and properties need no Examples section (EX01): their class
# has one.
IGNORED = {"ES01", "SA01", "RT02", "PR07", "RT03", "SS05"}
IGNORED_FOR_MEMBERS = IGNORED | {"EX01"}

ARRAY_WORDS = re.compile(r"\b(array-like|ndarray|array|Tensor)\b")


def _public_objects():
    """(qualified name, object, is_member) for every public function, class and member."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            qualname = f"{module_name}.{name}"
            found.setdefault(id(obj), (qualname, obj, False))
            if inspect.isclass(obj):
                # Members defined in the class or in one of skmdn's base classes.
                own = [c for c in obj.__mro__ if c.__module__.startswith("skmdn")]
                for attr, value in ((a, v) for c in own for a, v in vars(c).items()):
                    if attr.startswith("_"):
                        continue
                    if inspect.isfunction(value) or isinstance(value, property):
                        found.setdefault(id(value), (f"{qualname}.{attr}", value, True))
    return sorted(found.values(), key=lambda item: item[0])


OBJECTS = _public_objects()


@pytest.mark.parametrize("name, obj, is_member", OBJECTS, ids=[o[0] for o in OBJECTS])
def test_numpydoc_validation(name, obj, is_member):
    ignored = IGNORED_FOR_MEMBERS if is_member else IGNORED
    errors = [f"{code}: {msg}" for code, msg in validate(name)["errors"] if code not in ignored]
    assert not errors, f"{name}:\n" + "\n".join(errors)


@pytest.mark.parametrize("name, obj, is_member", OBJECTS, ids=[o[0] for o in OBJECTS])
def test_array_types_spell_out_their_shape(name, obj, is_member):
    if isinstance(obj, property):
        doc = get_doc_object(obj.fget)
        entries = [("", doc["Summary"][0] if doc["Summary"] else "")]
    else:
        doc = get_doc_object(obj) if inspect.isclass(obj) else FunctionDoc(obj)
        entries = [(p.name, p.type) for section in ("Parameters", "Returns", "Yields",
                                                     "Attributes")
                   for p in doc[section]]
    missing = [
        f"{pname or '(return)'} : {ptype}"
        for pname, ptype in entries
        if ARRAY_WORDS.search(ptype) and "shape" not in ptype
    ]
    assert not missing, f"{name}: array types without a shape: {missing}"


def _doctest_modules():
    modules = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                modules.setdefault(obj.__module__, importlib.import_module(obj.__module__))
    return sorted(modules)


@pytest.mark.parametrize("module_name", _doctest_modules())
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module) if t.examples]
    try:
        for test in tests:
            runner.run(test)
    finally:
        plt.close("all")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
