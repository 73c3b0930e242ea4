"""The domain core is pure Python: no Django, no database driver, no adapters (STYLE.md)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import leadflow.domain

# Any distribution named django* or psycopg* (django_filters, psycopg2 ...), and the adapters.
FORBIDDEN_PREFIXES = ("django", "psycopg")
FORBIDDEN_PACKAGES = ("leadflow.crm", "leadflow.web")
DOMAIN_DIR = Path(leadflow.domain.__file__).parent

# Runs in a fresh interpreter: this pytest process has Django loaded already.
_PROBE = """
import importlib, json, pkgutil, sys
import leadflow.domain as domain
names = [m.name for m in pkgutil.walk_packages(domain.__path__, "leadflow.domain.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _is_forbidden(module: str) -> bool:
    return module.startswith(FORBIDDEN_PREFIXES) or any(
        module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_PACKAGES
    )


def test_domain_core_imports_nothing_from_django() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])

    # The probe must really have imported the core, or the check below proves nothing.
    assert {
        "leadflow.domain.people",
        "leadflow.domain.pipeline",
        "leadflow.domain.channels",
    } <= set(report["imported"])
    leaked = [m for m in report["loaded"] if _is_forbidden(m)]
    assert leaked == [], f"importing leadflow.domain loaded {leaked}"


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_domain_source_names_no_django_import_even_lazily() -> None:
    # Catches an import inside a function, which the runtime probe would not execute.
    sources = sorted(DOMAIN_DIR.rglob("*.py"))
    assert DOMAIN_DIR / "channels.py" in sources
    offenders = {
        str(path.relative_to(DOMAIN_DIR)): bad
        for path in sources
        if (
            bad := [m for m in _imports(ast.parse(path.read_text(), str(path))) if _is_forbidden(m)]
        )
    }
    assert offenders == {}


def test_the_forbidden_check_recognises_a_django_import() -> None:
    tree = ast.parse(
        "import django.db\nfrom psycopg import sql\nfrom leadflow.crm.models import X\n"
    )
    assert [m for m in _imports(tree) if _is_forbidden(m)] == [
        "django.db",
        "psycopg",
        "leadflow.crm.models",
    ]
    assert _is_forbidden("django_filters")
    assert _is_forbidden("psycopg2.extras")
    assert _is_forbidden("leadflow.web")
    assert not _is_forbidden("leadflow.domain.people")
    assert not _is_forbidden("leadflow.crmish")
