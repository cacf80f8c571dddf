//! SI unit newtypes for API and configuration boundaries.
//!
//! Science reference: `docs/science/material.md`, §7 (definitions, exactness).
//!
//! Each quantity is a newtype over an `f64` holding the value in its SI unit (mol, not kmol):
//!
//! | type | SI unit (canonical) | accepted units |
//! |---|---|---|
//! | [`Temperature`] | K | K, degC, °C, degF, °F |
//! | [`Pressure`] | Pa | Pa, kPa, MPa, GPa, bar, mbar, atm, Torr, mmHg |
//! | [`Mass`] | kg | kg, g, mg, ug, µg, t |
//! | [`Amount`] | mol | mol, kmol, mmol |
//! | [`MassFlow`] | kg/s | kg/s, kg/min, kg/h, kg/d, g/s, g/min, g/h, t/h, t/d, t/y, t/a |
//! | [`MolarFlow`] | mol/s | mol/s, mol/min, mol/h, kmol/s, kmol/h, mmol/s |
//! | [`Volume`] | m3 | m3, m³, dm3, L, l, mL, ml, cm3 |
//! | [`VolumeFlow`] | m3/s | m3/s, m3/min, m3/h, m3/d, L/s, L/min, L/h, mL/min |
//! | [`Concentration`] | mol/m3 | mol/m3, kmol/m3, mol/L, M, mmol/L, mM (mass units with a molar mass, see below) |
//! | [`Energy`] | J | J, kJ, MJ, GJ, Wh, kWh, MWh |
//! | [`Power`] | W | W, kW, MW |
//! | [`Length`] | m | m, cm, mm, um, µm, μm, nm |
//! | [`Area`] | m2 | m2, m², cm2, mm2, um2 |
//! | [`Density`] | kg/m3 | kg/m3, g/cm3, g/mL, g/L, kg/L |
//! | [`TimeSpan`] | s | s, ms, min, h, d |
//!
//! # Text form
//!
//! `"<number> <unit>"`, the space optional (`"850 degC"`, `"0.3mm"`, `"1.5e-3 kg"`). The number
//! is a decimal with optional sign and exponent. An unknown unit, a unit of another dimension
//! (`"12 K"` for a mass flow), a missing unit, a non-finite number or trailing text is a
//! [`MaterialError::Unit`] naming the input and the expected dimension. Quantities that cannot
//! be negative (all but [`Energy`] and [`Power`]; temperature is absolute) reject negative values.
//!
//! Mass concentrations (`"100 mg/L"`, `"2 g/L"`, `"5 g/m3"`) are not molar concentrations:
//! `"100 mg/L".parse::<Concentration>()` is an error that says so; use
//! [`Concentration::from_mass_concentration`] with the solute's molar mass.
//!
//! Years: `t/y` and `t/a` use the Julian year, 1 a = 365.25 d = 31 557 600 s.
//!
//! # Display and serde
//!
//! `Display` writes the SI value in Rust's shortest round-trip form followed by the canonical
//! SI symbol (`"1123.15 K"`, `"0.0033333333333333335 kg/s"`); values below 1e-5 or from 1e16
//! up use exponent form (`"3e-7 m"`). Parsing the display gives the bit-identical value.
//! Serde serialises this canonical string and deserialises either a string with a unit or a
//! plain number in the SI unit.
//!
//! # Exactness
//!
//! Conversion is done in **decimal** arithmetic on the digits as written, then rounded once to
//! the nearest `f64` (Rust's correctly rounded float parser). So `"850 degC"` gives exactly the
//! same `f64` as `"1123.15 K"`, and `"2 h"` exactly 7200 s; °C ↔ K adds exactly 273.15 and
//! multiplicative factors such as 3600 s/h, 1e5 Pa/bar, 3.6e6 J/kWh are applied without
//! intermediate rounding. Conversions that divide (per-minute/hour/day/year flows, Torr =
//! 101325/760 Pa, °F: K = (°F + 459.67)·5/9) carry the decimal quotient to at least 28
//! significant digits before the single final rounding, so they too are correctly rounded
//! (barring a pathological tie): `"12 kg/h"` is exactly `12.0 / 3600.0`, `"-40 degF"` exactly
//! the `f64` nearest 233.15. Numbers with more than 38 significant digits are rejected.
//! Converting back with [`Temperature::in_unit`] etc. is ordinary `f64`
//! arithmetic (e.g. `1123.15 K − 273.15` in binary is 850.0000000000001 or 850 depending on the
//! value): it is for reports, not for round trips; round-trip through the canonical SI form.

