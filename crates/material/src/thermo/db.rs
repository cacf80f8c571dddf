//! Sources, named data sets and the embedded database.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::records::{self, CrcFile, FitInfo, PhaseFile, PhaseRecord, T_REF, data_err};
use super::species::SpeciesThermo;
use crate::error::MaterialError;

/// A source of thermochemical records (one embedded data file each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Source {
    /// NASA Glenn 7-coefficient polynomials (McBride, Gordon & Reno 1993; mostly JANAF fits).
    #[serde(rename = "NASA-Glenn")]
    NasaGlenn,
    /// SGTE unary data for the elements (Dinsdale 1991), plus the magnetic term for Fe, Co, Ni.
    #[serde(rename = "SGTE91")]
    Sgte91,
    /// NIST Chemistry WebBook Shomate pieces.
    #[serde(rename = "NIST-WebBook")]
    NistWebBook,
    /// CRC Handbook single values at 298.15 K on a named Cp(T) shape.
    #[serde(rename = "CRC-298")]
    Crc298,
    /// Maier–Kelley fits derived by repm from FREED 11 ΔfG(T) tables.
    #[serde(rename = "FREED-derived")]
    FreedDerived,
    /// repm estimates for species without open data (flagged).
    #[serde(rename = "repm-estimate")]
    Estimate,
    /// IVTANTHERMO single values at 298.15 K on a named Cp(T) shape (selectable per species
    /// with an override; no data set uses it by default).
    #[serde(rename = "IVTAN-298")]
    Ivtan298,
}

impl Source {
    /// Every source, in a fixed order.
    pub const ALL: [Source; 7] = [
        Source::NasaGlenn,
        Source::Sgte91,
        Source::NistWebBook,
        Source::Crc298,
        Source::FreedDerived,
        Source::Estimate,
        Source::Ivtan298,
    ];

    /// The label used in the data files and reports.
    pub fn label(self) -> &'static str {
        match self {
            Source::NasaGlenn => "NASA-Glenn",
            Source::Sgte91 => "SGTE91",
            Source::NistWebBook => "NIST-WebBook",
            Source::Crc298 => "CRC-298",
            Source::FreedDerived => "FREED-derived",
            Source::Estimate => "repm-estimate",
            Source::Ivtan298 => "IVTAN-298",
        }
    }

    /// Parse a label (as printed by [`Source::label`]).
    pub fn from_label(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.label() == s)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The named data sets: each is a priority list of sources (see [`DataSetName::priority`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum DataSetName {
    /// NASA Glenn / JANAF first; RE metals from SGTE91, RE compounds FREED-derived.
    #[serde(rename = "NASA/JANAF")]
    NasaJanaf,
    /// SGTE91 for the elements; compounds and gases from NASA Glenn, then FREED-derived.
    #[serde(rename = "SGTE91")]
    Sgte91,
    /// CRC 298 K values (ΔfH, S) on the Cp(T) shape of a named source per species.
    #[serde(rename = "CRC-298")]
    Crc298,
    /// FREED-derived fits for compounds (default: its ΔfH agree with modern assessments).
    #[default]
    #[serde(rename = "FREED-derived")]
    FreedDerived,
}

impl DataSetName {
    /// Every data set.
    pub const ALL: [DataSetName; 4] = [
        DataSetName::NasaJanaf,
        DataSetName::Sgte91,
        DataSetName::Crc298,
        DataSetName::FreedDerived,
    ];

    /// Label (`"NASA/JANAF"`, `"SGTE91"`, `"CRC-298"`, `"FREED-derived"`).
    pub fn label(self) -> &'static str {
        match self {
            DataSetName::NasaJanaf => "NASA/JANAF",
            DataSetName::Sgte91 => "SGTE91",
            DataSetName::Crc298 => "CRC-298",
            DataSetName::FreedDerived => "FREED-derived",
        }
    }

    /// Parse a label.
    pub fn from_label(s: &str) -> Option<DataSetName> {
        DataSetName::ALL.into_iter().find(|x| x.label() == s)
    }

    /// Sources in priority order: a species is taken from the first source that has it.
    pub fn priority(self) -> &'static [Source] {
        use Source::*;
        match self {
            DataSetName::NasaJanaf => &[NasaGlenn, NistWebBook, Sgte91, FreedDerived, Estimate],
            DataSetName::Sgte91 => &[Sgte91, NasaGlenn, NistWebBook, FreedDerived, Estimate],
            DataSetName::Crc298 => &[
                Crc298,
                NasaGlenn,
                NistWebBook,
                FreedDerived,
                Sgte91,
                Estimate,
            ],
            DataSetName::FreedDerived => &[FreedDerived, Sgte91, NasaGlenn, NistWebBook, Estimate],
        }
    }
}

