#!/usr/bin/python3
"""Checks experiments/timestep_stats.py's statistics against published values: Student's t
quantiles t_0.975 from the standard table (df 1: 12.706, 2: 4.303, 9: 2.262, 1000: 1.962),
the t CDF at a table point (t = 1.833 at df 9 is the 0.95 quantile), and a paired test
worked out by hand (d = 1, 2, 3: mean 2, s = 1, t = 2 sqrt(3) = 3.4641, df 2, two-sided
p = 0.07418 from the t distribution)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "experiments"))
try:
    import timestep_stats as ts  # noqa: E402
except ImportError as e:  # numpy or h5py missing: ./setup.sh test installs them
    print(f"SKIP: {e}")
    sys.exit(77)

fails = 0


def check(name, got, want, tol):
    global fails
    if abs(got - want) > tol:
        print(f"FAIL: {name}: {got} != {want} (tolerance {tol})")
        fails += 1


for df, q in ((1, 12.706), (2, 4.303), (9, 2.262), (1000, 1.962)):
    check(f"t_0.975 df {df}", ts.t_quantile(0.975, df), q, 5e-4)  # the table's 3 decimals
check("t CDF 1.833 df 9", ts.t_cdf(1.833, 9), 0.95, 5e-5)
check("t CDF symmetric", ts.t_cdf(-0.7, 4) + ts.t_cdf(0.7, 4), 1.0, 1e-12)
m, h, p = ts.paired([1.0, 2.0, 3.0])
check("paired mean", m, 2.0, 1e-12)
check("paired half-width", h, 4.302653 / 3 ** 0.5, 1e-5)
check("paired p", p, 0.07418, 5e-5)
sys.exit(1 if fails else 0)
