"""pytest set-up for the Python-package tests (run by ctest as `python.pytest`, see tests/CMakeLists.txt).

Environment (set by ctest): MDRUN_BIN (the mdrun executable), MDRUN_TEST_DATA (tests/data), and PYTHONPATH
pointing at the staged package (<build>/python). A session that collects fewer tests than expected fails,
so a broken import or a missing plugin can never turn into a green "no tests ran".
"""
import os
import subprocess

import pytest



def pytest_sessionfinish(session, exitstatus):
    # ctest sets MDRUN_PYTEST_MIN_TESTS; a developer running one file does not.
    need = int(os.environ.get("MDRUN_PYTEST_MIN_TESTS", "0"))
    if session.testscollected < need:
        print(f"\nconftest: only {session.testscollected} tests collected, expected at least {need}")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def data_dir():
    d = os.environ.get("MDRUN_TEST_DATA")
    if not d:
        d = os.path.join(os.path.dirname(__file__), "..", "data")
    return os.path.abspath(d)


@pytest.fixture(scope="session")
def mdrun_bin():
    b = os.environ.get("MDRUN_BIN")
    assert b and os.path.exists(b), "MDRUN_BIN must name the mdrun executable"
    return b


@pytest.fixture(scope="session")
def run_cli(mdrun_bin):
    def run(*args, check=True, **kw):
        r = subprocess.run([mdrun_bin, *map(str, args)], capture_output=True, text=True, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"mdrun {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    return run