impl fmt::Display for DataSetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where one species' data came from (independent of the data set).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// The source.
    pub source: Source,
    /// Table ids of the records used, one per phase (for CRC also the shape source's).
    pub tables: Vec<String>,
    /// Version / edition / package of the records.
    pub versions: Vec<String>,
    /// Notes from the records.
    pub notes: Vec<String>,
    /// Quality flags (estimates, ill-conditioned fits, values known to be out of line).
    pub flags: Vec<String>,
    /// The FREED fit (window, residuals) for FREED-derived records.
    pub fit: Option<FitInfo>,
    /// `false` for records kept for study only (used only when selected explicitly).
    pub default_use: bool,
}

/// Which source a data set used for one species, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceChoice {
    /// Species name.
    pub species: String,
    /// The data set.
    pub data_set: DataSetName,
    /// The source used.
    pub source: Source,
    /// Sources of higher priority that lack the species (the documented fallback path).
    pub skipped: Vec<Source>,
    /// `true` when the source was chosen by an explicit override.
    pub overridden: bool,
}

/// Every embedded source, parsed, assembled and validated. Get it with [`ThermoDb::builtin`].
#[derive(Debug)]
pub struct ThermoDb {
    sources: BTreeMap<Source, BTreeMap<String, SpeciesThermo>>,
}

static BUILTIN: OnceLock<Result<ThermoDb, MaterialError>> = OnceLock::new();

const FILES: [(Source, &str, &str); 5] = [
    (
        Source::NasaGlenn,
        "nasa_glenn.json",
        include_str!("../../data/thermo/nasa_glenn.json"),
    ),
    (
        Source::Sgte91,
        "sgte91.json",
        include_str!("../../data/thermo/sgte91.json"),
    ),
    (
        Source::NistWebBook,
        "nist_webbook.json",
        include_str!("../../data/thermo/nist_webbook.json"),
    ),
    (
        Source::FreedDerived,
        "freed_derived.json",
        include_str!("../../data/thermo/freed_derived.json"),
    ),
    (
        Source::Estimate,
        "estimates.json",
        include_str!("../../data/thermo/estimates.json"),
    ),
];
const ANCHOR_FILES: [(Source, &str, &str); 2] = [
    (
        Source::Crc298,
        "crc298.json",
        include_str!("../../data/thermo/crc298.json"),
    ),
    (
        Source::Ivtan298,
        "ivtan298.json",
        include_str!("../../data/thermo/ivtan298.json"),
    ),
];

