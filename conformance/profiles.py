"""Hypothesis budgets and shape limits per profile, registered in one place.

ci: deterministic and small (JAX compiles every new shape, so shape variety is the cost driver).
dev: more examples, random seeds. thorough: the nightly budget.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import providers as _providers


def _no_local_constants() -> None:
    """Make a record's examples depend only on its seed (op, check, oracle, dtype), not on process history.

    Hypothesis (>= 6.131) mixes numeric literals from every *imported* project module into its draws. Which
    modules a pytest-xdist worker has imported depends on the tests it ran before, and every edit of impl/
    changes the literals, so the same seed drew different examples in CI than locally. There is no public
    setting for this; the pinned Hypothesis keeps the pool in `_get_local_constants`, which we empty.
    """
    empty = _providers.Constants()
    if not hasattr(_providers, "_get_local_constants"):  # a Hypothesis upgrade moved it: fail loudly
        raise ImportError("hypothesis.internal.conjecture.providers._get_local_constants is gone; "
                          "update conformance/profiles.py for this Hypothesis version")
    global ORIGINAL_LOCAL_CONSTANTS
    ORIGINAL_LOCAL_CONSTANTS = _providers._get_local_constants  # kept for the test that shows the problem
    _providers._get_local_constants = lambda: empty


ORIGINAL_LOCAL_CONSTANTS = None


_no_local_constants()


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int      # examples per op x check x oracle x dtype
    max_dims: int
    max_side: int
    stale_examples: int    # extra search before declaring a gap/divergence stale
    derandomize: bool      # ci: the same examples on every run (seed from op/check/dtype names)
    jax_examples: int      # JAX compiles each new shape (~50 ms): its budget is set separately
    jax_dtypes: tuple[str, ...] | None = None   # dtype buckets run against JAX (None: all)
    shape_pool: tuple[tuple[int, ...], ...] | None = None  # JAX checks draw free shapes from here
    record_timeout_s: int = 120  # one op x check x oracle x dtype; a hung library must not stall the run


# A few shapes covering 0-d, empty, size-1 broadcasting dims and 3-d: JAX compiles each only once.
CI_SHAPES = ((), (0,), (1,), (3,), (2, 3), (3, 1), (1, 2, 3), (2, 0, 3))


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", max_examples=12, max_dims=3, max_side=3, stale_examples=60, derandomize=True,
                  jax_examples=8, jax_dtypes=("float32", "float64", "int64", "bool"), shape_pool=CI_SHAPES),
    "dev": Profile("dev", max_examples=50, max_dims=4, max_side=4, stale_examples=200, derandomize=False,
                   jax_examples=30, record_timeout_s=600),
    "thorough": Profile("thorough", max_examples=300, max_dims=5, max_side=5, stale_examples=1000,
                        derandomize=False, jax_examples=300, record_timeout_s=1800),
}

for _p in PROFILES.values():
    settings.register_profile(
        f"conformance-{_p.name}",
        max_examples=_p.max_examples,
        deadline=None,
        database=None,            # reproducibility comes from explicit seeds, not a local database
        derandomize=False,        # we pass @seed ourselves (see engine.py), derived per record
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def get(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose from {sorted(PROFILES)}")
    return PROFILES[name]


def hypothesis_settings(profile: Profile, max_examples: int | None = None) -> settings:
    base = settings.get_profile(f"conformance-{profile.name}")
    return settings(base, max_examples=max_examples or profile.max_examples)
