#!/usr/bin/env python3
"""SciPy peer of repm-sx's steady-state cascade solvers (issue 4 cases a, b, c).

The same cases (read from the JSON that `cargo run --release --example sx_solver_bench --
--export-cases FILE` writes from `repm_sx::cases`) and the same equations (docs/science/sx.md
eqs. 1-13): unknowns ln c_aq per component (+ ln [H+], ln [(HA)2]_free when the acid is
tracked), vectorised NumPy residuals, an initial estimate from successive-substitution sweeps
(scipy.linalg.solve_banded per component, as the Rust solvers do), then
scipy.optimize.least_squares with the block-tridiagonal Jacobian structure supplied
(jac_sparsity). Prints one JSON line per case in the format of the Rust example:
{"case", "solver", "stages", "components", "wall_ms", "iterations", "residual", "converged"}.

Usage: python3 benches/peers/sx_scipy.py CASES.json [case ...] [--least-squares]
Default solver: damped Newton with a sparse finite-difference Jacobian (3·n_b grouped residual
evaluations) and scipy.sparse.linalg.splu; --least-squares also runs least_squares(trf,
jac_sparsity), which on these cases stops at its evaluation limit (see docs/benchmarks.md).
Supports the features the bench cases use (saturated constant-beta and per-component
mass-action/constant-D models, feeds; no draws, recycles or sulfate).
"""
import json
import math
import sys
import time

import numpy as np
from scipy.linalg import solve_banded
from scipy.optimize import least_squares
from scipy.sparse import csc_matrix, lil_matrix
from scipy.sparse.linalg import splu

DEFAULT_CHARGE = {"Th": 4.0, "Ca": 2.0, "Mg": 2.0, "U": 2.0, "Na": 1.0, "K": 1.0, "NH4": 1.0}
TRACE = 1e-200


