//! The chemical elements repm knows, with IUPAC 2021 standard atomic weights.
//!
//! [`Element`] is a `Copy` enum with a dense index `0..N_ELEMENTS` in order of atomic number, so
//! compositions are fixed-size vectors ([`crate::ElementVector`]). The atomic weights live in the
//! human-readable data file `crates/material/data/atomic_weights.csv` (one record per element with
//! its source), embedded at compile time and parsed on first use.
//!
//! Conventions (see `docs/science/material.md`, §1, eq. E-1):
//! - Elements whose IUPAC standard atomic weight is an interval (H, Li, B, C, N, O, Mg, Si, S, Cl,
//!   Ar) use the IUPAC conventional (abridged) value, e.g. H 1.008, O 15.999.
//! - Pm has no standard atomic weight; repm uses 145, the mass number of its longest-lived
//!   isotope ¹⁴⁵Pm, and flags it ([`AtomicWeightKind::MassNumber`]).
//! - Molar mass \[kg·mol⁻¹\] = atomic weight × 10⁻³ (the molar mass constant is taken as exactly
//!   1 g·mol⁻¹; the 2019 SI difference, ~3.5·10⁻¹⁰ relative, is ignored).
//! - Rare earths are Sc, Y and La–Lu. Light rare earths (LREE) are La–Eu ("cerium group"); heavy
//!   rare earths (HREE) are Gd–Lu plus Y ("yttrium group"), the convention of the USGS and most
//!   magnet-industry reporting. Sc is a rare earth but neither light nor heavy. For magnets the
//!   heavy rare earths that matter are Dy and Tb ([`Element::MAGNET_HEAVY_RARE_EARTHS`]).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of elements repm knows (the length of every [`crate::ElementVector`]).
pub const N_ELEMENTS: usize = 52;

macro_rules! elements {
    ($( $sym:ident = $idx:expr, $z:expr, $name:expr; )*) => {
        /// A chemical element known to repm. The discriminant is the dense index
        /// (`0..N_ELEMENTS`, ordered by atomic number).
        ///
        /// Serialises as its symbol string (`"Nd"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum Element {
            $( $sym = $idx, )*
        }

        impl Element {
            /// All elements in index (= atomic-number) order.
            pub const ALL: [Element; N_ELEMENTS] = [$( Element::$sym, )*];

            /// The element symbol, e.g. `"Nd"`.
            pub const fn symbol(self) -> &'static str {
                match self { $( Element::$sym => stringify!($sym), )* }
            }

            /// The atomic number Z.
            pub const fn atomic_number(self) -> u8 {
                match self { $( Element::$sym => $z, )* }
            }

            /// The English (IUPAC) name, lower case, e.g. `"neodymium"`.
            pub const fn name(self) -> &'static str {
                match self { $( Element::$sym => $name, )* }
            }

            /// The element with this symbol (case-sensitive), if repm knows it.
            pub fn from_symbol(symbol: &str) -> Option<Element> {
                match symbol { $( stringify!($sym) => Some(Element::$sym), )* _ => None }
            }
        }
    };
}

elements! {
    H = 0, 1, "hydrogen";
    Li = 1, 3, "lithium";
    B = 2, 5, "boron";
    C = 3, 6, "carbon";
    N = 4, 7, "nitrogen";
    O = 5, 8, "oxygen";
    F = 6, 9, "fluorine";
    Na = 7, 11, "sodium";
    Mg = 8, 12, "magnesium";
    Al = 9, 13, "aluminium";
    Si = 10, 14, "silicon";
    P = 11, 15, "phosphorus";
    S = 12, 16, "sulfur";
    Cl = 13, 17, "chlorine";
    Ar = 14, 18, "argon";
    K = 15, 19, "potassium";
    Ca = 16, 20, "calcium";
    Sc = 17, 21, "scandium";
    Ti = 18, 22, "titanium";
    Cr = 19, 24, "chromium";
    Mn = 20, 25, "manganese";
    Fe = 21, 26, "iron";
    Co = 22, 27, "cobalt";
    Ni = 23, 28, "nickel";
    Cu = 24, 29, "copper";
    Zn = 25, 30, "zinc";
    Ga = 26, 31, "gallium";
    Y = 27, 39, "yttrium";
    Zr = 28, 40, "zirconium";
    Nb = 29, 41, "niobium";
    Mo = 30, 42, "molybdenum";
    I = 31, 53, "iodine";
    Ba = 32, 56, "barium";
    La = 33, 57, "lanthanum";
    Ce = 34, 58, "cerium";
    Pr = 35, 59, "praseodymium";
    Nd = 36, 60, "neodymium";
    Pm = 37, 61, "promethium";
    Sm = 38, 62, "samarium";
    Eu = 39, 63, "europium";
    Gd = 40, 64, "gadolinium";
    Tb = 41, 65, "terbium";
    Dy = 42, 66, "dysprosium";
    Ho = 43, 67, "holmium";
    Er = 44, 68, "erbium";
    Tm = 45, 69, "thulium";
    Yb = 46, 70, "ytterbium";
    Lu = 47, 71, "lutetium";
    Ta = 48, 73, "tantalum";
    W = 49, 74, "tungsten";
    Th = 50, 90, "thorium";
    U = 51, 92, "uranium";
}

