"""The gradbook package itself: public API, docstrings with examples, the wheel."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

import gradbook

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["check", "errors", "exercises", "gradcheck", "graph", "plot", "symbolic"]


def test_all_lists_exactly_the_public_names():
    # dir(), not vars(): the sympy-backed names are imported on first use (__getattr__).
    public = {n for n in dir(gradbook) if not n.startswith("_")} - set(MODULES)
    assert set(gradbook.__all__) == public | {"__version__"}
    for name in gradbook.__all__:
        assert hasattr(gradbook, name), name


def test_importing_gradbook_leaves_sympy_until_a_formula_is_used():
    # A fresh interpreter: this test session has imported sympy long ago.
    code = (
        "import sys, gradbook\n"
        "print('sympy' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
        "print(gradbook.check_derivative(lambda x: x**3, at=2.0, expected=12.0))\n"
        "print('sympy' in sys.modules)\n"
        "from gradbook import Formula, check_answer\n"
        "f = Formula('2*x**3 + x')\n"
        "print(gradbook.check_derivative(f, at=1.0, expected=f.diff('x')))\n"
        "print(check_answer('cubic', 7), 'sympy' in sys.modules)\n"
        "print(gradbook.Formula is Formula, 'Formula' in vars(gradbook))\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.splitlines() == [
        "False False",
        "d/dx f(x) at x = 2: autograd 12, expected 12 ✓",
        "False",
        "d/dx 2x^3 + x at x = 1: autograd 7, expected 7 ✓",
        "Correct: dy/dx = 7 at x = 1. True",
        "True True",
    ]


def test_importing_gradbook_leaves_matplotlib_until_something_is_drawn():
    # A notebook page that only checks values never pays for Matplotlib; a plotting
    # name, or a submodule named as an attribute, imports its module on first use.
    code = (
        "import sys, gradbook\n"
        "print(gradbook.check_value(2.0, 2.0, name='two'), 'matplotlib' in sys.modules)\n"
        "print(gradbook.plot.INK, 'matplotlib' in sys.modules)\n"
        "from gradbook import draw_graph, style\n"
        "print(style is gradbook.plot.style, draw_graph is gradbook.graph.draw_graph)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.splitlines() == [
        "two: 2, expected 2 ✓ False",
        "#808080 True",
        "True True",
    ]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Formulas'"):
        gradbook.Formulas  # noqa: B018
    assert not hasattr(gradbook, "sympy")


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_an_all_of_its_own(module):
    mod = importlib.import_module(f"gradbook.{module}")
    assert mod.__all__, module
    assert mod.__doc__, module
    for name in mod.__all__:
        assert hasattr(mod, name), f"gradbook.{module}.{name}"


PUBLIC_CALLABLES = [
    name
    for name in gradbook.__all__
    if callable(getattr(gradbook, name)) and not name.startswith("__")
]


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_every_public_function_has_a_runnable_example_and_type_hints(name):
    obj = getattr(gradbook, name)
    doc = inspect.getdoc(obj) or ""
    is_data_class = name in {"CheckFailed", "CheckResult", "AnswerResult", "Exercise"}
    if not is_data_class:
        assert ">>>" in doc, f"{name} has no >>> example (run as a doctest)"
    assert doc, f"{name} has no docstring"
    if inspect.isfunction(obj):
        hints = inspect.get_annotations(obj)
        assert "return" in hints, f"{name} has no return type"
        params = [p for p in inspect.signature(obj).parameters if p not in {"args"}]
        missing = [p for p in params if p not in hints]
        assert not missing, f"{name}: parameters without a type hint: {missing}"


def test_version_is_in_one_place():
    assert re.fullmatch(r"\d+\.\d+\.\d+", gradbook.__version__)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in config["project"]
    assert config["project"]["dynamic"] == ["version"]
    assert config["tool"]["hatch"]["version"]["path"] == "src/gradbook/__init__.py"


def test_dependencies_have_lower_and_upper_bounds():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = config["project"]["dependencies"]
    assert {re.split(r"[<>=]", d)[0] for d in deps} == {
        "torch",
        "matplotlib",
        "numpy",
        "sympy",
    }
    for dep in deps:
        assert ">=" in dep and "<" in dep.replace("<=", ""), dep


@pytest.mark.wheel
def test_the_wheel_builds_with_types_and_every_module(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("gradbook-*.whl")
    assert wheel.name == f"gradbook-{gradbook.__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"gradbook/__init__.py", "gradbook/py.typed"} | {
        f"gradbook/{m}.py" for m in MODULES
    }
    assert expected <= names
    metadata = zipfile.ZipFile(wheel).read(
        f"gradbook-{gradbook.__version__}.dist-info/METADATA"
    )
    assert b"Requires-Dist: sympy<2,>=1.12" in metadata


def test_the_api_page_documents_every_public_name_with_its_tutorials():
    page = (ROOT / "docs" / "api.md").read_text()
    documented = set(
        re.findall(
            # Top-level names only: a helper documented by its full path (such as
            # gradbook.errors.ExpectedError) is extra, not one of gradbook's names.
            r"^\.\. (?:auto(?:function|class|exception)|py:data):: (\w+)\s*$",
            page,
            re.M,
        )
    )
    assert documented == set(gradbook.__all__) - {"__version__"}
    galleries = set(re.findall(r"^\.\. minigallery:: gradbook\.(\w+)", page, re.M))
    assert galleries == documented - {"EXERCISES"}