impl ThermoDb {
    /// The embedded database, parsed and validated on first use (then cached).
    ///
    /// # Errors
    /// [`MaterialError::ThermoData`] if an embedded file fails to parse or validate (a build
    /// defect: the test suite loads it).
    pub fn builtin() -> Result<&'static ThermoDb, MaterialError> {
        BUILTIN
            .get_or_init(ThermoDb::load)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load() -> Result<ThermoDb, MaterialError> {
        let mut sources: BTreeMap<Source, BTreeMap<String, SpeciesThermo>> = BTreeMap::new();
        for (src, fname, text) in FILES {
            let file: PhaseFile =
                serde_json::from_str(text).map_err(|e| data_err(fname, format!("JSON: {e}")))?;
            let mut groups: Vec<(String, Vec<&PhaseRecord>)> = Vec::new();
            for r in &file.records {
                if r.source != src.label() {
                    return Err(data_err(
                        fname,
                        format!("record {} has source {:?}", r.species, r.source),
                    ));
                }
                match groups.iter_mut().find(|(n, _)| *n == r.species) {
                    Some((_, v)) => v.push(r),
                    None => groups.push((r.species.clone(), vec![r])),
                }
            }
            let map = sources.entry(src).or_default();
            for (name, recs) in groups {
                let phases = records::build_phases(&recs)?;
                super::validate::check_records(&recs, &phases)?;
                let prov = Provenance {
                    source: src,
                    tables: recs
                        .iter()
                        .map(|r| format!("{}: {}", r.phase, r.table))
                        .collect(),
                    versions: dedup(recs.iter().map(|r| r.version.clone())),
                    notes: dedup(recs.iter().filter_map(|r| r.note.clone())),
                    flags: dedup(recs.iter().filter_map(|r| r.flag.clone())),
                    fit: recs.iter().find_map(|r| r.fit.clone()),
                    default_use: true,
                };
                let sp = SpeciesThermo {
                    name: name.clone(),
                    phases,
                    provenance: prov,
                };
                super::validate::check_species(&sp)?;
                map.insert(name, sp);
            }
        }
        for (asrc, fname, text) in ANCHOR_FILES {
            let crc: CrcFile =
                serde_json::from_str(text).map_err(|e| data_err(fname, format!("JSON: {e}")))?;
            let mut crc_map = BTreeMap::new();
            for r in &crc.records {
                let shape_src = Source::from_label(&r.shape_from).ok_or_else(|| {
                    data_err(&r.species, format!("unknown shape_from {:?}", r.shape_from))
                })?;
                let shape = sources
                    .get(&shape_src)
                    .and_then(|m| m.get(&r.species))
                    .ok_or_else(|| {
                        data_err(
                            &r.species,
                            format!("{fname}: {} lacks the species", r.shape_from),
                        )
                    })?;
                let at = shape.props(T_REF);
                let dh = r.dfh298 - at.h;
                let ds = r.s298.map_or(0.0, |s| s - at.s);
                let mut phases = shape.phases.clone();
                for p in &mut phases {
                    p.shift(dh, ds);
                }
                let mut tables = vec![format!(
                    "{} (dfH298{})",
                    r.table,
                    if r.s298.is_some() { ", S298" } else { "" }
                )];
                tables.extend(
                    shape
                        .provenance
                        .tables
                        .iter()
                        .map(|t| format!("Cp shape from {}: {t}", r.shape_from)),
                );
                let mut notes = Vec::new();
                if r.s298.is_none() {
                    notes.push(format!(
                        "{asrc} gives no S298: S(T) of {} kept",
                        r.shape_from
                    ));
                }
                if let Some(cp) = r.cp298 {
                    notes.push(format!(
                        "{asrc} Cp298 {cp} J/(mol K); shape Cp298 {:.2} J/(mol K)",
                        at.cp
                    ));
                }
                let mut flags: Vec<String> = r.flag.iter().cloned().collect();
                flags.extend(shape.provenance.flags.iter().cloned());
                let prov = Provenance {
                    source: asrc,
                    tables,
                    versions: vec![r.version.clone()],
                    notes,
                    flags,
                    fit: None,
                    default_use: r.use_in_set,
                };
                if r.source != asrc.label() {
                    return Err(data_err(
                        &r.species,
                        format!("{fname}: record with source {:?}", r.source),
                    ));
                }
                let sp = SpeciesThermo {
                    name: r.species.clone(),
                    phases,
                    provenance: prov,
                };
                super::validate::check_species(&sp)?;
                crc_map.insert(r.species.clone(), sp);
            }
            sources.insert(asrc, crc_map);
        }
        Ok(ThermoDb { sources })
    }

    /// The species of one source, if it has it (including records not used by default).
    pub fn species_in(&self, source: Source, name: &str) -> Option<&SpeciesThermo> {
        self.sources.get(&source)?.get(name)
    }

    /// Every species name known to any source, sorted.
    pub fn species_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .sources
            .values()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in it {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

/// Run configuration: which data set, and per-species source overrides (the §6 variants,
/// e.g. `{"NdF3": "CRC-298"}` for ΔfH(NdF3) = −1657 kJ/mol in an otherwise FREED-derived run).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThermoConfig {
    /// The data set (default `"FREED-derived"`).
    #[serde(default)]
    pub data_set: DataSetName,
    /// Species → source overrides (default none).
    #[serde(default)]
    pub overrides: BTreeMap<String, Source>,
}

/// A data set ready to use: the embedded database seen through one priority list.
#[derive(Debug, Clone)]
pub struct ThermoSet {
    db: &'static ThermoDb,
    name: DataSetName,
    overrides: BTreeMap<String, Source>,
    /// species name -> the record the set uses (rebuilt on every override)
    resolved: BTreeMap<String, &'static SpeciesThermo>,
}

impl ThermoSet {
    /// The named data set without overrides.
    ///
    /// # Errors
    /// If the embedded data fail to load (see [`ThermoDb::builtin`]).
    pub fn new(name: DataSetName) -> Result<ThermoSet, MaterialError> {
        let mut set = ThermoSet {
            db: ThermoDb::builtin()?,
            name,
            overrides: BTreeMap::new(),
            resolved: BTreeMap::new(),
        };
        set.rebuild();
        Ok(set)
    }

