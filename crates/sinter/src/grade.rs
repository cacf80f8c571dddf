//! Sintered NdFeB grade classification (N, M, H, SH, UH, EH, AH) against the grade table in
//! `data/grades_sintered_ndfeb.json` (magnet-data.md §7).
//!
//! Rule: the grade number is the highest tabulated number whose (BH)max and Br minima are
//! met; the suffix is the highest Hcj floor met (for N50 and above the plain-N floor is
//! 876 kA/m instead of 955 kA/m).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data;
use crate::error::{Result, SinterError};
use crate::programme::ZERO_CELSIUS;

/// Coercivity class suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Suffix {
    /// No suffix (≥ 955 kA/m; 876 kA/m from N50).
    N,
    /// ≥ 1114 kA/m.
    M,
    /// ≥ 1353 kA/m.
    H,
    /// ≥ 1592 kA/m.
    SH,
    /// ≥ 1990 kA/m.
    UH,
    /// ≥ 2388 kA/m.
    EH,
    /// ≥ 2786 kA/m (also sold as TH).
    AH,
}

impl Suffix {
    /// All suffixes, ascending coercivity.
    pub const ALL: [Suffix; 7] = [
        Suffix::N,
        Suffix::M,
        Suffix::H,
        Suffix::SH,
        Suffix::UH,
        Suffix::EH,
        Suffix::AH,
    ];

    /// Text as used in grade names ("" for plain N).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Suffix::N => "",
            Suffix::M => "M",
            Suffix::H => "H",
            Suffix::SH => "SH",
            Suffix::UH => "UH",
            Suffix::EH => "EH",
            Suffix::AH => "AH",
        }
    }

    fn key(self) -> &'static str {
        if self == Suffix::N {
            "N"
        } else {
            self.as_str()
        }
    }

    fn row(self) -> &'static data::SuffixRow {
        data::grades()
            .suffixes
            .iter()
            .find(|r| r.suffix == self.key())
            .expect("every suffix is in grades_sintered_ndfeb.json")
    }

    /// Minimum Hcj at 20 °C for grade `number` \[A·m⁻¹\].
    #[must_use]
    pub fn hcj_min(self, number: u32) -> f64 {
        let r = self.row();
        1e3 * if number >= 50 {
            r.hcj_min_ka_m_from_n50
        } else {
            r.hcj_min_ka_m
        }
    }

    /// Maximum working temperature quoted for the class (at P_c ≈ 2) \[K\].
    #[must_use]
    pub fn max_working_temperature(self) -> f64 {
        ZERO_CELSIUS + self.row().max_working_temp_c
    }
}

/// A sintered NdFeB grade, e.g. N52, N48SH, N42UH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grade {
    /// Nominal (BH)max \[MGOe\].
    pub number: u32,
    /// Coercivity class.
    pub suffix: Suffix,
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "N{}{}", self.number, self.suffix.as_str())
    }
}

impl FromStr for Grade {
    type Err = SinterError;
    /// Parses "N52", "48SH", "N42UH", "42uh".
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_uppercase();
        let t = t.strip_prefix('N').unwrap_or(&t);
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let rest = &t[digits.len()..];
        let number: u32 = digits
            .parse()
            .map_err(|_| SinterError::config("grade", s, "expected e.g. N48SH"))?;
        let suffix = Suffix::ALL
            .into_iter()
            .find(|x| x.as_str() == rest)
            .ok_or_else(|| SinterError::config("grade", s, "unknown suffix (M H SH UH EH AH)"))?;
        let g = Grade { number, suffix };
        g.number_row()?;
        Ok(g)
    }
}

impl Grade {
    fn number_row(&self) -> Result<&'static data::NumberRow> {
        data::grades()
            .numbers
            .iter()
            .find(|r| r.number == self.number)
            .ok_or_else(|| {
                SinterError::config("grade number", self.number, "not in the grade table")
            })
    }

    /// Minimum (BH)max \[J·m⁻³\].
    ///
    /// # Errors
    /// [`SinterError::Config`] if the number is not tabulated.
    pub fn bhmax_min(&self) -> Result<f64> {
        Ok(1e3 * self.number_row()?.bhmax_min_kj_m3)
    }

    /// Minimum Br \[T\].
    ///
    /// # Errors
    /// [`SinterError::Config`] if the number is not tabulated.
    pub fn br_min(&self) -> Result<f64> {
        Ok(self.number_row()?.br_min_t)
    }

    /// Minimum Hcj \[A·m⁻¹\].
    #[must_use]
    pub fn hcj_min(&self) -> f64 {
        self.suffix.hcj_min(self.number)
    }

    /// Whether (BH)max \[J·m⁻³\], Br \[T\] and Hcj \[A·m⁻¹\] at 20 °C meet this grade's minima.
    ///
    /// # Errors
    /// [`SinterError::Config`] if the number is not tabulated.
    pub fn is_met_by(&self, bhmax: f64, br: f64, hcj: f64) -> Result<bool> {
        Ok(bhmax >= self.bhmax_min()? && br >= self.br_min()? && hcj >= self.hcj_min())
    }
}

/// Classify a magnet by its 20 °C (BH)max \[J·m⁻³\], Br \[T\] and Hcj \[A·m⁻¹\]; `None` if it
/// falls below the lowest tabulated grade or the plain-N coercivity floor.
#[must_use]
pub fn classify(bhmax: f64, br: f64, hcj: f64) -> Option<Grade> {
    let row = data::grades()
        .numbers
        .iter()
        .rev()
        .find(|r| 1e3 * r.bhmax_min_kj_m3 <= bhmax && r.br_min_t <= br)?;
    let suffix = Suffix::ALL
        .into_iter()
        .rev()
        .find(|s| hcj >= s.hcj_min(row.number))?;
    Some(Grade {
        number: row.number,
        suffix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        assert_eq!("N52".parse::<Grade>().unwrap().to_string(), "N52");
        assert_eq!(
            "48SH".parse::<Grade>().unwrap(),
            Grade {
                number: 48,
                suffix: Suffix::SH
            }
        );
        assert_eq!("n42uh".parse::<Grade>().unwrap().suffix, Suffix::UH);
        assert!("N47".parse::<Grade>().is_err());
        assert!("N42XX".parse::<Grade>().is_err());
    }

    #[test]
    fn classify_vendor_rows() {
        // N52 row: 1.42 T / 390 kJ/m3, Hcj ≥ 876 kA/m (shanghaimagnet.com).
        let g = classify(395e3, 1.43, 900e3).unwrap();
        assert_eq!(g.to_string(), "N52");
        let g = classify(370e3, 1.38, 1700e3).unwrap();
        assert_eq!(g.to_string(), "N48SH");
        assert!(classify(200e3, 1.0, 1000e3).is_none());
        assert!(classify(395e3, 1.43, 800e3).is_none());
    }
}
