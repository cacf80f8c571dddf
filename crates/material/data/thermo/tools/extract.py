#!/usr/bin/env python3
"""Extract repm's thermochemistry data files from the public packages named in
docs/science/material.md ("How the data files were made").

Usage: python3 extract.py <unpacked-wheels-dir> <output-dir>

<unpacked-wheels-dir> holds the wheels fetched with `pip download --no-deps cantera espei
chemicals reaction-network`, each unzipped into x_<name>/.  The packages themselves are never
committed; this script copies single numbers out of them into repm's own JSON files, one record
per species and phase, with the source, table id and version on every record.
Requires numpy and pyyaml.  Deterministic: same inputs give byte-identical outputs.
"""
import gzip, json, math, os, sys
import numpy as np
import yaml

R = 8.314462618
EV = 96485.3321  # J/mol per eV
SRC = sys.argv[1]
OUT = sys.argv[2]

# ----------------------------------------------------------------------------------------
# NASA Glenn 7-coefficient records (via Cantera)
CANTERA_VER = "Cantera 3.2.0"
nasa_c = {s["name"]: s for s in yaml.safe_load(open(f"{SRC}/x_cantera/cantera/data/nasa_condensed.yaml"))["species"]}
nasa_g = {s["name"]: s for s in yaml.safe_load(open(f"{SRC}/x_cantera/cantera/data/nasa_gas.yaml"))["species"]}

# repm species -> list of (file, NASA name, repm phase label, state)
NASA_MAP = {
    "Ca": [("c", "Ca(a)", "a", "solid"), ("c", "Ca(b)", "b", "solid"), ("c", "Ca(L)", "L", "liquid")],
    "CaF2": [("c", "CaF2(a)", "a", "solid"), ("c", "CaF2(b)", "b", "solid"), ("c", "CaF2(L)", "L", "liquid")],
    "CaO": [("c", "CaO(s)", "s", "solid"), ("c", "CaO(L)", "L", "liquid")],
    "CaCl2": [("c", "CaCL2(s)", "s", "solid"), ("c", "CaCL2(L)", "L", "liquid")],
    "LiF": [("c", "LiF(s)", "s", "solid"), ("c", "LiF(L)", "L", "liquid")],
    "MgF2": [("c", "MgF2(s)", "s", "solid"), ("c", "MgF2(L)", "L", "liquid")],
    "MgO": [("c", "MgO(s)", "s", "solid"), ("c", "MgO(L)", "L", "liquid")],
    "Li": [("c", "Li(cr)", "cr", "solid"), ("c", "Li(L)", "L", "liquid")],
    "Mg": [("c", "Mg(cr)", "cr", "solid"), ("c", "Mg(L)", "L", "liquid")],
    "Fe": [("c", "Fe(a)", "a", "solid"), ("c", "Fe(c)", "c", "solid"), ("c", "Fe(d)", "d", "solid"), ("c", "Fe(L)", "L", "liquid")],
    "Al": [("c", "AL(cr)", "cr", "solid"), ("c", "AL(L)", "L", "liquid")],
    "B": [("c", "B(b)", "b", "solid"), ("c", "B(L)", "L", "liquid")],
    "Cu": [("c", "Cu(cr)", "cr", "solid"), ("c", "Cu(L)", "L", "liquid")],
    "Ta": [("c", "Ta(cr)", "cr", "solid"), ("c", "Ta(L)", "L", "liquid")],
    "Ni": [("c", "Ni(cr)", "cr", "solid"), ("c", "Ni(L)", "L", "liquid")],
    "C": [("c", "C(gr)", "gr", "solid")],
    "I2": [("c", "I2(cr)", "cr", "solid"), ("c", "I2(L)", "L", "liquid")],
    "H2O": [("c", "H2O(s)", "s", "solid"), ("c", "H2O(L)", "L", "liquid")],
    "O2": [("g", "O2", "g", "gas")], "F2": [("g", "F2", "g", "gas")], "H2": [("g", "H2", "g", "gas")],
    "N2": [("g", "N2", "g", "gas")], "Ar": [("g", "Ar", "g", "gas")], "Cl2": [("g", "CL2", "g", "gas")],
    "CO": [("g", "CO", "g", "gas")], "CO2": [("g", "CO2", "g", "gas")], "CF4": [("g", "CF4", "g", "gas")],
    "HF": [("g", "HF", "g", "gas")], "H2O(g)": [("g", "H2O", "g", "gas")], "I2(g)": [("g", "I2", "g", "gas")],
    "Ca(g)": [("g", "Ca", "g", "gas")], "Mg(g)": [("g", "Mg", "g", "gas")], "Li(g)": [("g", "Li", "g", "gas")],
}


def nasa_records():
    out = []
    for sp, items in NASA_MAP.items():
        for f, name, ph, state in items:
            s = (nasa_c if f == "c" else nasa_g)[name]
            th = s["thermo"]
            tr = th["temperature-ranges"]
            data = th["data"]
            if th["model"] == "NASA9":
                # NASA-9 pieces whose T^-2 and T^-1 Cp terms are zero are NASA-7 pieces (Fe(a), Ni(cr))
                assert all(row[0] == 0.0 and row[1] == 0.0 for row in data), name
                data = [row[2:] for row in data]
            else:
                assert th["model"] == "NASA7", name
            pieces = [{"t_lo": tr[i], "t_hi": tr[i + 1], "a": data[i]} for i in range(len(tr) - 1)]
            out.append({
                "species": sp, "phase": ph, "state": state,
                "source": "NASA-Glenn",
                "table": f"NASA Glenn {name} ({s.get('note', '').strip()})",
                "version": f"McBride, Gordon & Reno, NASA TM-4513 (1993); {CANTERA_VER} nasa_{'condensed' if f == 'c' else 'gas'}.yaml",
                "form": {"kind": "nasa7", "pieces": pieces},
            })
    return out


