//! Embedded data: adjacent separation factors and extractant properties
//! (`crates/sx/data/*.csv`, source and confidence per record, parsed at first use).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::SxError;

const SF_FILE: &str = "separation_factors.csv";
const SF_TEXT: &str = include_str!("../data/separation_factors.csv");
const EX_FILE: &str = "extractants.csv";
const EX_TEXT: &str = include_str!("../data/extractants.csv");

/// Confidence of a literature value (sx-data.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Confidence {
    /// Many independent mentions.
    High,
    /// Commonly quoted.
    Medium,
    /// Weak: verify before use.
    Low,
    /// Engineering estimate without a sourced range: verify.
    Estimate,
}

/// One adjacent separation factor β = D_heavier / D_lighter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeparationFactorRecord {
    /// Extractant (`"P507"`, `"D2EHPA"`, `"Cyanex272"`).
    pub extractant: String,
    /// Aqueous medium (`"HCl"`).
    pub medium: String,
    /// The more extractable element.
    pub heavier: String,
    /// The less extractable element.
    pub lighter: String,
    /// Low end of the quoted range [-].
    pub low: f64,
    /// High end of the quoted range [-].
    pub high: f64,
    /// Typical value used by default [-].
    pub typical: f64,
    /// Confidence.
    pub confidence: Confidence,
    /// Source.
    pub source: String,
}

/// Extractant or diluent properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractantRecord {
    /// Name.
    pub name: String,
    /// Molar mass of the monomer HA [kg·mol⁻¹] (0 for a diluent).
    pub molar_mass: f64,
    /// Density [kg·m⁻³].
    pub density: f64,
    /// Source.
    pub source: String,
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn num(s: &str, file: &'static str, line: usize) -> Result<f64, SxError> {
    s.trim().parse::<f64>().map_err(|e| SxError::Data {
        file,
        line,
        reason: format!("`{s}`: {e}"),
    })
}

fn parse_sf(text: &str) -> Result<Vec<SeparationFactorRecord>, SxError> {
    let mut out = Vec::new();
    for (line, l) in data_lines(text) {
        let f: Vec<&str> = l.splitn(9, ',').collect();
        if f.len() != 9 {
            return Err(SxError::Data {
                file: SF_FILE,
                line,
                reason: format!("expected 9 fields, got {}", f.len()),
            });
        }
        let confidence = match f[7] {
            "H" => Confidence::High,
            "M" => Confidence::Medium,
            "L" => Confidence::Low,
            "E" => Confidence::Estimate,
            other => {
                return Err(SxError::Data {
                    file: SF_FILE,
                    line,
                    reason: format!("confidence `{other}`"),
                });
            }
        };
        let rec = SeparationFactorRecord {
            extractant: f[0].into(),
            medium: f[1].into(),
            heavier: f[2].into(),
            lighter: f[3].into(),
            low: num(f[4], SF_FILE, line)?,
            high: num(f[5], SF_FILE, line)?,
            typical: num(f[6], SF_FILE, line)?,
            confidence,
            source: f[8].into(),
        };
        if !(rec.low > 1.0 && rec.low <= rec.typical && rec.typical <= rec.high) {
            return Err(SxError::Data {
                file: SF_FILE,
                line,
                reason: "need 1 < low ≤ typical ≤ high".into(),
            });
        }
        out.push(rec);
    }
    Ok(out)
}

fn parse_ex(text: &str) -> Result<Vec<ExtractantRecord>, SxError> {
    let mut out = Vec::new();
    for (line, l) in data_lines(text) {
        let f: Vec<&str> = l.splitn(4, ',').collect();
        if f.len() != 4 {
            return Err(SxError::Data {
                file: EX_FILE,
                line,
                reason: format!("expected 4 fields, got {}", f.len()),
            });
        }
        out.push(ExtractantRecord {
            name: f[0].into(),
            molar_mass: num(f[1], EX_FILE, line)? / 1000.0,
            density: num(f[2], EX_FILE, line)? * 1000.0,
            source: f[3].into(),
        });
    }
    Ok(out)
}

/// All separation-factor records.
///
/// # Panics
/// If the embedded file is malformed (an internal bug caught by the crate's tests).
pub fn separation_factors() -> &'static [SeparationFactorRecord] {
    static CELL: OnceLock<Vec<SeparationFactorRecord>> = OnceLock::new();
    CELL.get_or_init(|| parse_sf(SF_TEXT).expect("embedded separation_factors.csv is valid"))
}

/// All extractant records.
///
/// # Panics
/// If the embedded file is malformed (an internal bug caught by the crate's tests).
pub fn extractants() -> &'static [ExtractantRecord] {
    static CELL: OnceLock<Vec<ExtractantRecord>> = OnceLock::new();
    CELL.get_or_init(|| parse_ex(EX_TEXT).expect("embedded extractants.csv is valid"))
}

/// The record for `heavier`/`lighter` with `extractant`, if tabulated.
pub fn separation_factor(
    extractant: &str,
    heavier: &str,
    lighter: &str,
) -> Option<&'static SeparationFactorRecord> {
    separation_factors()
        .iter()
        .find(|r| r.extractant == extractant && r.heavier == heavier && r.lighter == lighter)
}

/// Typical β of every element of `chain` relative to the first, multiplying adjacent typical
/// values along the chain (e.g. `["La", "Ce", "Pr", "Nd"]`). Errors name a missing pair.
pub fn cumulative_beta(extractant: &str, chain: &[&str]) -> Result<Vec<f64>, SxError> {
    let mut out = Vec::with_capacity(chain.len());
    let mut acc = 1.0;
    for (i, s) in chain.iter().enumerate() {
        if i > 0 {
            let r = separation_factor(extractant, s, chain[i - 1]).ok_or_else(|| {
                SxError::config(
                    "chain",
                    format!("{}/{}", s, chain[i - 1]),
                    format!("no separation factor tabulated for {extractant}"),
                )
            })?;
            acc *= r.typical;
        }
        out.push(acc);
    }
    Ok(out)
}

/// Extractant record by name.
pub fn extractant(name: &str) -> Option<&'static ExtractantRecord> {
    extractants().iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_and_nd_pr_is_high_confidence() {
        assert!(separation_factors().len() >= 20);
        let r = separation_factor("P507", "Nd", "Pr").unwrap();
        assert_eq!(r.confidence, Confidence::High);
        assert!((r.typical - 1.5).abs() < 1e-12);
        let p507 = extractant("P507").unwrap();
        assert!((p507.molar_mass - 0.3064).abs() < 1e-9);
        assert!((p507.density - 955.0).abs() < 1e-9);
    }

    #[test]
    fn cumulative_chain() {
        let b = cumulative_beta("P507", &["Pr", "Nd"]).unwrap();
        assert!((b[1] - 1.5).abs() < 1e-12);
        assert!(cumulative_beta("P507", &["Nd", "La"]).is_err());
    }
}
