"""deploy/env.example lists every environment variable the application reads.

The names are taken from the code: every call of a casesys.env helper (env_str, env_int, …)
in casesys/, workers/ and integrations/, and every os.environ / os.getenv read in
casesys/settings.py and deploy/gunicorn.conf.py. A variable counts as listed when a line of
the example sets it, commented out or not (``#EMAIL_PORT=25``).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HELPER_CALL = re.compile(r"\benv_[a-z_]+\(\s*\"([A-Z][A-Z0-9_]*)\"")
ENVIRON_READ = re.compile(
    r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"|os\.environ\[\s*\"([A-Z][A-Z0-9_]*)\"\s*\]|os\.getenv\(\s*\"([A-Z][A-Z0-9_]*)\""
)
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def names_read_by_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("casesys", "workers", "integrations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "env.py" and path.parent.name == "casesys":
                continue  # the helpers themselves
            for name in HELPER_CALL.findall(path.read_text()):
                found.setdefault(name, str(path.relative_to(ROOT)))
    for path in (ROOT / "casesys" / "settings.py", ROOT / "deploy" / "gunicorn.conf.py"):
        for groups in ENVIRON_READ.findall(path.read_text()):
            found.setdefault(next(g for g in groups if g), str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_settings_it_must():
    names = names_read_by_the_code()
    # A broken pattern would find nothing and pass vacuously.
    assert {"DJANGO_SECRET_KEY", "EMAIL_HOST", "EMAIL_HOST_PASSWORD", "DB_CONN_MAX_AGE", "GUNICORN_BIND"} <= set(names)


def test_every_variable_the_code_reads_is_in_deploy_env_example():
    listed = set(LISTED.findall((ROOT / "deploy" / "env.example").read_text()))
    missing = {name: where for name, where in names_read_by_the_code().items() if name not in listed}
    assert not missing, f"add to deploy/env.example, with its meaning: {missing}"