def nasa_eval(pieces, T):
    """H [J/mol], S [J/mol/K], Cp for a NASA species list of pieces (extrapolates at the ends)."""
    p = pieces[0]
    for q in pieces:
        if T >= q["t_lo"]:
            p = q
    a = p["a"]
    cp = R * (a[0] + a[1] * T + a[2] * T**2 + a[3] * T**3 + a[4] * T**4)
    h = R * T * (a[0] + a[1] * T / 2 + a[2] * T**2 / 3 + a[3] * T**3 / 4 + a[4] * T**4 / 5 + a[5] / T)
    s = R * (a[0] * math.log(T) + a[1] * T + a[2] * T**2 / 2 + a[3] * T**3 / 3 + a[4] * T**4 / 4 + a[6])
    return h, s, cp


# ----------------------------------------------------------------------------------------
# SGTE unary data (Dinsdale 1991) via espei/refdata.py
class E:
    """Tiny polynomial algebra in T, ln T and GHSER symbols, enough to read refdata.py."""

    def __init__(self, d):
        self.d = {k: v for k, v in d.items() if v != 0}

    @staticmethod
    def c(x):
        return x if isinstance(x, E) else E({(0, 0): float(x)})

    def __add__(self, o):
        o = E.c(o); d = dict(self.d)
        for k, v in o.d.items():
            d[k] = d.get(k, 0.0) + v
        return E(d)

    __radd__ = __add__

    def __neg__(self):
        return E({k: -v for k, v in self.d.items()})

    def __sub__(self, o):
        return self + (-E.c(o))

    def __rsub__(self, o):
        return E.c(o) + (-self)

    def __mul__(self, o):
        o = E.c(o); d = {}
        for (p1, l1), v1 in self.d.items():
            for (p2, l2), v2 in o.d.items():
                assert not isinstance(p1, str) or (p2, l2) == (0, 0)
                assert not isinstance(p2, str) or (p1, l1) == (0, 0)
                if isinstance(p1, str):
                    k = (p1, l1)
                elif isinstance(p2, str):
                    k = (p2, l2)
                else:
                    k = (p1 + p2, l1 + l2)
                d[k] = d.get(k, 0.0) + v1 * v2
        return E(d)

    __rmul__ = __mul__

    def __pow__(self, n):
        (p, l), v = next(iter(self.d.items()))
        assert len(self.d) == 1 and v == 1 and l == 0
        return E({(p * n, 0): 1.0})

    def __truediv__(self, o):
        return self * (1.0 / o)

    def __rtruediv__(self, o):
        (p, l), v = next(iter(self.d.items()))
        assert len(self.d) == 1 and l == 0
        return E({(-p, 0): float(o) / v})

    def __lt__(self, x):
        return ("lt", x)

    def __ge__(self, x):
        return ("ge", x)


Tsym = E({(1, 0): 1.0})


def log(x):
    assert x is Tsym
    return E({(0, 1): 1.0})


def Symbol(name):
    assert name.startswith("GHSER")
    return E({("SYM", name[5:]): 1.0})


def And(*conds):
    d = dict(conds)
    return (d["ge"], d["lt"])


def Piecewise(*args):
    return [(E.c(e), c) for e, c in args if c is not True]


def load_sgte():
    txt = open(f"{SRC}/x_espei/espei/refdata.py").read()
    i0 = txt.index("SGTE91Stable = OrderedDict(")
    i1 = txt.index("SGTE91SER =")
    ns = {"OrderedDict": dict, "Piecewise": Piecewise, "And": And, "Symbol": Symbol, "log": log, "T": Tsym, "exp": None}
    exec(txt[i0:i1], ns)
    return ns["SGTE91Stable"], ns["SGTE91"]


KEYS = {(0, 0): "a", (1, 0): "b", (1, 1): "c", (2, 0): "d", (3, 0): "e", (-1, 0): "f", (7, 0): "g", (-9, 0): "h"}


