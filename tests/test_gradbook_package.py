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
    public = {n for n in vars(gradbook) if not n.startswith("_")} - set(MODULES)
    assert set(gradbook.__all__) == public | {"__version__"}
    for name in gradbook.__all__:
        assert hasattr(gradbook, name), name


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
            r"^\.\. (?:auto(?:function|class|exception)|py:data):: (\w+)", page, re.M
        )
    )
    assert documented == set(gradbook.__all__) - {"__version__"}
    galleries = set(re.findall(r"^\.\. minigallery:: gradbook\.(\w+)", page, re.M))
    assert galleries == documented - {"EXERCISES"}
