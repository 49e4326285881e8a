"""Every bad input in the catalogue is refused with our error, a clear message, and no change.

The cases live in ``bad_input_cases.py``; ``docs/errors.md`` is generated from them
(``scripts/make_errors_doc.py``) and this file fails when it is stale.
"""

import re
import warnings

import pytest
from bad_input_cases import CASES, World
from state_snapshot import changed, snapshot

import tinykeras as tk
from tinykeras.errors import TinykerasError


@pytest.mark.parametrize("case", CASES, ids=[f"{c.entry}: {c.given}" for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(case):
    world = World()
    before = snapshot(*world.objects())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                case.run(world)
    finally:  # a case that was wrongly accepted must not leak into the next tests
        after = snapshot(*world.objects())
        tk.config.set_floatx("float32")
        tk.config.set_epsilon(1e-7)
    err = info.value
    assert isinstance(err, TinykerasError), (
        f"{case.entry} with {case.given} raised a bare {type(err).__name__}: {err}")
    assert isinstance(err, case.error), f"expected {case.error.__name__}, got {type(err).__name__}"
    assert re.search(case.match, str(err), re.S), f"message {str(err)!r} !~ {case.match!r}"
    assert not changed(before, after), changed(before, after)
    world.still_works()


def test_the_catalogue_is_big_enough_and_names_are_unique():
    assert len(CASES) >= 150
    keys = [(c.entry, c.given) for c in CASES]
    assert len(keys) == len(set(keys))


def test_docs_errors_md_is_generated_from_these_cases():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_errors_doc",
                                                  root / "scripts" / "make_errors_doc.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    expected = script.render()
    assert "(accepted)" not in expected
    assert (root / "docs" / "errors.md").read_text() == expected, (
        "docs/errors.md is stale: run `PYTHONPATH=src python scripts/make_errors_doc.py`")