use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::MaterialError;

// ------------------------------------------------------------------------------------------
// exact decimal helper

/// m·10^e
#[derive(Debug, Clone, Copy)]
struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    const fn new(m: i128, e: i32) -> Dec {
        Dec { m, e }
    }

    fn parse(s: &str) -> Option<Dec> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut m: i128 = 0;
        let mut e: i32 = 0;
        let mut digits = 0;
        let mut overflow = false;
        while i < b.len() && b[i].is_ascii_digit() {
            match m
                .checked_mul(10)
                .and_then(|x| x.checked_add(i128::from(b[i] - b'0')))
            {
                Some(x) => m = x,
                None => {
                    overflow = true;
                    e += 1;
                }
            }
            digits += 1;
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                if let Some(x) = m
                    .checked_mul(10)
                    .and_then(|x| x.checked_add(i128::from(b[i] - b'0')))
                {
                    m = x;
                    e -= 1;
                } else {
                    overflow = true;
                }
                digits += 1;
                i += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let exp: i32 = std::str::from_utf8(&b[i..]).ok()?.parse().ok()?;
            if !(-400..=400).contains(&exp) {
                return None;
            }
            e += exp;
            i = b.len();
        }
        if i != b.len() || overflow {
            // Too many digits for exact arithmetic: not supported (more than 38 significant).
            return None;
        }
        Some(Dec {
            m: if neg { -m } else { m },
            e,
        })
    }

    fn mul(self, o: Dec) -> Option<Dec> {
        Some(Dec {
            m: self.m.checked_mul(o.m)?,
            e: self.e + o.e,
        })
    }

    fn add(self, o: Dec) -> Option<Dec> {
        if o.m == 0 {
            return Some(self);
        }
        if self.m == 0 {
            return Some(o);
        }
        let (mut a, mut b) = (self, o);
        if a.e < b.e {
            std::mem::swap(&mut a, &mut b);
        }
        // a has the larger exponent: scale a down to b's exponent
        let shift = u32::try_from(a.e - b.e).ok()?;
        let am = a.m.checked_mul(10i128.checked_pow(shift)?)?;
        Some(Dec {
            m: am.checked_add(b.m)?,
            e: b.e,
        })
    }

    /// self / d, carried to at least 28 significant digits (truncated) before the final
    /// rounding to f64.
    fn div_int(self, d: i128) -> Option<Dec> {
        if self.m == 0 {
            return Some(self);
        }
        let (mut m, mut e) = (self.m, self.e);
        while m.abs() < 10i128.pow(36) {
            m *= 10;
            e -= 1;
        }
        Some(Dec { m: m / d, e })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }
}

/// How a unit converts to SI: si = (value + pre_offset)·scale / divisor + offset.
#[derive(Debug, Clone, Copy)]
struct Conv {
    pre_offset: Dec,
    scale: Dec,
    divisor: i128,
    offset: Dec,
}

const ZERO: Dec = Dec::new(0, 0);

const fn scale(m: i128, e: i32) -> Conv {
    Conv {
        pre_offset: ZERO,
        scale: Dec::new(m, e),
        divisor: 1,
        offset: ZERO,
    }
}

impl Conv {
    fn parse_to_si(&self, text: &str) -> Option<f64> {
        let v = Dec::parse(text)?;
        let mut x = v.add(self.pre_offset)?.mul(self.scale)?;
        if self.divisor != 1 {
            x = x.div_int(self.divisor)?;
        }
        let si = match x.add(self.offset) {
            Some(y) => y.to_f64(),
            None => x.to_f64() + self.offset.to_f64(),
        };
        // keep the sign of a negative zero ("-0 J" round-trips)
        let si = if si == 0.0 && text.starts_with('-') {
            -0.0
        } else {
            si
        };
        si.is_finite().then_some(si)
    }