    /// From a run configuration; checks that every override names a source holding the species.
    ///
    /// # Errors
    /// [`MaterialError::UnknownSpecies`] for an override the source cannot serve.
    pub fn from_config(cfg: &ThermoConfig) -> Result<ThermoSet, MaterialError> {
        let mut set = ThermoSet::new(cfg.data_set)?;
        for (sp, src) in &cfg.overrides {
            set = set.with_source(sp, *src)?;
        }
        Ok(set)
    }

    /// Take `species` from `source` in this set (a selectable variant).
    ///
    /// # Errors
    /// [`MaterialError::UnknownSpecies`] if `source` has no record for `species`.
    pub fn with_source(
        mut self,
        species: &str,
        source: Source,
    ) -> Result<ThermoSet, MaterialError> {
        if self.db.species_in(source, species).is_none() {
            return Err(MaterialError::UnknownSpecies {
                species: species.to_string(),
                data_set: format!("source {source}"),
            });
        }
        self.overrides.insert(species.to_string(), source);
        self.rebuild();
        Ok(self)
    }

    fn rebuild(&mut self) {
        let db = self.db;
        let mut map = BTreeMap::new();
        for n in db.species_names() {
            if let Ok(c) = self.choice(n)
                && let Some(sp) = db.species_in(c.source, n)
            {
                map.insert(n.to_string(), sp);
            }
        }
        self.resolved = map;
    }

    /// The data set's name.
    pub fn name(&self) -> DataSetName {
        self.name
    }

    /// The database behind the set.
    pub fn db(&self) -> &'static ThermoDb {
        self.db
    }

    /// Which source serves `species`, and the fallback path.
    ///
    /// # Errors
    /// [`MaterialError::UnknownSpecies`] if no source of the set has it.
    pub fn choice(&self, species: &str) -> Result<SourceChoice, MaterialError> {
        let name = self.resolve(species)?;
        if let Some(&src) = self.overrides.get(name) {
            return Ok(SourceChoice {
                species: name.to_string(),
                data_set: self.name,
                source: src,
                skipped: vec![],
                overridden: true,
            });
        }
        let mut skipped = Vec::new();
        for &src in self.name.priority() {
            match self.db.species_in(src, name) {
                Some(sp) if sp.provenance.default_use => {
                    return Ok(SourceChoice {
                        species: name.to_string(),
                        data_set: self.name,
                        source: src,
                        skipped,
                        overridden: false,
                    });
                }
                _ => skipped.push(src),
            }
        }
        Err(MaterialError::UnknownSpecies {
            species: species.to_string(),
            data_set: self.name.label().to_string(),
        })
    }

    /// The species' thermochemistry in this set.
    ///
    /// Names: condensed species plain (`"Ca"`, `"NdF3"`), gases of the same formula with
    /// `"(g)"` (`"Ca(g)"`, `"H2O(g)"`), gaseous elements and molecules plain (`"O2"`, `"CF4"`);
    /// a trailing `"(s)"`, `"(cr)"`, `"(l)"` is ignored and `"O2(g)"` finds `"O2"`.
    ///
    /// # Errors
    /// [`MaterialError::UnknownSpecies`] if no source of the set has it.
    pub fn species(&self, species: &str) -> Result<&'static SpeciesThermo, MaterialError> {
        if let Some(sp) = self.resolved.get(species) {
            return Ok(sp);
        }
        let c = self.choice(species)?;
        self.db
            .species_in(c.source, &c.species)
            .ok_or_else(|| MaterialError::UnknownSpecies {
                species: species.to_string(),
                data_set: self.name.label().to_string(),
            })
    }

    /// Source choice for every species the set can serve, sorted by name.
    pub fn report(&self) -> Vec<SourceChoice> {
        self.db
            .species_names()
            .into_iter()
            .filter_map(|n| self.choice(n).ok())
            .collect()
    }

    fn resolve<'a>(&self, species: &'a str) -> Result<&'a str, MaterialError> {
        let known = |n: &str| self.db.sources.values().any(|m| m.contains_key(n));
        if known(species) {
            return Ok(species);
        }
        for suffix in ["(s)", "(cr)", "(l)", "(g)"] {
            if let Some(body) = species.strip_suffix(suffix)
                && known(body)
                && (suffix != "(g)"
                    || self.db.sources.values().any(|m| {
                        m.get(body)
                            .is_some_and(|s| s.phases.iter().all(|p| p.state == super::State::Gas))
                    }))
            {
                return Ok(body);
            }
        }
        Err(MaterialError::UnknownSpecies {
            species: species.to_string(),
            data_set: self.name.label().to_string(),
        })
    }
}
