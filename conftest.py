"""pytest set-up for the whole repository (tests/ and the notebooks run by nbval).

``make test`` runs the suite on two pytest-xdist workers with ``--dist loadfile``
(pyproject.toml): a worker takes whole files, so module fixtures are built once,
a notebook's cells run in order in one kernel, and the two-quarter loop shared by
the end-to-end tests (all in tests/test_run_e2e.py) runs once.
"""
