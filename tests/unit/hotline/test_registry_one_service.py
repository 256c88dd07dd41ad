"""A service process imports its own code, not the other services': every process that
imported all six entrypoints carried intake's classifier stack and sla's numpy, and peaked
near 192 MB resident instead of 80-130 (measured by `hotline bench`)."""

import subprocess
import sys

import pytest

from hotline.registry import PROCESSES


@pytest.mark.parametrize("service", ["routing", "assessment", "publication"])
def test_a_service_process_loads_no_other_service(service):
    others = [name for name in PROCESSES if name != service]
    probe = (f"import sys; from hotline.registry import service_spec; spec = service_spec({service!r}); "
             f"assert spec.name == {service!r}; "
             f"print(sorted(m for m in sys.modules if m.split('.')[:2] in "
             f"[['services', o] for o in {others!r}] or m.split('.')[0] in ('sklearn', 'rjieba')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_an_unknown_service_is_refused():
    from hotline.registry import service_spec

    with pytest.raises(ValueError, match="unknown service"):
        service_spec("billing")