    fn si_to_unit(&self, si: f64) -> f64 {
        (si - self.offset.to_f64()) * self.divisor as f64 / self.scale.to_f64()
            - self.pre_offset.to_f64()
    }
}

type Table = &'static [(&'static [&'static str], Conv)];

const SECONDS_PER_MIN: i128 = 60;
const SECONDS_PER_H: i128 = 3600;
const SECONDS_PER_D: i128 = 86_400;
/// Julian year, 365.25 d.
const SECONDS_PER_Y: i128 = 31_557_600;

const TEMPERATURE: Table = &[
    (&["K"], scale(1, 0)),
    (
        &["degC", "°C", "℃"],
        Conv {
            pre_offset: ZERO,
            scale: Dec::new(1, 0),
            divisor: 1,
            offset: Dec::new(27315, -2),
        },
    ),
    (
        &["degF", "°F", "℉"],
        Conv {
            pre_offset: Dec::new(45967, -2),
            scale: Dec::new(5, 0),
            divisor: 9,
            offset: ZERO,
        },
    ),
];
const PRESSURE: Table = &[
    (&["Pa"], scale(1, 0)),
    (&["kPa"], scale(1, 3)),
    (&["MPa"], scale(1, 6)),
    (&["GPa"], scale(1, 9)),
    (&["bar"], scale(1, 5)),
    (&["mbar"], scale(1, 2)),
    (&["atm"], scale(101_325, 0)),
    (
        &["Torr", "torr"],
        Conv {
            pre_offset: ZERO,
            scale: Dec::new(101_325, 0),
            divisor: 760,
            offset: ZERO,
        },
    ),
    // conventional millimetre of mercury: 13.5951 g/cm3 × 9.80665 m/s2 × 1 mm (exact by definition)
    (&["mmHg"], scale(133_322_387_415, -9)),
];
const MASS: Table = &[
    (&["kg"], scale(1, 0)),
    (&["g"], scale(1, -3)),
    (&["mg"], scale(1, -6)),
    (&["ug", "µg", "μg"], scale(1, -9)),
    (&["t"], scale(1, 3)),
];
const AMOUNT: Table = &[
    (&["mol"], scale(1, 0)),
    (&["kmol"], scale(1, 3)),
    (&["mmol"], scale(1, -3)),
];

// flows: value × scale(mass) / seconds, expressed as one decimal scale where exact
const fn per(m: i128, e: i32, seconds: i128) -> Conv {
    // m·10^e per `seconds`: exact decimal only if seconds divides; use the divisor otherwise
    Conv {
        pre_offset: ZERO,
        scale: Dec::new(m, e),
        divisor: seconds,
        offset: ZERO,
    }
}

const MASS_FLOW: Table = &[
    (&["kg/s"], scale(1, 0)),
    (&["kg/min"], per(1, 0, SECONDS_PER_MIN)),
    (&["kg/h"], per(1, 0, SECONDS_PER_H)),
    (&["kg/d"], per(1, 0, SECONDS_PER_D)),
    (&["g/s"], scale(1, -3)),
    (&["g/min"], per(1, -3, SECONDS_PER_MIN)),
    (&["g/h"], per(1, -3, SECONDS_PER_H)),
    (&["t/h"], per(1, 3, SECONDS_PER_H)),
    (&["t/d"], per(1, 3, SECONDS_PER_D)),
    (&["t/y", "t/a"], per(1, 3, SECONDS_PER_Y)),
];
const MOLAR_FLOW: Table = &[
    (&["mol/s"], scale(1, 0)),
    (&["mol/min"], per(1, 0, SECONDS_PER_MIN)),
    (&["mol/h"], per(1, 0, SECONDS_PER_H)),
    (&["kmol/s"], scale(1, 3)),
    (&["kmol/h"], per(1, 3, SECONDS_PER_H)),
    (&["mmol/s"], scale(1, -3)),
];
const VOLUME: Table = &[
    (&["m3", "m³", "m^3"], scale(1, 0)),
    (&["dm3", "L", "l"], scale(1, -3)),
    (&["mL", "ml", "cm3", "cm³"], scale(1, -6)),
];
const VOLUME_FLOW: Table = &[
    (&["m3/s", "m³/s"], scale(1, 0)),
    (&["m3/min", "m³/min"], per(1, 0, SECONDS_PER_MIN)),
    (&["m3/h", "m³/h"], per(1, 0, SECONDS_PER_H)),
    (&["m3/d", "m³/d"], per(1, 0, SECONDS_PER_D)),
    (&["L/s", "l/s"], scale(1, -3)),
    (&["L/min", "l/min"], per(1, -3, SECONDS_PER_MIN)),
    (&["L/h", "l/h"], per(1, -3, SECONDS_PER_H)),
    (&["mL/min", "ml/min"], per(1, -6, SECONDS_PER_MIN)),
];
const CONCENTRATION: Table = &[
    (&["mol/m3", "mol/m³", "mmol/L", "mmol/l", "mM"], scale(1, 0)),
    (&["kmol/m3", "kmol/m³", "mol/L", "mol/l", "M"], scale(1, 3)),
];
/// Mass concentrations \[kg·m⁻³\], accepted only by [`Concentration::from_mass_concentration`].
const MASS_CONCENTRATION: Table = &[
    (&["kg/m3", "kg/m³", "g/L", "g/l"], scale(1, 0)),
    (&["g/m3", "g/m³", "mg/L", "mg/l"], scale(1, -3)),
    (&["ug/L", "µg/L", "μg/L"], scale(1, -6)),
];
const ENERGY: Table = &[
    (&["J"], scale(1, 0)),
    (&["kJ"], scale(1, 3)),
    (&["MJ"], scale(1, 6)),
    (&["GJ"], scale(1, 9)),
    (&["Wh"], scale(3600, 0)),
    (&["kWh"], scale(3600, 3)),
    (&["MWh"], scale(3600, 6)),
];
const POWER: Table = &[
    (&["W"], scale(1, 0)),
    (&["kW"], scale(1, 3)),
    (&["MW"], scale(1, 6)),
];
const LENGTH: Table = &[
    (&["m"], scale(1, 0)),
    (&["cm"], scale(1, -2)),
    (&["mm"], scale(1, -3)),
    (&["um", "µm", "μm"], scale(1, -6)),
    (&["nm"], scale(1, -9)),
];
const AREA: Table = &[
    (&["m2", "m²", "m^2"], scale(1, 0)),
    (&["cm2", "cm²"], scale(1, -4)),
    (&["mm2", "mm²"], scale(1, -6)),
    (&["um2", "µm2", "μm2"], scale(1, -12)),
];
const DENSITY: Table = &[
    (&["kg/m3", "kg/m³"], scale(1, 0)),
    (
        &["g/cm3", "g/cm³", "g/mL", "g/ml", "kg/L", "kg/l"],
        scale(1, 3),
    ),
    (&["g/L", "g/l"], scale(1, 0)),
];
const TIME: Table = &[
    (&["s"], scale(1, 0)),
    (&["ms"], scale(1, -3)),
    (&["min"], scale(SECONDS_PER_MIN, 0)),
    (&["h"], scale(SECONDS_PER_H, 0)),
    (&["d"], scale(SECONDS_PER_D, 0)),
];

/// All tables with their dimension names (for "wrong dimension" messages).
const ALL_TABLES: &[(&str, Table)] = &[
    ("temperature", TEMPERATURE),
    ("pressure", PRESSURE),
    ("mass", MASS),
    ("amount", AMOUNT),
    ("mass flow", MASS_FLOW),
    ("molar flow", MOLAR_FLOW),
    ("volume", VOLUME),
    ("volume flow", VOLUME_FLOW),
    ("concentration", CONCENTRATION),
    ("mass concentration", MASS_CONCENTRATION),
    ("energy", ENERGY),
    ("power", POWER),
    ("length", LENGTH),
    ("area", AREA),
    ("density", DENSITY),
    ("time span", TIME),
];

fn lookup(table: Table, unit: &str) -> Option<Conv> {
    table
        .iter()
        .find(|(names, _)| names.contains(&unit))
        .map(|(_, c)| *c)
}

/// Split `"12.5 kg/h"` into ("12.5", "kg/h").
fn split_number(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    // exponent: e/E followed by optional sign and at least one digit
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    (&s[..i], s[i..].trim_start())
}

fn parse_with(
    input: &str,
    expected: &'static str,
    table: Table,
    nonneg: bool,
) -> Result<f64, MaterialError> {
    let err = |message: String| MaterialError::Unit {
        input: input.to_string(),
        expected,
        message,
    };
    let s = input.trim();
    let (num, unit) = split_number(s);
    if num.is_empty() || num == "+" || num == "-" {
        return Err(err("expected a number followed by a unit".to_string()));
    }
    if unit.is_empty() {
        let canonical = table[0].0[0];
        return Err(err(format!(
            "missing unit (write e.g. \"{num} {canonical}\"; a plain number is only accepted as a non-string value in SI)"
        )));
    }
    let conv = match lookup(table, unit) {
        Some(c) => c,
        None => {
            if let Some((dim, _)) = ALL_TABLES
                .iter()
                .find(|(d, t)| *d != expected && lookup(t, unit).is_some())
            {
                let hint = if expected == "concentration" && *dim == "mass concentration" {
                    "; a mass concentration needs the solute's molar mass: use Concentration::from_mass_concentration"
                } else {
                    ""
                };
                return Err(err(format!(
                    "unit {unit:?} is a {dim} unit, not a {expected} unit{hint}"
                )));
            }
            let accepted: Vec<&str> = table.iter().flat_map(|(n, _)| n.iter().copied()).collect();
            return Err(err(format!(
                "unknown unit {unit:?} (accepted: {})",
                accepted.join(", ")
            )));
        }
    };
    let si = conv.parse_to_si(num).ok_or_else(|| {
        err(format!(
            "{num:?} is not a finite number (at most 38 significant digits)"
        ))
    })?;
    if nonneg && si < 0.0 {
        return Err(err(format!(
            "negative value {si} {} is not allowed",
            table[0].0[0]
        )));
    }
    Ok(si)
}

/// Canonical number text: shortest round-trip, exponent form for tiny or huge magnitudes.
fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Common interface of the unit newtypes (for generic code and serde helpers).
pub trait Quantity:
    Copy + fmt::Display + FromStr<Err = MaterialError> + Serialize + for<'de> Deserialize<'de>
{
    /// Canonical SI unit symbol.
    const SI_UNIT: &'static str;
    /// Dimension name used in error messages (e.g. `"mass flow"`).
    const DIMENSION: &'static str;
    /// The value in the SI unit.
    fn si(self) -> f64;
    /// From a value in the SI unit (unchecked).
    fn from_si(value: f64) -> Self;
}

/// Serde helper: deserialise an `f64` SI field from either a plain number (SI) or a string with
/// a unit of quantity `Q`, e.g.
/// `#[serde(deserialize_with = "repm_material::units::de_si::<_, Volume>")] volume: f64`.
pub fn de_si<'de, D: Deserializer<'de>, Q: Quantity>(d: D) -> Result<f64, D::Error> {
    Q::deserialize(d).map(Q::si)
}

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident, $dim:literal, $unit:literal, $table:ident, nonneg = $nonneg:expr) => {
        $(#[$doc])*
        #[doc = concat!("\n\nSI value in ", $unit, "; see the [module documentation](self) for units, text form and exactness.")]
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
        pub struct $name(f64);

        impl $name {
            #[doc = concat!("The canonical SI unit symbol, `\"", $unit, "\"`.")]
            pub const SI_UNIT: &'static str = $unit;

            #[doc = concat!("From a value in ", $unit, " (no validation; see [`Self::new`]).")]
            pub const fn from_si(value: f64) -> Self {
                $name(value)
            }

            #[doc = concat!("From a value in ", $unit, "; errors if it is not finite (or negative, for quantities that cannot be).")]
            pub fn new(value: f64) -> Result<Self, MaterialError> {
                if !value.is_finite() || ($nonneg && value < 0.0) {
                    return Err(MaterialError::invalid(
                        concat!($dim, " [", $unit, "]"),
                        value,
                        if $nonneg { "must be finite and >= 0" } else { "must be finite" },
                    ));
                }
                Ok($name(value))
            }

            #[doc = concat!("The value in ", $unit, ".")]
            pub const fn si(self) -> f64 {
                self.0
            }

            /// The value expressed in `unit` (one of the accepted units), for reports.
            pub fn in_unit(self, unit: &str) -> Result<f64, MaterialError> {
                lookup($table, unit).map(|c| c.si_to_unit(self.0)).ok_or_else(|| MaterialError::Unit {
                    input: unit.to_string(),
                    expected: $dim,
                    message: format!("unknown unit {unit:?}"),
                })
            }
        }

        impl Quantity for $name {
            const SI_UNIT: &'static str = $unit;
            const DIMENSION: &'static str = $dim;
            fn si(self) -> f64 {
                self.0
            }
            fn from_si(value: f64) -> Self {
                $name(value)
            }
        }

        impl FromStr for $name {
            type Err = MaterialError;
            fn from_str(s: &str) -> Result<Self, MaterialError> {
                parse_with(s, $dim, $table, $nonneg).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", fmt_number(self.0), $unit)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, concat!("a ", $dim, " as a string with a unit (\"… ", $unit, "\") or a number in ", $unit))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        $name::new(v).map_err(E::custom)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        $name::new(v as f64).map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        $name::new(v as f64).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl Add for $name {
            type Output = $name;
            fn add(self, o: $name) -> $name {
                $name(self.0 + o.0)
            }
        }
        impl Sub for $name {
            type Output = $name;
            fn sub(self, o: $name) -> $name {
                $name(self.0 - o.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, o: $name) {
                self.0 += o.0;
            }
        }
        impl SubAssign for $name {
            fn sub_assign(&mut self, o: $name) {
                self.0 -= o.0;
            }
        }
        impl Neg for $name {
            type Output = $name;
            fn neg(self) -> $name {
                $name(-self.0)
            }
        }
        impl Mul<f64> for $name {
            type Output = $name;
            fn mul(self, k: f64) -> $name {
                $name(self.0 * k)
            }
        }
        impl Mul<$name> for f64 {
            type Output = $name;
            fn mul(self, q: $name) -> $name {
                $name(self * q.0)
            }
        }
        impl Div<f64> for $name {
            type Output = $name;
            fn div(self, k: f64) -> $name {
                $name(self.0 / k)
            }
        }
        impl Div for $name {
            type Output = f64;
            fn div(self, o: $name) -> f64 {
                self.0 / o.0
            }
        }
    };
}

quantity!(
    /// Absolute temperature.
    Temperature, "temperature", "K", TEMPERATURE, nonneg = true);
quantity!(
    /// Absolute pressure.
    Pressure, "pressure", "Pa", PRESSURE, nonneg = true);
quantity!(
    /// Mass.
    Mass, "mass", "kg", MASS, nonneg = true);
quantity!(
    /// Amount of substance.
    Amount, "amount", "mol", AMOUNT, nonneg = true);
quantity!(
    /// Mass flow rate.
    MassFlow, "mass flow", "kg/s", MASS_FLOW, nonneg = true);
quantity!(
    /// Molar flow rate.
    MolarFlow, "molar flow", "mol/s", MOLAR_FLOW, nonneg = true);
quantity!(
    /// Volume.
    Volume, "volume", "m3", VOLUME, nonneg = true);
quantity!(
    /// Volumetric flow rate.
    VolumeFlow, "volume flow", "m3/s", VOLUME_FLOW, nonneg = true);
quantity!(
    /// Molar concentration (1 mol/L = 1000 mol/m3).
    Concentration, "concentration", "mol/m3", CONCENTRATION, nonneg = true);
quantity!(
    /// Energy (may be negative: heat released).
    Energy, "energy", "J", ENERGY, nonneg = false);
quantity!(
    /// Power (may be negative: heat removed).
    Power, "power", "W", POWER, nonneg = false);
quantity!(
    /// Length.
    Length, "length", "m", LENGTH, nonneg = true);
quantity!(
    /// Area.
    Area, "area", "m2", AREA, nonneg = true);
quantity!(
    /// Mass density.
    Density, "density", "kg/m3", DENSITY, nonneg = true);
quantity!(
    /// Time span (a duration).
    TimeSpan, "time span", "s", TIME, nonneg = true);

impl Temperature {
    /// From degrees Celsius (K = °C + 273.15, in binary floating point).
    pub fn from_celsius(c: f64) -> Result<Self, MaterialError> {
        Temperature::new(c + 273.15)
    }
    /// In degrees Celsius (°C = K − 273.15, in binary floating point).
    pub fn celsius(self) -> f64 {
        self.0 - 273.15
    }
}

impl Concentration {
    /// Parse a molar concentration, or a mass concentration (`"100 mg/L"`, `"2 g/L"`,
    /// `"5 g/m3"`, `"0.1 kg/m3"`) converted with the solute's molar mass \[kg·mol⁻¹\]:
    /// c = ρ_mass / M.
    pub fn from_mass_concentration(s: &str, molar_mass: f64) -> Result<Self, MaterialError> {
        if !(molar_mass.is_finite() && molar_mass > 0.0) {
            return Err(MaterialError::invalid(
                "molar mass [kg/mol]",
                molar_mass,
                "must be finite and > 0",
            ));
        }
        let (_, unit) = split_number(s.trim());
        if lookup(MASS_CONCENTRATION, unit).is_some() {
            let rho = parse_with(s, "mass concentration", MASS_CONCENTRATION, true)?;
            Ok(Concentration(rho / molar_mass))
        } else {
            s.parse()
        }
    }
}

impl TimeSpan {
    /// As a `std::time::Duration` (rounded to the nearest nanosecond; errors if it does not fit).
    pub fn to_duration(self) -> Result<std::time::Duration, MaterialError> {
        std::time::Duration::try_from_secs_f64(self.0)
            .map_err(|e| MaterialError::invalid("time span [s]", self.0, e.to_string()))
    }
}

impl From<std::time::Duration> for TimeSpan {
    fn from(d: std::time::Duration) -> Self {
        TimeSpan(d.as_secs_f64())
    }
}

macro_rules! product {
    ($a:ident * $b:ident = $c:ident) => {
        impl Mul<$b> for $a {
            type Output = $c;
            fn mul(self, o: $b) -> $c {
                $c(self.0 * o.0)
            }
        }
        impl Mul<$a> for $b {
            type Output = $c;
            fn mul(self, o: $a) -> $c {
                $c(self.0 * o.0)
            }
        }
    };
}
product!(MassFlow * TimeSpan = Mass);
product!(MolarFlow * TimeSpan = Amount);
product!(VolumeFlow * TimeSpan = Volume);
product!(Power * TimeSpan = Energy);
product!(Concentration * Volume = Amount);
product!(Concentration * VolumeFlow = MolarFlow);
product!(Density * Volume = Mass);

impl Mul for Length {
    type Output = Area;
    fn mul(self, o: Length) -> Area {
        Area(self.0 * o.0)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exactness is the point of these tests
mod tests {
    use super::*;

    #[test]
    fn decimal_exactness() {
        let a: Temperature = "850 degC".parse().unwrap();
        let b: Temperature = "1123.15 K".parse().unwrap();
        assert_eq!(a.si(), b.si());
        assert_eq!(a.to_string(), "1123.15 K");
        let t: TimeSpan = "2 h".parse().unwrap();
        assert_eq!(t.si(), 7200.0);
        let p: Pressure = "1.01325 bar".parse().unwrap();
        assert_eq!(p.si(), 101_325.0);
        let f: Temperature = "32 degF".parse().unwrap();
        assert_eq!(f.si(), 273.15);
        let m: MassFlow = "12 kg/h".parse().unwrap();
        assert_eq!(m.si(), 12.0 / 3600.0);
        let e: Energy = "1 kWh".parse().unwrap();
        assert_eq!(e.si(), 3.6e6);
    }

    #[test]
    fn errors_name_input_and_dimension() {
        let e = "12 K".parse::<MassFlow>().unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("mass flow") && s.contains("\"12 K\"") && s.contains("temperature"),
            "{s}"
        );
        let e = "100 mg/L".parse::<Concentration>().unwrap_err().to_string();
        assert!(e.contains("molar mass"), "{e}");
        for bad in [
            "12 furlongs",
            "NaN K",
            "inf K",
            "12 kg/h x",
            "",
            "12",
            "kg",
            "-5 K",
            "-300 degC",
            "1e999 K",
        ] {
            assert!(
                bad.parse::<Temperature>().is_err() || bad.parse::<MassFlow>().is_err(),
                "{bad}"
            );
        }
        assert!("-300 degC".parse::<Temperature>().is_err());
        assert!("nan".parse::<Mass>().is_err());
    }
}
