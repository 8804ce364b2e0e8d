"""The API under hostile input, through the real stack (gunicorn, the test database, Redis):

* a schema-driven fuzz run (schemathesis, against `/api/schema/`) finds no 5xx and no
  answer that disagrees with the schema (status code, content type, body);
* oversized bodies get 413, malformed JSON 400, both as JSON;
* brute force on the log-in (token) and on the citizen case lookup is throttled (429);
* 20 simultaneous transition requests on one case: one 200, nineteen 409.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from casesys.cases import services
from tests.factories import new_case
from tests.resilience.support import (
    BIN,
    ROOT,
    Gunicorn,
    base_env,
    database_url_of,
    full_run,
    http,
    print_logs,
    scaled,
)

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(tmp_path):
    server = Gunicorn(
        env=base_env(DATABASE_URL=database_url_of(connection.settings_dict), CASESYS_VAR_DIR=str(tmp_path / "var")),
        log_dir=tmp_path,
        workers=2,
        threads=10,
    )
    try:
        yield server.start()
    except BaseException:
        print_logs(server)
        raise
    finally:
        server.stop()


def auth(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def test_schema_fuzz_finds_no_server_errors(org, stack, tmp_path):
    case, _ = new_case(org)
    report = tmp_path / "schemathesis"
    # Real identifiers, so the fuzzer reaches the transitions' logic and not only their 404.
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\nnumber = "{case.number}"\n')
    result = subprocess.run(
        [
            str(BIN / "schemathesis"), "--config-file", str(config), "run", f"{stack.url}/api/schema/",
            # No 5xx, and every answer as documented: status code, content type, body.
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--header", f"Authorization: {auth(org.admin)['Authorization']}",
            "--max-examples", str(scaled(15, 100)),
            # The coverage phase (every boundary and negative value per field) is the slow one.
            "--phases", "examples,coverage,fuzzing" if full_run() else "examples,fuzzing",
            # One worker: CPython 3.11's ast.parse is not thread-safe, and hypothesis calls it.
            "--workers", "1",
            "--request-timeout", "30",
            "--seed", "20261122",
            "--generation-database", "none",
            "--suppress-health-check", "all",
            "--report", "junit", "--report-dir", str(report),
            "--no-color",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + "\n" + stack.log_tail(40)
    assert "Server error" not in output


def test_oversized_bodies_get_413_and_malformed_json_400(org, stack):
    url = f"{stack.url}/api/v1/cases/"
    headers = {**auth(org.intake), "Content-Type": "application/json"}
    # 2.4 MB, over the 2 MB limit: read and dropped, so the client gets the 413 (a body
    # beyond CASESYS_MAX_DRAIN_BYTES is refused unread; the load balancer's limit comes first).
    huge = json.dumps({"subject": "路燈", "description": "路燈不亮" * 200_000}, ensure_ascii=False).encode()
    too_big = http("POST", url, raw=huge, headers=headers)
    assert too_big.status == 413
    assert too_big.json()["code"] == "request_too_large" and "Request body too large" in too_big.json()["detail"]

    for broken in ('{"subject": "路燈", '.encode(), b"not json at all", b'{"subject": "\xff\xfe"}', b"[1, 2"):
        reply = http("POST", url, raw=broken, headers=headers)
        assert reply.status == 400, (broken, reply.status, reply.text)
        assert reply.json()["detail"]


def test_brute_force_on_token_log_in_is_throttled(org, stack):
    url = f"{stack.url}/api/v1/auth/token/"
    statuses = [
        http("POST", url, data={"username": "officer", "password": f"guess-{i}"}).status for i in range(12)
    ]
    assert statuses[0] == 400 and 429 in statuses, statuses
    assert statuses[-1] == 429
    # Even the right password is refused while the account is locked out.
    assert http("POST", url, data={"username": "officer", "password": "pw-for-tests-123"}).status == 429


def test_brute_force_on_citizen_case_lookup_is_throttled(org, stack):
    case, password = new_case(org)
    url = f"{stack.url}/api/v1/track/"
    assert http("POST", url, data={"number": case.number, "password": password}).status == 200
    statuses = [http("POST", url, data={"number": case.number, "password": f"{i:08d}"}).status for i in range(15)]
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
    blocked = http("POST", url, data={"number": case.number, "password": password})
    assert blocked.status == 429 and blocked.headers.get("Retry-After")


def test_twenty_simultaneous_transition_requests_one_200_nineteen_409(org, stack):
    case, _ = new_case(org)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="已完成修復。", by=org.officer)
    url = f"{stack.url}/api/v1/cases/{case.number}/transitions"
    headers = auth(org.supervisor)
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def go(i: int) -> None:
        name, body = ("approve", {"note": ""}) if i % 2 else ("return_reply", {"comment": f"請補充 {i}"})
        barrier.wait(timeout=30)
        reply = http("POST", f"{url}/{name}/", data=body, headers=headers, timeout=60)
        with lock:
            statuses.append(reply.status)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(statuses) == Counter({200: 1, 409: 19}), statuses
    assert case.events.filter(from_state="pending_approval").count() == 1