class Case:
    def __init__(self, spec):
        self.comps = [c["symbol"] for c in spec["components"]]
        C = self.C = len(self.comps)
        self.z = np.array([c["charge"] or DEFAULT_CHARGE.get(c["symbol"], 3.0) for c in spec["components"]])
        self.nu = np.array([c["extractant_units"] or z for c, z in zip(spec["components"], self.z)])
        secs = spec["sections"]
        N = self.N = sum(s["stages"] for s in secs)
        # per-stage model parameters
        self.kind = []  # "sat" or "pc"
        self.beta = np.zeros((N, C)); self.Y = np.zeros(N)
        self.lnK = np.zeros((N, C)); self.nexp = np.zeros((N, C)); self.zexp = np.zeros((N, C))
        k = 0
        for s in secs:
            eq = s["equilibrium"]
            for _ in range(s["stages"]):
                if eq["model"] == "separation_factors":
                    b = dict(eq["beta"]); b[eq["reference"]] = 1.0
                    self.beta[k] = [b[c] for c in self.comps]
                    self.Y[k] = eq["basis"]["loading"]
                    self.kind.append("sat")
                else:
                    for j, c in enumerate(self.comps):
                        law = eq["laws"][c]
                        if law["law"] == "constant_d":
                            self.lnK[k, j] = math.log(law["d"])
                        else:
                            self.lnK[k, j] = law["log10_k"] * math.log(10)
                            self.nexp[k, j] = self.nu[j]; self.zexp[k, j] = self.z[j]
                    self.kind.append("pc")
                k += 1
        self.sat = np.array([t == "sat" for t in self.kind])
        self.acid = bool((self.nexp != 0).any())
        self.nb = C + 2 if self.acid else C
        fa = np.zeros(N); fo = np.zeros(N); self.F = np.zeros((N, C)); self.Fp = np.zeros(N); fe = np.zeros(N)
        for f in spec["feeds"]:
            k = f["stage"]; c = np.array([f["concentrations"].get(s, 0.0) for s in self.comps])
            self.F[k] += f["flow"] * c
            if f["phase"] == "aqueous":
                fa[k] += f["flow"]; self.Fp[k] += f["flow"] * f["acid"]
            else:
                fo[k] += f["flow"]; fe[k] += f["flow"] * f["extractant"]; self.Fp[k] -= f["flow"] * (c * self.z).sum()
        self.qa = np.cumsum(fa); self.qo = np.cumsum(fo[::-1])[::-1]
        self.A = np.concatenate([[0.0], self.qa[:-1]])   # aqueous into k from k-1
        self.O = np.concatenate([self.qo[1:], [0.0]])    # organic into k from k+1
        # total extractant in the organic leaving each stage (organic-only transport)
        self.ET = np.cumsum(fe[::-1])[::-1] / self.qo
        self.trace = TRACE * self.F.sum(axis=0)
        self.acid_fed = self.Fp[self.Fp > 0].sum()

    def distribution(self, x, h, e):
        D = np.empty_like(x)
        if self.sat.any():
            s = (self.beta[self.sat] * x[self.sat]).sum(axis=1, keepdims=True)
            D[self.sat] = self.beta[self.sat] * self.Y[self.sat, None] / np.maximum(s, 1e-300)
        pc = ~self.sat
        if pc.any():
            D[pc] = np.exp(self.lnK[pc] + self.nexp[pc] * np.log(e[pc, None] / 1000.0) - self.zexp[pc] * np.log(h[pc, None] / 1000.0))
        return D

    def unpack(self, v):
        V = v.reshape(self.N, self.nb)
        x = np.exp(V[:, : self.C])
        if self.acid:
            return x, np.exp(V[:, self.C]), np.exp(V[:, self.C + 1])
        return x, np.ones(self.N), np.ones(self.N)

    def residual(self, v):
        """Scaled residuals (eq. 13): balances divided by the stage throughput."""
        x, h, e = self.unpack(v)
        y = self.distribution(x, h, e) * x
        qa = self.qa[:, None]; qo = self.qo[:, None]
        r = self.F - qa * x - qo * y
        r[1:] += self.A[1:, None] * x[:-1]
        r[:-1] += self.O[:-1, None] * y[1:]
        t = np.maximum(qa * x + qo * y, self.trace)
        out = [r / t]
        if self.acid:
            P = -(y * self.z).sum(axis=1)
            g = self.Fp - self.qa * h - self.qo * P
            g[1:] += self.A[1:] * h[:-1]
            g[:-1] += self.O[:-1] * P[1:]
            tp = self.qa * h + self.qo * (y * self.z).sum(axis=1) + np.abs(self.Fp)
            q = (e + (y * self.nu).sum(axis=1) - self.ET) / self.ET
            out += [(g / tp)[:, None], q[:, None]]
        return np.hstack(out).ravel()

    def sparsity(self):
        n, nb = self.N, self.nb
        S = lil_matrix((n * nb, n * nb), dtype=int)
        for k in range(n):
            for kk in (k - 1, k, k + 1):
                if 0 <= kk < n:
                    S[k * nb:(k + 1) * nb, kk * nb:(kk + 1) * nb] = 1
        return S

    def substitution(self, tol, max_sweeps, omega=1.0):
        """Initial estimate: successive substitution (Thomas per component via solve_banded)."""
        N, C = self.N, self.C
        qa_avg = self.qa.mean()
        x = np.tile(np.maximum(self.F.sum(axis=0) / qa_avg, 1e-12), (N, 1))
        h = np.full(N, max(self.acid_fed / qa_avg, 1e-3)); e = 0.5 * self.ET.copy()
        D = self.distribution(x, h, e)
        prev = math.inf
        for it in range(1, max_sweeps + 1):
            lnD_old = np.log(D)
            ab = np.zeros((3, N))
            for j in range(C):
                ab[0, 1:] = self.O[:-1] * D[1:, j]
                ab[1] = -(self.qa + self.qo * D[:, j])
                ab[2, :-1] = self.A[1:]
                x[:, j] = np.maximum(solve_banded((1, 1), ab, -self.F[:, j]), 1e-280)
            if self.sat.all():
                # Wang-Henke normalisation to the total metal transport
                ab2 = np.zeros((2, N)); ab2[0] = -self.qa; ab2[1, :-1] = self.A[1:]
                rhs = -(self.F.sum(axis=1) - self.qo * self.Y + np.concatenate([self.O[:-1] * self.Y[1:], [0.0]]))
                T = solve_banded((1, 0), ab2, rhs)
                if (T > 0).all():
                    x *= (T / x.sum(axis=1))[:, None]
            if self.acid:
                y = D * x
                P = -(y * self.z).sum(axis=1)
                e = np.maximum(self.ET - (y * self.nu).sum(axis=1), 1e-9 * self.ET)
                rhs = -(self.Fp - self.qo * P + np.concatenate([self.O[:-1] * P[1:], [0.0]]))
                ab2 = np.zeros((2, N)); ab2[0] = -self.qa; ab2[1, :-1] = self.A[1:]
                h = np.maximum(solve_banded((1, 0), ab2, rhs), 1e-9)
            D = self.distribution(x, h, e)
            v = self.pack(x, h, e)
            res = np.abs(self.residual(v)).max()
            if res <= tol:
                break
            if res > prev and omega > 0.05:
                omega = max(0.5 * omega, 0.05)
            prev = res
            if omega < 1.0:
                D = np.exp((1 - omega) * lnD_old + omega * np.log(D))
        return self.pack(x, h, e), it

    def pack(self, x, h, e):
        cols = [np.log(x)]
        if self.acid:
            cols += [np.log(h)[:, None], np.log(e)[:, None]]
        return np.hstack(cols).ravel()


