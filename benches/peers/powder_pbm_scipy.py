"""Peer of benches/powder.rs `pbm_batch_solve_100`: the same fixed-pivot breakage operator
(100 classes, 0.2 um - 2 mm, Austin selection a=40 1/s at 100 um, alpha=3, mu=1 mm, Lambda=2;
Austin breakage phi=0.3, gamma=2, beta=5) and the same batch solve (RRSB 150 um, n=1.3 feed,
t = 60 s), with SciPy: (a) scipy.linalg.expm, (b) solve_ivp(BDF) with the exact Jacobian.

Run: python3 benches/peers/powder_pbm_scipy.py   (needs numpy, scipy)
Prints median wall times and the BDF error against expm.
"""
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm

n = 100
d = 0.2e-6 * np.exp(np.log(2e-3 / 0.2e-6) / (n - 1) * np.arange(n))
d[-1] = 2e-3
x = d**3
S = 40.0 * (d / 100e-6) ** 3.0 / (1.0 + (d / 1e-3) ** 2.0)
phi, g1, g2 = 0.3, 2.0 / 3.0, 5.0 / 3.0


def frag(lo, hi):
    num = vol = 0.0
    for c, g in ((phi, g1), (1 - phi, g2)):
        vol += c * (hi**g - lo**g)
        num += c * (np.log(hi / lo) if abs(g - 1) < 1e-12 else g / (g - 1) * (hi ** (g - 1) - lo ** (g - 1)))
    return num, vol


def assemble():
    A = np.zeros((n, n))
    for k in range(n):
        r = x[: k + 1] / x[k]
        for i in range(k):
            num, vol = frag(r[i], r[i + 1])
            nik = (r[i + 1] * num - vol) / (r[i + 1] - r[i])
            if i == 0:
                nik += frag(1e-300, r[0])[1] / r[0]
            else:
                num, vol = frag(r[i - 1], r[i])
                nik += (vol - r[i - 1] * num) / (r[i] - r[i - 1])
            A[i, k] = r[i] * max(nik, 0.0) * S[k]
        A[k, k] = -A[:k, k].sum()
    return A


def rrsb(xp, nn):
    e = np.empty(n + 1)
    e[0] = d[0] * np.sqrt(d[0] / d[1])
    e[1:n] = np.sqrt(d[:-1] * d[1:])
    e[n] = d[-1] * np.sqrt(d[-1] / d[-2])
    Q = 1 - np.exp(-((e / xp) ** nn))
    Q[0], Q[-1] = 0.0, 1.0
    m = np.diff(Q)
    return m / m.sum()


def median_time(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out


A = assemble()
m0 = rrsb(150e-6, 1.3)
t_end = 60.0
t_asm, _ = median_time(assemble, 5)
t_expm, m_expm = median_time(lambda: expm(A * t_end) @ m0, 30)
t_bdf, sol = median_time(
    lambda: solve_ivp(lambda t, y: A @ y, (0, t_end), m0, method="BDF", jac=A, rtol=1e-10, atol=1e-14), 5
)
m_bdf = sol.y[:, -1]
print(f"assemble (python loops)   {t_asm * 1e3:8.2f} ms")
print(f"scipy expm solve          {t_expm * 1e3:8.2f} ms   mass defect {abs(m_expm.sum() - 1):.1e}")
print(f"scipy BDF rtol 1e-10      {t_bdf * 1e3:8.2f} ms   max |BDF - expm| {np.abs(m_bdf - m_expm).max():.1e}, nfev {sol.nfev}")