/// How an element's atomic weight was obtained (column `kind` of the data file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AtomicWeightKind {
    /// IUPAC standard atomic weight given as a single value with uncertainty.
    Standard,
    /// Standard atomic weight is an interval; the IUPAC conventional (abridged) value is used.
    Conventional,
    /// No standard atomic weight; the mass number of the longest-lived isotope (Pm: 145).
    MassNumber,
}

/// One record of `data/atomic_weights.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtomicWeightRecord {
    /// The element.
    pub element: Element,
    /// Relative atomic mass Ar \[-\] (numerically the molar mass in g·mol⁻¹).
    pub atomic_weight: f64,
    /// How the value was obtained.
    pub kind: AtomicWeightKind,
    /// Source of the value (IUPAC 2021 with the quoted uncertainty or interval).
    pub source: String,
}

/// The embedded data file.
const ATOMIC_WEIGHTS_CSV: &str = include_str!("../data/atomic_weights.csv");

fn records() -> &'static [AtomicWeightRecord; N_ELEMENTS] {
    static RECORDS: OnceLock<[AtomicWeightRecord; N_ELEMENTS]> = OnceLock::new();
    RECORDS.get_or_init(|| {
        parse_atomic_weights(ATOMIC_WEIGHTS_CSV)
            .unwrap_or_else(|e| panic!("internal bug: embedded atomic_weights.csv is invalid: {e}"))
    })
}

fn molar_masses() -> &'static [f64; N_ELEMENTS] {
    static M: OnceLock<[f64; N_ELEMENTS]> = OnceLock::new();
    M.get_or_init(|| {
        let r = records();
        std::array::from_fn(|i| r[i].atomic_weight * 1e-3)
    })
}

/// Parse the atomic-weight CSV: `#` comment lines, a header line, then
/// `symbol,z,name,atomic_weight,kind,source` with one record per element in index order
/// (the source column may contain commas; it is the rest of the line).
fn parse_atomic_weights(text: &str) -> Result<[AtomicWeightRecord; N_ELEMENTS], String> {
    let mut out: Vec<AtomicWeightRecord> = Vec::with_capacity(N_ELEMENTS);
    let mut header_seen = false;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            if !line.starts_with("symbol,z,name,atomic_weight,kind,source") {
                return Err(format!("line {}: unexpected header {line:?}", lineno + 1));
            }
            continue;
        }
        let fields: Vec<&str> = line.splitn(6, ',').collect();
        if fields.len() != 6 {
            return Err(format!("line {}: expected 6 fields", lineno + 1));
        }
        let el = Element::from_symbol(fields[0])
            .ok_or_else(|| format!("line {}: unknown symbol {}", lineno + 1, fields[0]))?;
        if el.index() != out.len() {
            return Err(format!(
                "line {}: {} out of index order",
                lineno + 1,
                fields[0]
            ));
        }
        let z: u8 = fields[1]
            .parse()
            .map_err(|e| format!("line {}: z: {e}", lineno + 1))?;
        if z != el.atomic_number() || fields[2] != el.name() {
            return Err(format!(
                "line {}: Z or name disagrees with Element::{el}",
                lineno + 1
            ));
        }
        let w: f64 = fields[3]
            .parse()
            .map_err(|e| format!("line {}: atomic_weight: {e}", lineno + 1))?;
        if !(w.is_finite() && w > 0.0) {
            return Err(format!(
                "line {}: atomic_weight {w} not positive",
                lineno + 1
            ));
        }
        let kind = match fields[4] {
            "standard" => AtomicWeightKind::Standard,
            "conventional" => AtomicWeightKind::Conventional,
            "mass-number" => AtomicWeightKind::MassNumber,
            k => return Err(format!("line {}: unknown kind {k}", lineno + 1)),
        };
        out.push(AtomicWeightRecord {
            element: el,
            atomic_weight: w,
            kind,
            source: fields[5].trim().to_string(),
        });
    }
    let n = out.len();
    out.try_into()
        .map_err(|_| format!("expected {N_ELEMENTS} records, found {n}"))
}

impl Element {
    /// Dy and Tb: the heavy rare earths added to NdFeB magnets for coercivity at temperature.
    pub const MAGNET_HEAVY_RARE_EARTHS: [Element; 2] = [Element::Dy, Element::Tb];