def resolve(pieces, stable):
    """Substitute GHSER symbols and split at the breakpoints of the GHSER pieces."""
    out = []
    for e, (lo, hi) in pieces:
        syms = [k for k in e.d if isinstance(k[0], str)]
        if not syms:
            out.append((lo, hi, e)); continue
        assert len(syms) == 1 and e.d[syms[0]] == 1.0
        rest = E({k: v for k, v in e.d.items() if k != syms[0]})
        key = syms[0][1]
        if key not in stable and len(key) == 2 and key[0] == key[1]:
            key = key[0]  # GHSERBB, GHSERCC: one-letter elements are doubled in SGTE names
        for se, (slo, shi) in stable[key]:
            a, b = max(lo, slo), min(hi, shi)
            if b > a:
                out.append((a, b, rest + se))
    res = []
    for lo, hi, e in out:
        terms = []
        for (pw, lg), v in sorted(e.d.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            assert lg == 0 or (pw, lg) == (1, 1), (pw, lg)
            terms.append([pw, lg, v])
        res.append({"t_lo": lo, "t_hi": hi, "g": terms})
    return res


def sgte_g(pieces, T):
    p = pieces[0]
    for q in pieces:
        if T >= q["t_lo"]:
            p = q
    return sum(v * T**pw * (math.log(T) if lg else 1.0) for pw, lg, v in p["g"])


SGTE_ELEMENTS = ["Nd", "Pr", "Dy", "Tb", "Sm", "La", "Ce", "Ca", "Li", "Mg", "Fe", "Co", "Ni", "B", "C", "Ta", "Al", "Cu", "Ga"]
# Inden-Hillert-Jarl parameters (SGTE convention; fcc Fe is antiferromagnetic: Tc and beta already divided by -3)
MAGNETIC = {("FE", "BCC_A2"): (1043.0, 2.22, 0.40), ("FE", "FCC_A1"): (67.0, 0.70, 0.28),
            ("CO", "HCP_A3"): (1396.0, 1.35, 0.28), ("CO", "FCC_A1"): (1396.0, 1.35, 0.28),
            ("NI", "FCC_A1"): (633.0, 0.52, 0.28), ("NI", "BCC_A2"): (575.0, 0.85, 0.40)}


def g_mag(T, tc, beta, p):
    A = 518 / 1125 + 11692 / 15975 * (1 / p - 1)
    tau = T / tc
    if tau <= 1:
        f = 1 - (79 / (140 * p * tau) + 474 / 497 * (1 / p - 1) * (tau**3 / 6 + tau**9 / 135 + tau**15 / 600)) / A
    else:
        f = -(tau**-5 / 10 + tau**-15 / 315 + tau**-25 / 1500) / A
    return R * T * math.log(beta + 1) * f


def sgte_records():
    stable, lat = load_sgte()
    out, gfun = [], {}
    for el in SGTE_ELEMENTS:
        EL = el.upper()
        phases = {ph: resolve(pw, stable) for (e, ph), pw in lat.items() if e == EL}
        tmax = max(p[-1]["t_hi"] for p in phases.values())

        def gtot(ph, T, phases=phases, EL=EL):
            g = sgte_g(phases[ph], T)
            if (EL, ph) in MAGNETIC:
                g += g_mag(T, *MAGNETIC[(EL, ph)])
            return g

        keep = {"LIQUID"}
        T = 298.15
        while T < tmax:
            cand = [ph for ph, pcs in phases.items() if pcs[0]["t_lo"] <= T < pcs[-1]["t_hi"]]
            keep.add(min(cand, key=lambda ph: gtot(ph, T)))
            T += 1.0
        for ph in sorted(keep):
            rec = {
                "species": el, "phase": ph, "state": "liquid" if ph == "LIQUID" else "solid",
                "source": "SGTE91",
                "table": f"SGTE unary {EL} {ph}",
                "version": "Dinsdale, CALPHAD 15 (1991) 317, doi:10.1016/0364-5916(91)90030-N; espei 0.9.1 refdata.SGTE91",
                "form": {"kind": "sgte", "pieces": phases[ph]},
            }
            if (EL, ph) in MAGNETIC:
                tc, beta, p = MAGNETIC[(EL, ph)]
                rec["form"]["magnetic"] = {"tc": tc, "beta": beta, "p": p}
                rec["note"] = "Inden-Hillert-Jarl magnetic term added (SGTE parameters; not in espei refdata)"
            out.append(rec)
        gfun[el] = lambda T, gtot=gtot, keep=sorted(keep): min(gtot(ph, T) for ph in keep)
    return out, gfun


# ----------------------------------------------------------------------------------------
# NIST WebBook Shomate pieces (via chemicals; thermo-data.md §4 for the Ca/Li/Mg salts)
CHEM_VER = "chemicals 1.5.2 webbook_shomate_coefficients.json"


def shomate_from_chemicals(cas):
    d = json.load(open(f"{SRC}/x_chemicals/chemicals/Heat Capacity/webbook_shomate_coefficients.json"))[cas]
    res = []
    for blk in d:
        if blk is None:
            res.append(None); continue
        # stored for T in K: A, B·1e-3, C·1e-6, D·1e-9, E·1e6 -> convert back to WebBook t = T/1000 form
        res.append([{"t_lo": p[0], "t_hi": p[1], "A": p[2], "B": p[3] * 1e3, "C": p[4] * 1e6, "D": p[5] * 1e9,
                     "E": p[6] * 1e-6} for p in blk])
    return res


def shomate_records(nasa_recs):
    out = []
    co = shomate_from_chemicals("7440-48-4")
    out.append({"species": "Co", "phase": "cr", "state": "solid", "source": "NIST-WebBook",
                "table": "NIST WebBook Co(cr) Shomate, 298-700 (hcp), 700-1394, 1394-1768 K",
                "version": CHEM_VER, "anchor": {"dfh298": 0.0, "s298": 30.04},
                "note": "hcp->fcc step (~0.45 kJ/mol at 695 K) is smoothed into the Shomate pieces; S298 30.04 (WebBook)",
                "form": {"kind": "shomate", "pieces": co[0]}})
    out.append({"species": "Co", "phase": "L", "state": "liquid", "source": "NIST-WebBook",
                "table": "NIST WebBook Co(l) Shomate", "version": CHEM_VER,
                "transition": {"from": "cr", "t": 1768.0, "dh": 16200.0},
                "note": "fusion enthalpy 16.2 kJ/mol (thermo-data.md §3)",
                "form": {"kind": "shomate", "pieces": co[1] + co[2]}})
    c2f6 = shomate_from_chemicals("76-16-4")
    out.append({"species": "C2F6", "phase": "g", "state": "gas", "source": "NIST-WebBook",
                "table": "NIST WebBook C2F6(g) Shomate; dfH298 -1344.2 kJ/mol and S298 332.3 from CRC",
                "version": CHEM_VER, "anchor": {"dfh298": -1344200.0, "s298": 332.3},
                "form": {"kind": "shomate", "pieces": c2f6[2]}})

    # thermo-data.md §4 table (WebBook convention). Transition enthalpies where the table gives none: NASA.
    def nasa_jump(sp, pa, pb, T):
        recs = {r["phase"]: r for r in nasa_recs if r["species"] == sp}
        return nasa_eval(recs[pb]["form"]["pieces"], T)[0] - nasa_eval(recs[pa]["form"]["pieces"], T)[0]

    def sh(A, B, C, D, Ee, lo, hi):
        return {"t_lo": lo, "t_hi": hi, "A": A, "B": B, "C": C, "D": D, "E": Ee}

    tab = "thermo-data.md §4 (NIST WebBook Shomate)"
    caf2_ab = nasa_jump("CaF2", "a", "b", 1424.0)
    caf2_bl = nasa_jump("CaF2", "b", "L", 1691.0)
    rows = [
        ("CaF2", [("a", "solid", [sh(89.884, -46.120, 65.278, -17.863, -1.13944, 298.15, 1424)], {"dfh298": -1228000.0, "s298": 68.5}, None),
                  ("b", "solid", [sh(108.056, 10.395, 0.023, -0.0029, -0.028, 1424, 1691)], None, {"from": "a", "t": 1424.0, "dh": caf2_ab}),
                  ("L", "liquid", [sh(99.914, 0, 0, 0, 0, 1691, 4000)], None, {"from": "b", "t": 1691.0, "dh": caf2_bl})]),
        ("CaO", [("s", "solid", [sh(49.954, 4.888, -0.352, 0.0462, -0.825, 298.15, 3200)], {"dfh298": -635100.0, "s298": 38.1}, None)]),
        ("CaCl2", [("s", "solid", [sh(87.296, -35.076, 44.128, -9.848, -0.674, 298.15, 1045)], {"dfh298": -795800.0, "s298": 108.4}, None),
                   ("L", "liquid", [sh(102.533, 0, 0, 0, 0, 1045, 2000)], None, {"from": "s", "t": 1045.0, "dh": 28540.0})]),
        ("CaI2", [("s", "solid", [sh(71.469, 19.248, 0.448, -0.138, -0.0079, 298.15, 1052)], {"dfh298": -533600.0, "s298": 145.3}, None),
                  ("L", "liquid", [sh(103.345, 0, 0, 0, 0, 1052, 2000)], None, {"from": "s", "t": 1052.0, "dh": 41800.0})]),
        ("LiF", [("s", "solid", [sh(41.758, 18.711, 0.694, -0.993, -0.487, 298.15, 1121.3)], {"dfh298": -616900.0, "s298": 35.66}, None),
                 ("L", "liquid", [sh(64.183, 0, 0, 0, 0, 1121.3, 2000)], None, {"from": "s", "t": 1121.3, "dh": 27090.0})]),
        ("MgF2", [("s", "solid", [sh(68.552, 22.726, -12.162, 2.574, -1.141, 298.15, 1536)], {"dfh298": -1124200.0, "s298": 57.2}, None),
                  ("L", "liquid", [sh(94.922, 0, 0, 0, 0, 1536, 2500)], None, {"from": "s", "t": 1536.0, "dh": 58700.0})]),
    ]
    for sp, phs in rows:
        for ph, state, pcs, anchor, trans in phs:
            r = {"species": sp, "phase": ph, "state": state, "source": "NIST-WebBook", "table": tab,
                 "version": "NIST Chemistry WebBook (SRD 69) Shomate coefficients as listed in thermo-data.md §4",
                 "form": {"kind": "shomate", "pieces": pcs}}
            if anchor:
                r["anchor"] = anchor
            if trans:
                r["transition"] = trans
            if sp == "CaF2" and ph != "a":
                r["note"] = "transition enthalpy taken from the NASA Glenn CaF2 pieces (JANAF J12/68)"
            if sp == "CaI2" and ph == "L":
                r["note"] = "fusion enthalpy 41.8 kJ/mol (est., JANAF-style value; thermo-data.md gives only the temperature)"
            out.append(r)
    return out


def shomate_eval_cp(pcs, T):
    p = pcs[0]
    for q in pcs:
        if T >= q["t_lo"]:
            p = q
    t = T / 1000
    return p["A"] + p["B"] * t + p["C"] * t**2 + p["D"] * t**3 + p["E"] / t**2


# ----------------------------------------------------------------------------------------
# FREED ΔfG(T) -> compound G(T) = ΔfG + Σν G_element -> Maier–Kelley fit of H, S, Cp
def freed_records(gfun, nasa_recs):
    d = json.load(gzip.open(f"{SRC}/x_reaction_network/rxn_network/data/freed/compounds.json.gz"))
    nasa = {}
    for r in nasa_recs:
        nasa.setdefault(r["species"], []).append(r)

    def nasa_g(sp):
        def g(T):
            best = None
            for r in nasa[sp]:
                pcs = r["form"]["pieces"]
                if pcs[0]["t_lo"] - 1e-9 <= T <= pcs[-1]["t_hi"] + 1e-9:
                    h, s, _ = nasa_eval(pcs, T)
                    best = h - T * s if best is None else min(best, h - T * s)
            return best
        return g

    def el_with_gas(el):
        gc, gg = gfun[el], nasa_g(el + "(g)")
        return lambda T: min(gc(T), gg(T))

    ref = {"F": lambda T: 0.5 * nasa_g("F2")(T), "O": lambda T: 0.5 * nasa_g("O2")(T),
           "Cl": lambda T: 0.5 * nasa_g("Cl2")(T),
           "I": lambda T: 0.5 * min(x for x in (nasa_g("I2")(T), nasa_g("I2(g)")(T)) if x is not None)}
    for el in ["Nd", "Pr", "Dy", "Tb", "Sm", "La", "Ce"]:
        ref[el] = gfun[el]
    for el in ["Ca", "Mg", "Li"]:
        ref[el] = el_with_gas(el)

    # species, FREED key, composition, scale (formula units of the key per repm formula), window, melting
    # melting: (Tm, dH_fus [J/mol], source note) or None
    crc_fus = "Tm and fusion enthalpy: CRC via thermo-data.md §5"
    est_fus = "Tm: CRC; fusion enthalpy estimated as 36 J/(mol K) x Tm (mean entropy of fusion of NdF3, PrF3, DyF3) (est.)"
    table = [
        ("NdF3", "NdF3", {"Nd": 1, "F": 3}, 1, (300, 1100), (1650, 54800, crc_fus), None),
        ("PrF3", "PrF3", {"Pr": 1, "F": 3}, 1, (300, 1000), (1672, 57300, crc_fus), None),
        ("DyF3", "DyF3", {"Dy": 1, "F": 3}, 1, (300, 1300), (1430, 58600, crc_fus), None),
        ("TbF3", "TbF3", {"Tb": 1, "F": 3}, 1, (300, 1200), (1448, 36 * 1448, est_fus), None),
        ("LaF3", "LaF3", {"La": 1, "F": 3}, 1, (300, 1100), (1766, 50200, "Tm 1766 K (CRC); fusion enthalpy 50.2 kJ/mol (thermo-data.md §5)"), None),
        ("SmF3", "SmF3", {"Sm": 1, "F": 3}, 1, (300, 1100), (1579, 36 * 1579, est_fus), "fit window crosses Sm transitions in FREED's element data: curvature ill-conditioned (thermo-data.md §5)"),
        ("CeF3", "CeF3", {"Ce": 1, "F": 3}, 1, (300, 1000), (1703, 36 * 1703, "Tm 1703 K (CRC); fusion enthalpy estimated as 36 J/(mol K) x Tm (est.)"), None),
        ("Nd2O3", "Nd2O3", {"Nd": 2, "O": 3}, 1, (300, 1100), None, None),
        ("Pr2O3", "Pr2O3", {"Pr": 2, "O": 3}, 1, (300, 1000), None, None),
        ("Dy2O3", "Dy2O3", {"Dy": 2, "O": 3}, 1, (300, 1400), None, None),
        ("Tb2O3", "Tb2O3", {"Tb": 2, "O": 3}, 1, (300, 1400), None, None),
        ("Sm2O3", "Sm2O3", {"Sm": 2, "O": 3}, 1, (300, 1100), None, "FREED polymorph (cubic vs monoclinic) unclear; window crosses Sm transitions: curvature ill-conditioned (thermo-data.md §5, §6.4)"),
        ("La2O3", "La2O3", {"La": 2, "O": 3}, 1, (300, 1100), None, None),
        ("CeO2", "CeO2", {"Ce": 1, "O": 2}, 1, (300, 1000), None, None),
        ("PrO1.833", "Pr1000O1833", {"Pr": 1, "O": 1.833}, 1000, (300, 1000), None, "FREED key Pr1000O1833 divided by 1000; loses oxygen on heating in air (not modelled)"),
        ("CaF2", "CaF2", {"Ca": 1, "F": 2}, 1, (300, 1100), "nasa", "fit window ends below Ca melting (1115 K): the pre-transition Cp rise of CaF2 towards alpha->beta (1424 K) is not in the fit"),
        ("CaO", "CaO", {"Ca": 1, "O": 1}, 1, (300, 1100), None, None),
        ("CaCl2", "CaCl2", {"Ca": 1, "Cl": 2}, 1, (300, 1000), "nasa", None),
        ("CaI2", "CaI2", {"Ca": 1, "I": 2}, 1, (300, 1000), (1052, 41800, "Tm 1052 K (thermo-data.md §4); fusion enthalpy 41.8 kJ/mol (est.)"), "iodine changes reference state at 387 K and 457 K inside the window: 5-parameter fit ill-conditioned"),
        ("LiF", "LiF", {"Li": 1, "F": 1}, 1, (300, 1100), "nasa", "FREED departs from JANAF by ~29 kJ/mol above ~1200 K (thermo-data.md §6.3): prefer NASA/JANAF for LiF at high T"),
        ("MgF2", "MgF2", {"Mg": 1, "F": 2}, 1, (300, 1500), "nasa", None),
        ("MgO", "MgO", {"Mg": 1, "O": 1}, 1, (300, 1300), None, None),
    ]
    # Sm compounds: the 5-parameter fit is ill-conditioned (unphysical Cp); take the Cp shape of the
    # Nd analogue and fit only h0 and s0.
    CP_ANALOGUE = {"SmF3": "NdF3", "Sm2O3": "Nd2O3", "CaI2": "CaI2-WebBook"}
    # CaI2: Maier-Kelley fit of the WebBook Shomate Cp (thermo-data.md §4) over 298-1000 K
    Ts = np.arange(300.0, 1001.0, 20.0)
    ci = [{"t_lo": 298.15, "t_hi": 1052, "A": 71.469, "B": 19.248, "C": 0.448, "D": -0.138, "E": -0.0079}]
    cc, *_ = np.linalg.lstsq(np.array([[1.0, T, 1 / T**2] for T in Ts]), np.array([shomate_eval_cp(ci, T) for T in Ts]), rcond=None)
    cp_done = {"CaI2-WebBook": tuple(cc)}
    out, report = [], []
    for sp, key, comp, scale, (w0, w1), melt, flag in table:
        raw = d[key]
        pts = []
        for ts, ev in sorted(raw.items(), key=lambda kv: float(kv[0])):
            T = float(ts)
            if ev is None:
                continue
            gel = sum(n * ref[e](T) for e, n in comp.items())
            pts.append((T, ev * EV / scale, ev * EV / scale + gel))
        win = [(T, G) for T, _, G in pts if w0 <= T <= w1]
        # G = h0 - s0 T + a(T - T ln T) - b T^2/2 - c/(2T)
        A = np.array([[1.0, -T, T - T * math.log(T), -T * T / 2, -1 / (2 * T)] for T, _ in win])
        y = np.array([G for _, G in win])
        if sp in CP_ANALOGUE:
            a, b, c = cp_done[CP_ANALOGUE[sp]]
            y2 = y - (A[:, 2] * a + A[:, 3] * b + A[:, 4] * c)
            c2, *_ = np.linalg.lstsq(A[:, :2], y2, rcond=None)
            coef = np.array([c2[0], c2[1], a, b, c])
            flag = flag + f"; Cp shape taken from the {CP_ANALOGUE[sp]} Maier-Kelley fit, only dfH298 and S298 fitted"
        else:
            coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        h0, s0, a, b, c = coef
        cp_done[sp] = (a, b, c)
        res = y - A @ coef
        H = lambda T: h0 + a * T + b * T * T / 2 - c / T
        S = lambda T: s0 + a * math.log(T) + b * T - c / (2 * T * T)
        Cp = lambda T: a + b * T + c / (T * T)
        T0 = 298.15
        dfh = H(T0) - sum(n * 0.0 for n in comp.values())  # elements are 0 at 298.15 K on the SER scale
        s298 = S(T0)
        # deviation of the derived ΔfG from FREED at every tabulated T (solid only, up to Tm)
        if melt == "nasa":
            tm = [r for r in nasa_recs if r["species"] == sp and r["state"] == "liquid"][0]["form"]["pieces"][0]["t_lo"]
        else:
            tm = None if melt is None else melt[0]
        devs = [(T, (H(T) - T * S(T)) - Gc) for T, _, Gc in pts if tm is None or T < tm]
        fit = {"freed_key": key, "per_formula_divisor": scale, "window_k": [w0, w1], "n_points": len(win),
               "model": "G = h0 - s0 T + a (T - T ln T) - b T^2/2 - c/(2T) fitted to dfG_FREED(T) + sum nu G_element(T)",
               "element_reference": "metals SGTE91 (Ca, Mg, Li: min with NASA gas), F2/O2/Cl2/I2 NASA Glenn",
               "rms_residual_j_per_mol": float(np.sqrt(np.mean(res**2))),
               "max_abs_residual_j_per_mol": float(np.max(np.abs(res))),
               "max_abs_dev_outside_window_j_per_mol": float(max([abs(v) for T, v in devs if not (w0 <= T <= w1)] or [0.0]))}
        solid = {"species": sp, "phase": "s", "state": "solid", "source": "FREED-derived",
                 "table": f"FREED 11 dfG(T) key {key}, refit by repm",
                 "version": "FREED 11 (Thermart) via reaction-network 8.3.0 rxn_network/data/freed/compounds.json.gz",
                 "anchor": {"dfh298": float(dfh), "s298": float(s298)},
                 "fit": fit,
                 "form": {"kind": "kelley", "pieces": [{"t_lo": 298.15, "t_hi": float(tm if tm else max(pts[-1][0], 2000.0)), "cp": [[0, float(a)], [1, float(b)], [-2, float(c)]]}]}}
        if flag:
            solid["flag"] = flag
        out.append(solid)
        if melt == "nasa":
            # liquid: NASA liquid Cp and transition as JANAF gives them (documented fallback)
            recs = [r for r in nasa_recs if r["species"] == sp]
            liq = [r for r in recs if r["state"] == "liquid"][0]
            tm = liq["form"]["pieces"][0]["t_lo"]
            sol = [r for r in recs if r["state"] == "solid"]
            top = max(sol, key=lambda r: r["form"]["pieces"][-1]["t_hi"])
            dh = nasa_eval(liq["form"]["pieces"], tm)[0] - nasa_eval(top["form"]["pieces"], tm)[0]
            if sp == "CaF2":  # alpha->beta of CaF2 is folded into the fit window's extrapolation; add its enthalpy to fusion
                mid = [r for r in sol if r["phase"] == "b"][0]
                dh = nasa_eval(liq["form"]["pieces"], tm)[0] - nasa_eval(mid["form"]["pieces"], tm)[0] + (
                    nasa_eval(mid["form"]["pieces"], 1424.0)[0] - nasa_eval([p for p in sol if p["phase"] == "a"][0]["form"]["pieces"], 1424.0)[0])
            cpl = nasa_eval(liq["form"]["pieces"], tm)[2]
            solid["form"]["pieces"][0]["t_hi"] = tm
            note = f"liquid Cp and Tm from NASA Glenn {liq['table']}; transition enthalpy = NASA solid->liquid jump" + (
                " plus the alpha->beta step (the FREED solid fit covers alpha and beta)" if sp == "CaF2" else "")
            out.append({"species": sp, "phase": "L", "state": "liquid", "source": "FREED-derived",
                        "table": f"FREED-derived {sp} liquid", "version": solid["version"],
                        "transition": {"from": "s", "t": tm, "dh": dh}, "note": note,
                        "form": {"kind": "kelley", "pieces": [{"t_lo": tm, "t_hi": 4000.0, "cp": [[0, cpl]]}]}})
        elif melt:
            tm, dh, note = melt
            cpl = 1.075 * Cp(tm)
            out.append({"species": sp, "phase": "L", "state": "liquid", "source": "FREED-derived",
                        "table": f"FREED-derived {sp} liquid", "version": solid["version"],
                        "transition": {"from": "s", "t": float(tm), "dh": float(dh)},
                        "note": note + "; liquid Cp = 1.075 x Cp(solid, Tm) (est., thermo-data.md §5)",
                        "flag": "liquid Cp estimated",
                        "form": {"kind": "kelley", "pieces": [{"t_lo": float(tm), "t_hi": 3000.0, "cp": [[0, float(cpl)]]}]}})
        report.append((sp, dfh / 1000, s298, a, b * 1e3, c * 1e-5, fit["rms_residual_j_per_mol"], fit["max_abs_dev_outside_window_j_per_mol"]))
    return out, report


# ----------------------------------------------------------------------------------------
CRC_VER = "CRC Handbook of Chemistry and Physics, standard thermodynamic properties table, via chemicals 1.5.2 'CRC Standard Thermodynamic Properties of Chemical Substances.tsv'"


def crc_records():
    f = f"{SRC}/x_chemicals/chemicals/Heat Capacity/CRC Standard Thermodynamic Properties of Chemical Substances.tsv"
    rows = {}
    for line in open(f):
        p = line.rstrip("\n").split("\t")
        rows[p[1]] = p
    want = [  # repm species, CRC name, Cp-shape source
        ("Nd", "Neodymium", "SGTE91"), ("Pr", "Praseodymium", "SGTE91"), ("Dy", "Dysprosium", "SGTE91"),
        ("Tb", "Terbium", "SGTE91"), ("Sm", "Samarium", "SGTE91"), ("La", "Lanthanum", "SGTE91"),
        ("Ce", "Cerium", "SGTE91"), ("Ca", "Calcium", "SGTE91"), ("Li", "Lithium", "SGTE91"),
        ("Mg", "Magnesium", "SGTE91"), ("Fe", "Iron", "SGTE91"), ("Co", "Cobalt", "SGTE91"),
        ("B", "Boron", "SGTE91"), ("C", "Carbon (graphite)", "SGTE91"), ("Ta", "Tantalum", "SGTE91"),
        ("Al", "Aluminum", "SGTE91"), ("Cu", "Copper", "SGTE91"), ("Ga", "Gallium", "SGTE91"),
        ("CaF2", "Calcium fluoride", "NIST-WebBook"), ("CaO", "Calcium oxide", "NIST-WebBook"),
        ("CaCl2", "Calcium chloride", "NIST-WebBook"), ("CaI2", "Calcium iodide", "NIST-WebBook"),
        ("LiF", "Lithium fluoride", "NIST-WebBook"), ("MgF2", "Magnesium fluoride", "NIST-WebBook"),
        ("MgO", "Magnesium oxide", "NASA-Glenn"),
        ("NdF3", "Neodymium(III) fluoride", "FREED-derived"), ("SmF3", "Samarium(III) fluoride", "FREED-derived"),
        ("Nd2O3", "Neodymium(III) oxide", "FREED-derived"), ("Pr2O3", "Praseodymium(III) oxide", "FREED-derived"),
        ("Dy2O3", "Dysprosium(III) oxide", "FREED-derived"), ("Tb2O3", "Terbium(III) oxide", "FREED-derived"),
        ("Sm2O3", "Samarium(III) oxide", "FREED-derived"), ("La2O3", "Lanthanum oxide", "FREED-derived"),
        ("CeO2", "Cerium(IV) oxide", "FREED-derived"),
        ("CF4", "Tetrafluoromethane", "NASA-Glenn"), ("C2F6", "Hexafluoroethane", "NIST-WebBook"),
    ]
    out = []
    for sp, name, shape in want:
        p = rows[name]
        gas = sp in ("CF4", "C2F6")
        hf, s0, cp = (p[10], p[12], p[13]) if gas else (p[2], p[4], p[5])
        r = {"species": sp, "source": "CRC-298", "table": f"CRC '{name}' ({'gas' if gas else 'crystal'}, 298.15 K)",
             "version": CRC_VER, "dfh298": float(hf) if hf else 0.0, "shape_from": shape}
        if s0:
            r["s298"] = float(s0)
        if cp:
            r["cp298"] = float(cp)
        if sp == "SmF3":
            r["flag"] = "out of line with the LnF3 series (thermo-data.md §5, §6.4): not used by the CRC-298 set unless selected explicitly"
            r["use_in_set"] = False
        if sp == "NdF3":
            r["flag"] = "old NBS value, 22 kJ/mol less negative than FREED (thermo-data.md §6.1); S298 and Cp from FREED-derived"
        out.append(r)
    return out


def estimates(gfun):
    out = []
    # Sm(g): CRC gas values at 298 K with a constant Cp (est.)
    out.append({"species": "Sm(g)", "phase": "g", "state": "gas", "source": "repm-estimate",
                "table": "CRC 'Samarium' gas 298.15 K: dfH 206.7 kJ/mol, S 183.0 J/(mol K), Cp 30.4 J/(mol K) held constant (est.)",
                "version": CRC_VER, "anchor": {"dfh298": 206700.0, "s298": 183.0}, "flag": "constant Cp above 298 K (est.)",
                "form": {"kind": "kelley", "pieces": [{"t_lo": 298.15, "t_hi": 3000.0, "cp": [[0, 30.4]]}]}})
    # SmCo5: Neumann-Kopp Cp from Sm (SGTE91) + 5 Co (WebBook Shomate), fitted a + bT + c/T^2 over 298-1300 K
    co = shomate_from_chemicals("7440-48-4")[0]

    def cp_sm(T, h=0.5):
        g = gfun["Sm"]
        return -T * (g(T + h) - 2 * g(T) + g(T - h)) / (h * h)

    Ts = np.arange(300.0, 1301.0, 20.0)
    ys = np.array([cp_sm(T) + 5 * shomate_eval_cp(co, T) for T in Ts])
    A = np.array([[1.0, T, 1 / T**2] for T in Ts])
    c, *_ = np.linalg.lstsq(A, ys, rcond=None)
    out.append({"species": "SmCo5", "phase": "s", "state": "solid", "source": "repm-estimate",
                "table": "estimate: dfH298 -90 kJ/mol (range -70 to -110, i.e. -12 to -18 kJ per mol of atoms); S298 = S(Sm) + 5 S(Co) (CRC: 69.6 + 5 x 30.0); Cp Neumann-Kopp (Sm SGTE91 + 5 Co WebBook) fitted over 300-1300 K",
                "version": "thermo-data.md §5 (est.); neighbours SmNi5 -27.4 kJ/mol-atom (Guo & Kleppa), Tb2Co17 -6.3 kJ/mol-atom",
                "anchor": {"dfh298": -90000.0, "s298": 69.6 + 5 * 30.0},
                "flag": "estimate: dfH298 uncertain by +-20 kJ/mol; forms peritectically at ~1593 K (upper limit of the record)",
                "form": {"kind": "kelley", "pieces": [{"t_lo": 298.15, "t_hi": 1593.0, "cp": [[0, float(c[0])], [1, float(c[1])], [-2, float(c[2])]]}]}})
    return out


def dump(name, title, recs):
    with open(os.path.join(OUT, name), "w") as f:
        f.write('{\n  "title": ' + json.dumps(title) + ',\n  "generated_by": "crates/material/data/thermo/tools/extract.py",\n  "records": [\n')
        f.write(",\n".join("    " + json.dumps(r, sort_keys=False) for r in recs))
        f.write("\n  ]\n}\n")


if __name__ == "__main__":
    nasa = nasa_records()
    sgte, gfun = sgte_records()
    sho = shomate_records(nasa)
    freed, rep = freed_records(gfun, nasa)
    crc = crc_records()
    est = estimates(gfun)
    dump("nasa_glenn.json", "NASA Glenn 7-coefficient polynomials (McBride, Gordon & Reno 1993), J/mol, K", nasa)
    dump("sgte91.json", "SGTE unary data for pure elements (Dinsdale 1991): G - H_SER polynomials, J/mol, K", sgte)
    dump("nist_webbook.json", "NIST Chemistry WebBook Shomate pieces (t = T/1000, Cp in J/(mol K))", sho)
    dump("freed_derived.json", "Maier-Kelley fits derived by repm from FREED 11 dfG(T) tables", freed)
    dump("crc298.json", "CRC Handbook single values at 298.15 K (J/mol, J/(mol K)), with the named source of the Cp(T) shape", crc)
    dump("estimates.json", "repm estimates (flagged): species without an open measured data set", est)
    print("species dfH298[kJ] S298 a b*1e3 c*1e-5 rms[J] max_dev_outside[J]")
    for r in rep:
        print("%-9s %9.1f %7.1f %8.2f %8.3f %8.3f %7.0f %7.0f" % r)
