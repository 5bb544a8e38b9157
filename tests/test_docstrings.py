"""The examples in the package's docstrings (shown in the API reference) run as shown."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import kltutorial

MODULES = sorted(m.name for m in pkgutil.iter_modules(kltutorial.__path__, "kltutorial."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_docstrings_hold_examples() -> None:
    finder = doctest.DocTestFinder()
    examples = sum(
        len(test.examples)
        for name in MODULES
        for test in finder.find(importlib.import_module(name))
    )
    assert examples >= 5