    /// The dense index `0..N_ELEMENTS`.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The element with dense index `i`, or `None` if `i >= N_ELEMENTS`.
    #[inline]
    pub const fn from_index(i: usize) -> Option<Element> {
        if i < N_ELEMENTS {
            Some(Element::ALL[i])
        } else {
            None
        }
    }

    /// Molar mass \[kg·mol⁻¹\] from the IUPAC 2021 standard atomic weight (e.g. Nd: 0.144242).
    #[inline]
    pub fn molar_mass(self) -> f64 {
        molar_masses()[self.index()]
    }

    /// Relative atomic mass Ar \[-\] (IUPAC 2021; numerically g·mol⁻¹).
    pub fn atomic_weight(self) -> f64 {
        records()[self.index()].atomic_weight
    }

    /// The data-file record (value, kind, source) of this element's atomic weight.
    pub fn atomic_weight_record(self) -> &'static AtomicWeightRecord {
        &records()[self.index()]
    }

    /// Sc, Y and the lanthanides La–Lu (IUPAC definition of the rare-earth elements).
    pub const fn is_rare_earth(self) -> bool {
        matches!(self, Element::Sc | Element::Y) || self.is_lanthanide()
    }

    /// La–Lu.
    pub const fn is_lanthanide(self) -> bool {
        let z = self.atomic_number();
        z >= 57 && z <= 71
    }

    /// Light rare earths: La–Eu (the "cerium group").
    pub const fn is_light_rare_earth(self) -> bool {
        let z = self.atomic_number();
        z >= 57 && z <= 63
    }

    /// Heavy rare earths: Gd–Lu and Y (the "yttrium group"). Sc is neither light nor heavy.
    pub const fn is_heavy_rare_earth(self) -> bool {
        let z = self.atomic_number();
        (z >= 64 && z <= 71) || z == 39
    }

    /// Iterator over all elements in index order.
    pub fn iter() -> impl Iterator<Item = Element> {
        Element::ALL.into_iter()
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl FromStr for Element {
    type Err = crate::MaterialError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Element::from_symbol(s.trim()).ok_or_else(|| crate::MaterialError::Formula {
            input: s.to_string(),
            position: 0,
            message: format!(
                "unknown element symbol {:?} (repm knows {N_ELEMENTS} elements)",
                s
            ),
        })
    }
}

impl Serialize for Element {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol())
    }
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Element::from_symbol(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown element symbol {s:?}")))
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact small integers and copies are compared exactly on purpose
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn data_file_parses_and_matches_enum() {
        let r = records();
        for (i, e) in Element::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(r[i].element, *e);
            assert_eq!(Element::from_index(i), Some(*e));
            assert_eq!(Element::from_symbol(e.symbol()), Some(*e));
        }
        assert!(Element::from_index(N_ELEMENTS).is_none());
        // strictly increasing Z
        for w in Element::ALL.windows(2) {
            assert!(w[0].atomic_number() < w[1].atomic_number());
        }
    }

    #[test]
    fn nd_molar_mass() {
        assert_relative_eq!(Element::Nd.molar_mass(), 0.144242, max_relative = 1e-15);
        assert_eq!(
            Element::Pm.atomic_weight_record().kind,
            AtomicWeightKind::MassNumber
        );
        assert_eq!(
            Element::H.atomic_weight_record().kind,
            AtomicWeightKind::Conventional
        );
    }

    #[test]
    fn rare_earth_classes() {
        let re: Vec<_> = Element::iter().filter(|e| e.is_rare_earth()).collect();
        assert_eq!(re.len(), 17);
        let light: Vec<_> = Element::iter()
            .filter(|e| e.is_light_rare_earth())
            .collect();
        assert_eq!(light.len(), 7);
        let heavy: Vec<_> = Element::iter()
            .filter(|e| e.is_heavy_rare_earth())
            .collect();
        assert_eq!(heavy.len(), 9);
        assert!(!Element::Sc.is_light_rare_earth() && !Element::Sc.is_heavy_rare_earth());
        assert!(Element::Dy.is_heavy_rare_earth() && Element::Tb.is_heavy_rare_earth());
        assert!(Element::Nd.is_light_rare_earth());
        assert!(!Element::Fe.is_rare_earth());
    }

    #[test]
    fn bad_csv_is_rejected() {
        assert!(parse_atomic_weights("symbol,z,name,atomic_weight,kind,source\n").is_err());
        assert!(
            parse_atomic_weights(
                "symbol,z,name,atomic_weight,kind,source\nLi,3,lithium,6.94,conventional,x\n"
            )
            .is_err()
        );
    }
}