def sparse_fd_jacobian(case, v, f0):
    """Forward-difference Jacobian using the block-tridiagonal structure: columns whose stages
    are 3 apart do not share a row, so 3·n_b residual evaluations give the whole Jacobian."""
    n, nb = case.N, case.nb
    rows, cols, vals = [], [], []
    k_of = np.repeat(np.arange(n), nb)
    for g in range(3 * nb):
        stage0, i = divmod(g, nb)
        ks = np.arange(stage0, n, 3)
        idx = ks * nb + i
        h = 1e-7 * np.maximum(1.0, np.abs(v[idx]))
        vp = v.copy(); vp[idx] += h
        df = case.residual(vp) - f0
        for kk, col, hh in zip(ks, idx, h):
            lo, hi = max(kk - 1, 0) * nb, min(kk + 2, n) * nb
            rows.append(np.arange(lo, hi)); cols.append(np.full(hi - lo, col)); vals.append(df[lo:hi] / hh)
    return csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * nb, n * nb))


def newton(case, v, tol=1e-11, max_it=60):
    """Damped Newton, the algorithm of repm-sx written in SciPy: sparse finite-difference
    Jacobian, SuperLU (splu), step cap 3 in log space, natural monotonicity test."""
    for it in range(max_it + 1):
        f = case.residual(v)
        res = np.abs(f).max()
        if not np.isfinite(res) or res <= tol or it == max_it:
            return v, it, res
        try:
            lu = splu(sparse_fd_jacobian(case, v, f))
        except RuntimeError:  # finite differences cannot see vanishing traces: singular
            return v, it, res
        dx = -lu.solve(f)
        big = np.abs(dx).max()
        alpha = min(1.0, 3.0 / big) if np.isfinite(big) and big > 0 else 1.0
        ndx = np.linalg.norm(dx)
        for _ in range(31):
            vt = v + alpha * dx
            ft = case.residual(vt)
            if np.isfinite(ft).all() and (np.abs(ft).max() <= 0.1 * res or np.linalg.norm(lu.solve(ft)) <= (1 - 0.25 * alpha) * ndx):
                break
            alpha *= 0.5
        else:
            return v, it, res
        v = vt
    return v, max_it, res


def solve(case, method):
    t0 = time.perf_counter()
    v0, sweeps = case.substitution(1e-3, 300)
    if method == "least_squares":
        sol = least_squares(case.residual, v0, jac_sparsity=case.sparsity(), method="trf", x_scale="jac",
                            xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=200)
        v, its, status = sol.x, int(sol.njev or 0), sol.message
    else:
        v, its, _ = newton(case, v0)
        status = "newton"
    wall = time.perf_counter() - t0
    res = float(np.abs(case.residual(v)).max())
    return wall, its, res, sweeps, status


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cases = json.load(open(sys.argv[1]))
    args = sys.argv[2:]
    methods = ["newton_splu", "least_squares"] if "--least-squares" in args else ["newton_splu"]
    only = [a for a in args if not a.startswith("--")]
    for name, spec in cases.items():
        if only and name not in only:
            continue
        case = Case(spec)
        for method in methods:
            walls = []
            for _ in range(5):
                wall, its, res, sweeps, status = solve(case, method)
                walls.append(wall)
                if sum(walls) > 5.0:
                    break
            walls.sort()
            print(json.dumps({
                "case": name, "solver": "scipy_" + method, "stages": case.N, "components": case.C,
                "wall_ms": walls[len(walls) // 2] * 1e3, "iterations": its, "sweeps": sweeps,
                "residual": res, "converged": bool(res <= 1e-9), "status": status,
            }), flush=True)


if __name__ == "__main__":
    main()
