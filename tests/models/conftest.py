"""Tests marked ``heavy`` (full-size models at their real shapes, minutes
each on one CPU core) run only with KFAC_HEAVY=1 (`make test-heavy`);
`make test` deselects them (reported as deselected, never as passed)."""
import os


def pytest_collection_modifyitems(config, items):
    if os.environ.get('KFAC_HEAVY') == '1':
        return
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker('heavy') else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
