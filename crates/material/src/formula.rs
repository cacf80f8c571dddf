//! Chemical formulas: parsing, element counts, molar mass, canonical display.
//!
//! Science reference: `docs/science/material.md`, §2 (eqs. F-1, F-2).
//!
//! # Syntax
//!
//! ```text
//! formula  := part ( SEP coeff? part )* charge? phase?
//! part     := item+
//! item     := ELEMENT number? | "(" part ")" number? | "[" part "]" number?
//! number   := DIGITS ( "." DIGITS )?          (non-integer stoichiometry allowed, > 0)
//! SEP      := "·" (U+00B7) | "•" | "∙" | "*"  (hydrate / adduct separator: "CaCl2·2H2O")
//! charge   := "[" n? sign "]" | "[" sign n "]" | "^" n? sign | "^" sign n | sign n | sign+
//! phase    := "(s)" | "(cr)" | "(l)" | "(g)" | "(aq)" | "(org)"
//! ```
//!
//! - Only real element symbols of [`Element`] are allowed (case-sensitive: `Co` is cobalt, `CO`
//!   carbon monoxide). Abbreviations such as `HA` or `RE` are not: write the extractant out,
//!   e.g. D2EHPA `(C16H35O4P)`, its dimer `(C16H35O4P)2`.
//! - Brackets `()` and `[]` nest to any depth; they must match.
//! - `.` is **only** a decimal point (with digits on both sides): `"PrO1.833"`. It is never a
//!   hydrate separator, because `"CuSO4.5H2O"` would be ambiguous; use `·` or `*`.
//! - Charges: `"Nd+3"`, `"Nd[3+]"`, `"Nd^3+"`, `"SO4-2"`, `"SO4[2-]"`, `"H+"`, `"OH-"`,
//!   `"Fe++"`. A bare sign right after a number (`"Nd3+"`, `"NO3-"`) is ambiguous (is `3`
//!   the stoichiometry or the charge?) and is rejected with an error that shows both readings.
//!   The electron is `"e-"` (no elements, charge −1).
//! - Phase suffix, lower case, at the very end: `"NdF3(s)"`, `"Nd[3+](aq)"`. It is stored
//!   separately ([`Formula::phase`]) and does not change the counts.
//! - No whitespace inside a formula (leading/trailing whitespace is trimmed).
//!
//! # Canonical form
//!
//! [`Formula`]'s `Display` writes the formula **in input order**, with groups kept, counts of 1
//! omitted, numbers in Rust's shortest round-trip form, the hydrate separator as `·`, the charge
//! as `[n+]`/`[n-]` (`[+]`/`[-]` for ±1) and the phase suffix: `"CaCl2*2H2O"` displays as
//! `"CaCl2·2H2O"`, `"Nd+3(aq)"` as `"Nd[3+](aq)"`. Parsing the display gives a bit-identical
//! formula. Equality, ordering and hashing of `Formula` are those of this canonical string (so
//! `"Fe14Nd2B"` and `"Nd2Fe14B"` are different species with equal counts; compare
//! [`Formula::counts`] or [`Formula::hill`] for composition identity).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::element::Element;
use crate::error::MaterialError;
use crate::vector::ElementVector;

/// Physical state suffix of a species.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// `(s)`: solid, form unspecified.
    Solid,
    /// `(cr)`: crystalline solid.
    Crystal,
    /// `(l)`: liquid.
    Liquid,
    /// `(g)`: gas.
    Gas,
    /// `(aq)`: in aqueous solution.
    Aqueous,
    /// `(org)`: in an organic (solvent-extraction) phase.
    Organic,
}

impl Phase {
    /// The suffix text without parentheses (`"s"`, `"cr"`, `"l"`, `"g"`, `"aq"`, `"org"`).
    pub const fn suffix(self) -> &'static str {
        match self {
            Phase::Solid => "s",
            Phase::Crystal => "cr",
            Phase::Liquid => "l",
            Phase::Gas => "g",
            Phase::Aqueous => "aq",
            Phase::Organic => "org",
        }
    }

    fn from_suffix(s: &str) -> Option<Phase> {
        Some(match s {
            "s" => Phase::Solid,
            "cr" => Phase::Crystal,
            "l" => Phase::Liquid,
            "g" => Phase::Gas,
            "aq" => Phase::Aqueous,
            "org" => Phase::Organic,
            _ => return None,
        })
    }
}

/// A parsed chemical formula (a species): element counts, charge and optional phase.
///
/// See the [module documentation](self) for the syntax and the canonical form.
///
/// ```
/// use repm_material::{Element, Formula};
/// let f = Formula::parse("Nd2Fe14B")?;
/// assert_eq!(f.counts()[Element::Fe], 14.0);
/// assert!((f.molar_mass() - 1.081124).abs() < 1e-12); // [kg/mol]
/// assert_eq!(Formula::parse("CaCl2*2H2O")?.to_string(), "CaCl2·2H2O");
/// # Ok::<(), repm_material::MaterialError>(())
/// ```
///
/// Cloning is cheap (a reference count): lots clone their species keys on every split and mix.
#[derive(Clone)]
pub struct Formula(Arc<FormulaData>);

/// The parsed data behind a [`Formula`] (shared, immutable).
#[derive(Clone)]
struct FormulaData {
    text: String,
    /// The nonzero entries of `counts`, in element order (lots sum these per species).
    nonzero: Box<[(Element, f64)]>,
    body_len: usize,
    counts: ElementVector,
    /// Cached Σ counts × molar masses \[kg·mol⁻¹\].
    molar_mass: f64,
    charge: i32,
    phase: Option<Phase>,
}

impl Formula {
    fn from_data(mut data: FormulaData) -> Formula {
        data.nonzero = data.counts.iter_nonzero().collect();
        Formula(Arc::new(data))
    }

    /// The nonzero element counts \[mol element per mol formula\], in element order.
    pub fn nonzero_counts(&self) -> &[(Element, f64)] {
        &self.0.nonzero
    }

    /// Parse a formula. Errors are [`MaterialError::Formula`] with the position of the
    /// offending character.
    pub fn parse(input: &str) -> Result<Formula, MaterialError> {
        Parser::new(input).parse()
    }

    /// The single-element species of `element` (e.g. `"Nd"`), neutral, no phase.
    pub fn element(element: Element) -> Formula {
        let mut counts = ElementVector::zeros();
        counts[element] = 1.0;
        let text = element.symbol().to_string();
        Formula::from_data(FormulaData {
            nonzero: Box::default(),
            body_len: text.len(),
            text,
            molar_mass: element.molar_mass(),
            counts,
            charge: 0,
            phase: None,
        })
    }

    /// A formula with the given element counts \[-\] (atoms per formula unit) and charge,
    /// written in Hill order (e.g. a mixed oxide from an analysis). Counts must be finite and
    /// >= 0, not all zero.
    pub fn from_counts(counts: &ElementVector, charge: i32) -> Result<Formula, MaterialError> {
        if let Some((e, c)) = counts.first_invalid() {
            return Err(MaterialError::invalid(
                format!("count of {e}"),
                c,
                "must be finite and >= 0",
            ));
        }
        if counts.is_zero() {
            return Err(MaterialError::composition(
                "a formula needs at least one element",
            ));
        }
        let mut counts_hill = Formula::from_data(FormulaData {
            nonzero: Box::default(),
            text: String::new(),
            body_len: 0,
            counts: *counts,
            molar_mass: 0.0,
            charge: 0,
            phase: None,
        })
        .hill();
        counts_hill = render(&counts_hill, charge, None);
        Formula::parse(&counts_hill)
    }

    /// Element counts \[mol element per mol formula\].
    pub fn counts(&self) -> &ElementVector {
        &self.0.counts
    }

    /// Molar mass \[kg·mol⁻¹\] (sum of counts × IUPAC molar masses; electron mass neglected).
    pub fn molar_mass(&self) -> f64 {
        self.0.molar_mass
    }

    /// Mass fraction of `element` in this species \[kg·kg⁻¹\] (0 for the electron).
    pub fn mass_fraction(&self, element: Element) -> f64 {
        let m = self.molar_mass();
        if m > 0.0 {
            self.0.counts[element] * element.molar_mass() / m
        } else {
            0.0
        }
    }

    /// Charge number z \[-\] (e.g. +3 for `"Nd+3"`, −1 for `"e-"`).
    pub fn charge(&self) -> i32 {
        self.0.charge
    }

    /// Phase suffix, if one was given.
    pub fn phase(&self) -> Option<Phase> {
        self.0.phase
    }

    /// The canonical text (same as `Display`).
    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// The canonical text without charge and phase suffix.
    pub fn body(&self) -> &str {
        &self.0.text[..self.0.body_len]
    }

    /// The same species with another phase suffix (or none).
    pub fn with_phase(&self, phase: Option<Phase>) -> Formula {
        let mut f = (*self.0).clone();
        f.phase = phase;
        f.text = render(self.body(), f.charge, phase);
        Formula::from_data(f)
    }

    /// True if this is the electron `e-`.
    pub fn is_electron(&self) -> bool {
        self.0.counts.is_zero() && self.0.charge == -1
    }

    /// The composition in Hill order (C, then H, then the others alphabetically; if there is no
    /// carbon, all alphabetically), counts of 1 omitted, charge and phase dropped:
    /// `"Nd2Fe14B"` → `"BFe14Nd2"`. Two formulas with equal counts have equal Hill strings.
    pub fn hill(&self) -> String {
        let mut els: Vec<(Element, f64)> = self.0.counts.iter_nonzero().collect();
        let has_c = self.0.counts[Element::C] != 0.0;
        els.sort_by(|a, b| {
            let key = |e: Element| -> (u8, &'static str) {
                if has_c && e == Element::C {
                    (0, "")
                } else if has_c && e == Element::H {
                    (1, "")
                } else {
                    (2, e.symbol())
                }
            };
            key(a.0).cmp(&key(b.0))
        });
        let mut s = String::new();
        for (e, n) in els {
            s.push_str(e.symbol());
            push_number(&mut s, n);
        }
        s
    }
}

fn push_number(s: &mut String, n: f64) {
    #[allow(clippy::float_cmp)] // a count of exactly 1 is omitted; 1.0000001 is written
    if n != 1.0 {
        s.push_str(&format!("{n}"));
    }
}

fn render(body: &str, charge: i32, phase: Option<Phase>) -> String {
    let mut s = body.to_string();
    if charge != 0 {
        s.push('[');
        if charge.unsigned_abs() != 1 {
            s.push_str(&charge.unsigned_abs().to_string());
        }
        s.push(if charge > 0 { '+' } else { '-' });
        s.push(']');
    }
    if let Some(p) = phase {
        s.push('(');
        s.push_str(p.suffix());
        s.push(')');
    }
    s
}

impl PartialEq for Formula {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.text == other.0.text
    }
}
impl Eq for Formula {}
impl PartialOrd for Formula {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Formula {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.text.cmp(&other.0.text)
    }
}
impl std::hash::Hash for Formula {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.text.hash(state);
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl fmt::Debug for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Formula({:?})", self.0.text)
    }
}

impl FromStr for Formula {
    type Err = MaterialError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Formula::parse(s)
    }
}

impl From<Element> for Formula {
    fn from(e: Element) -> Self {
        Formula::element(e)
    }
}

impl Serialize for Formula {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.text)
    }
}

impl<'de> Deserialize<'de> for Formula {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Formula::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ------------------------------------------------------------------------------------------
// Parser

#[derive(Debug)]
enum Item {
    Atom(Element, f64),
    Group {
        open: char,
        items: Vec<Item>,
        mult: f64,
    },
}

struct Parser<'a> {
    input: &'a str,
    chars: Vec<char>,
    pos: usize,
}

fn is_sep(c: char) -> bool {
    matches!(c, '·' | '•' | '∙' | '*')
}

fn closing(open: char) -> char {
    if open == '(' { ')' } else { ']' }
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Parser {
            input,
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn err(&self, position: usize, message: impl Into<String>) -> MaterialError {
        MaterialError::Formula {
            input: self.input.to_string(),
            position,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn parse(mut self) -> Result<Formula, MaterialError> {
        // Trim whitespace but keep positions relative to the original input.
        let mut end = self.chars.len();
        while end > 0 && self.chars[end - 1].is_whitespace() {
            end -= 1;
        }
        while self.pos < end && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
        self.chars.truncate(end);
        if self.pos >= end {
            return Err(self.err(self.pos, "empty formula"));
        }

        // The electron.
        if self.peek() == Some('e') {
            let start = self.pos;
            self.pos += 1;
            let charge = self.parse_charge(start)?;
            let phase = self.parse_phase()?;
            if charge != -1 {
                return Err(self.err(
                    start,
                    "lower-case 'e' is the electron and must be written \"e-\"",
                ));
            }
            self.expect_end()?;
            let text = render("e", -1, phase);
            return Ok(Formula::from_data(FormulaData {
                nonzero: Box::default(),
                text,
                body_len: 1,
                counts: ElementVector::zeros(),
                molar_mass: 0.0,
                charge: -1,
                phase,
            }));
        }

        let mut parts: Vec<(f64, Vec<Item>)> = Vec::new();
        loop {
            let coeff = if parts.is_empty() {
                1.0
            } else if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.parse_number()?
            } else {
                1.0
            };
            let start = self.pos;
            let items = self.parse_seq(None)?;
            if items.is_empty() {
                return Err(self.err(start, "expected an element symbol"));
            }
            parts.push((coeff, items));
            match self.peek() {
                Some(c) if is_sep(c) => {
                    self.pos += 1;
                }
                _ => break,
            }
        }

        let charge_start = self.pos;
        let charge = self.parse_charge(charge_start)?;
        let phase = self.parse_phase()?;
        self.expect_end()?;

        let mut counts = ElementVector::zeros();
        let mut body = String::new();
        for (i, (coeff, items)) in parts.iter().enumerate() {
            if i > 0 {
                body.push('·');
                push_number(&mut body, *coeff);
            }
            accumulate(items, *coeff, &mut counts);
            render_items(items, &mut body);
        }
        let body_len = body.len();
        Ok(Formula::from_data(FormulaData {
            nonzero: Box::default(),
            text: render(&body, charge, phase),
            body_len,
            molar_mass: counts.mass_of_amounts(),
            counts,
            charge,
            phase,
        }))
    }

    fn expect_end(&self) -> Result<(), MaterialError> {
        match self.peek() {
            None => Ok(()),
            Some(c) if c.is_whitespace() => {
                Err(self.err(self.pos, "whitespace inside a formula"))
            }
            Some('.') => Err(self.err(
                self.pos,
                "'.' is only a decimal point; use '·' or '*' to separate a hydrate (\"CaCl2·2H2O\")",
            )),
            Some(c) => Err(self.err(self.pos, format!("unexpected character {c:?}"))),
        }
    }

    /// Sequence of items until end, a separator, a charge, a phase suffix or the closing bracket.
    fn parse_seq(&mut self, close: Option<(char, usize)>) -> Result<Vec<Item>, MaterialError> {
        let mut items = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                if let Some((_, open_pos)) = close {
                    return Err(self.err(open_pos, "unclosed bracket"));
                }
                return Ok(items);
            };
            match c {
                'A'..='Z' => {
                    let start = self.pos;
                    let mut sym = String::from(c);
                    self.pos += 1;
                    if let Some(l) = self.peek().filter(|l| l.is_ascii_lowercase()) {
                        sym.push(l);
                        self.pos += 1;
                    }
                    let el = Element::from_symbol(&sym).ok_or_else(|| {
                        self.err(start, format!("unknown element {sym:?} (repm knows 52 elements; abbreviations such as HA are not formulas)"))
                    })?;
                    let n = self.parse_count()?;
                    items.push(Item::Atom(el, n));
                }
                '(' | '[' => {
                    let lower_next = self
                        .peek_at(self.pos + 1)
                        .is_some_and(|l| l.is_ascii_lowercase());
                    if close.is_none()
                        && (self.at_phase()
                            || (c == '(' && lower_next)
                            || (c == '[' && self.at_bracket_charge()))
                    {
                        return Ok(items);
                    }
                    let open_pos = self.pos;
                    self.pos += 1;
                    let inner = self.parse_seq(Some((closing(c), open_pos)))?;
                    if inner.is_empty() {
                        return Err(self.err(open_pos, "empty group"));
                    }
                    self.pos += 1; // the closing bracket, checked by parse_seq
                    let mult = self.parse_count()?;
                    items.push(Item::Group {
                        open: c,
                        items: inner,
                        mult,
                    });
                }
                ')' | ']' => {
                    return match close {
                        Some((want, _)) if want == c => Ok(items),
                        Some((want, _)) => Err(self.err(
                            self.pos,
                            format!("mismatched bracket: expected {want:?}, found {c:?}"),
                        )),
                        None => Err(self.err(self.pos, format!("unmatched closing bracket {c:?}"))),
                    };
                }
                '+' | '-' | '^' => {
                    if let Some((_, open_pos)) = close {
                        return Err(self.err(
                            self.pos,
                            format!("charge inside a group (group opened at character {open_pos})"),
                        ));
                    }
                    return Ok(items);
                }
                c if is_sep(c) => {
                    if let Some((_, _)) = close {
                        return Err(self.err(self.pos, "hydrate separator inside a group"));
                    }
                    return Ok(items);
                }
                'a'..='z' => {
                    return Err(self.err(
                        self.pos,
                        format!("unexpected lower-case {c:?}: element symbols start with an upper-case letter"),
                    ));
                }
                '0'..='9' => {
                    return Err(self.err(self.pos, "number without a preceding element or group"));
                }
                '.' => {
                    return Err(self.err(
                        self.pos,
                        "'.' is only a decimal point; use '·' or '*' to separate a hydrate (\"CaCl2·2H2O\")",
                    ));
                }
                c if c.is_whitespace() => {
                    return Err(self.err(self.pos, "whitespace inside a formula"));
                }
                c => return Err(self.err(self.pos, format!("unexpected character {c:?}"))),
            }
        }
    }

    /// Optional count after an element or group; 1 if absent.
    fn parse_count(&mut self) -> Result<f64, MaterialError> {
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.parse_number()
        } else {
            Ok(1.0)
        }
    }

    /// DIGITS ("." DIGITS)?, > 0 and finite.
    fn parse_number(&mut self) -> Result<f64, MaterialError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek() == Some('.') {
            if self
                .peek_at(self.pos + 1)
                .is_some_and(|c| c.is_ascii_digit())
            {
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                return Err(self.err(
                    self.pos,
                    "'.' must be followed by a digit (it is only a decimal point; use '·' or '*' for hydrates)",
                ));
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if text.contains('.') && self.chars[self.pos..].starts_with(&['H', '2', 'O']) {
            tracing::warn!(
                formula = self.input,
                "count {text} followed by H2O is read as a non-integer count; write '·' or '*' before a hydrate's water"
            );
        }
        let v: f64 = text
            .parse()
            .map_err(|_| self.err(start, format!("bad number {text:?}")))?;
        if !(v > 0.0 && v.is_finite()) {
            return Err(self.err(start, format!("count must be positive, found {text:?}")));
        }
        Ok(v)
    }

    fn at_phase(&self) -> bool {
        if self.peek() != Some('(') {
            return false;
        }
        let rest: String = self.chars[self.pos + 1..].iter().collect();
        match rest.find(')') {
            Some(i) => i + 1 == rest.len() && Phase::from_suffix(&rest[..i]).is_some(),
            None => false,
        }
    }

    fn at_bracket_charge(&self) -> bool {
        let rest: String = self.chars[self.pos + 1..].iter().collect();
        let Some(i) = rest.find(']') else {
            return false;
        };
        let inner = &rest[..i];
        !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == '-')
            && inner.chars().any(|c| c == '+' || c == '-')
    }

    fn parse_phase(&mut self) -> Result<Option<Phase>, MaterialError> {
        if !self.at_phase() {
            if self.peek() == Some('(') {
                return Err(self.err(
                    self.pos,
                    "unknown phase suffix (expected (s), (cr), (l), (g), (aq) or (org))",
                ));
            }
            return Ok(None);
        }
        let rest: String = self.chars[self.pos + 1..].iter().collect();
        let i = rest.find(')').unwrap_or(rest.len());
        let p = Phase::from_suffix(&rest[..i]);
        self.pos = self.chars.len();
        Ok(p)
    }

    /// Parse a charge suffix starting at the current position; 0 if there is none.
    /// `start` is where the charge text starts (for error positions).
    fn parse_charge(&mut self, start: usize) -> Result<i32, MaterialError> {
        let prev_is_digit = self.pos > 0 && self.chars[self.pos - 1].is_ascii_digit();
        match self.peek() {
            Some('[') if self.at_bracket_charge() => {
                self.pos += 1;
                let z = self.parse_charge_core(start, true)?;
                if self.peek() != Some(']') {
                    return Err(self.err(self.pos, "expected ']' after the charge"));
                }
                self.pos += 1;
                Ok(z)
            }
            Some('^') => {
                self.pos += 1;
                self.parse_charge_core(start, true)
            }
            Some('+') | Some('-') => {
                // sign followed by digits: "+3"; or one or more signs: "+", "++".
                let sign_pos = self.pos;
                let sign = self.chars[sign_pos];
                let mut n = 0;
                while self.peek() == Some(sign) {
                    self.pos += 1;
                    n += 1;
                }
                if n == 1 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    let mag = self.parse_int()?;
                    return Ok(if sign == '+' { mag } else { -mag });
                }
                if prev_is_digit {
                    let body: String = self.chars[..sign_pos].iter().collect();
                    return Err(self.err(
                        sign_pos,
                        format!(
                            "ambiguous charge: a bare sign after a number; write {b}{s}1 or {b}[{s}] if the number is a count, or put the charge magnitude after the sign (e.g. Nd+3, Nd[3+])",
                            b = body.trim(),
                            s = sign
                        ),
                    ));
                }
                Ok(if sign == '+' { n } else { -n })
            }
            _ => Ok(0),
        }
    }

    /// Inside `[..]` or after `^`: `n sign`, `sign n`, or `sign`.
    fn parse_charge_core(&mut self, start: usize, _bracket: bool) -> Result<i32, MaterialError> {
        let mag_first = if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            Some(self.parse_int()?)
        } else {
            None
        };
        let sign = match self.peek() {
            Some('+') => 1,
            Some('-') => -1,
            _ => return Err(self.err(self.pos, "expected '+' or '-' in the charge")),
        };
        self.pos += 1;
        let mag = match mag_first {
            Some(m) => m,
            None if self.peek().is_some_and(|c| c.is_ascii_digit()) => self.parse_int()?,
            None => 1,
        };
        if mag == 0 {
            return Err(self.err(start, "charge magnitude 0"));
        }
        Ok(sign * mag)
    }

    fn parse_int(&mut self) -> Result<i32, MaterialError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let v: i32 = text
            .parse()
            .map_err(|_| self.err(start, format!("bad charge {text:?}")))?;
        if v == 0 {
            return Err(self.err(start, "charge magnitude 0"));
        }
        Ok(v)
    }
}

fn accumulate(items: &[Item], mult: f64, counts: &mut ElementVector) {
    for it in items {
        match it {
            Item::Atom(e, n) => counts[*e] += n * mult,
            Item::Group { items, mult: m, .. } => accumulate(items, mult * m, counts),
        }
    }
}

fn render_items(items: &[Item], s: &mut String) {
    for it in items {
        match it {
            Item::Atom(e, n) => {
                s.push_str(e.symbol());
                push_number(s, *n);
            }
            Item::Group { open, items, mult } => {
                s.push(*open);
                render_items(items, s);
                s.push(closing(*open));
                push_number(s, *mult);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact small integers and copies are compared exactly on purpose
mod tests {
    use super::*;

    fn pos(input: &str) -> usize {
        match Formula::parse(input) {
            Err(MaterialError::Formula { position, .. }) => position,
            other => panic!("expected a formula error for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn basics() {
        let f = Formula::parse("Nd2Fe14B").unwrap();
        assert_eq!(f.counts()[Element::Nd], 2.0);
        assert_eq!(f.counts()[Element::Fe], 14.0);
        assert_eq!(f.counts()[Element::B], 1.0);
        assert_eq!(f.to_string(), "Nd2Fe14B");
        assert_eq!(f.hill(), "BFe14Nd2");
        let h = Formula::parse("CaCl2*2H2O").unwrap();
        assert_eq!(h.to_string(), "CaCl2·2H2O");
        assert_eq!(h.counts()[Element::H], 4.0);
        assert_eq!(h.counts()[Element::O], 2.0);
        assert_eq!(h, Formula::parse("CaCl2·2H2O").unwrap());
    }

    #[test]
    fn groups_and_decimals() {
        let f = Formula::parse("Nd((C16H34O4P)(C16H35O4P))3").unwrap();
        assert_eq!(f.counts()[Element::C], 96.0);
        assert_eq!(f.counts()[Element::H], 3.0 * 69.0);
        let f = Formula::parse("[Co(NH3)6]Cl3").unwrap();
        assert_eq!(f.counts()[Element::H], 18.0);
        assert_eq!(f.to_string(), "[Co(NH3)6]Cl3");
        let f = Formula::parse("PrO1.833").unwrap();
        assert!((f.counts()[Element::O] - 1.833).abs() < 1e-15);
        let f = Formula::parse("Nd2Fe14BH2.7").unwrap();
        assert!((f.counts()[Element::H] - 2.7).abs() < 1e-15);
    }

    #[test]
    fn charges_and_phases() {
        for (s, z, canon) in [
            ("Nd+3", 3, "Nd[3+]"),
            ("Nd[3+]", 3, "Nd[3+]"),
            ("Nd[+3]", 3, "Nd[3+]"),
            ("Nd^3+", 3, "Nd[3+]"),
            ("SO4-2", -2, "SO4[2-]"),
            ("SO4[2-]", -2, "SO4[2-]"),
            ("H+", 1, "H[+]"),
            ("OH-", -1, "OH[-]"),
            ("Fe++", 2, "Fe[2+]"),
            ("NO3[-]", -1, "NO3[-]"),
            ("e-", -1, "e[-]"),
        ] {
            let f = Formula::parse(s).unwrap();
            assert_eq!(f.charge(), z, "{s}");
            assert_eq!(f.to_string(), canon, "{s}");
            assert_eq!(Formula::parse(canon).unwrap(), f);
        }
        let f = Formula::parse("Nd+3(aq)").unwrap();
        assert_eq!(f.phase(), Some(Phase::Aqueous));
        assert_eq!(f.to_string(), "Nd[3+](aq)");
        let f = Formula::parse("NdF3(s)").unwrap();
        assert_eq!(f.phase(), Some(Phase::Solid));
        assert_eq!(f.body(), "NdF3");
        assert_eq!(f.with_phase(None).to_string(), "NdF3");
        // (S) is a sulfur group, not a phase
        assert_eq!(Formula::parse("Fe(S)2").unwrap().counts()[Element::S], 2.0);
    }

    #[test]
    fn error_positions() {
        assert_eq!(pos("NdXx3"), 2);
        assert_eq!(pos("Nd2Fe14Q"), 7);
        assert_eq!(pos("nd"), 0);
        assert_eq!(pos("Nd(F3"), 2);
        assert_eq!(pos("NdF3)"), 4);
        assert_eq!(pos("Nd(F3]"), 5);
        assert_eq!(pos("Nd3+"), 3);
        assert_eq!(pos(""), 0);
        assert_eq!(pos("NdF0"), 3);
        assert_eq!(pos("Nd F3"), 2);
        assert_eq!(pos("(HA)2"), 2); // H is hydrogen, A is unknown
        assert_eq!(pos("NdF3(x)"), 4);
        assert_eq!(pos("Nd()"), 2);
        assert_eq!(pos("CaCl2."), 5);
    }

    #[test]
    fn from_counts_uses_hill_order() {
        let f = Formula::parse("Nd2Fe14B").unwrap();
        let g = Formula::from_counts(f.counts(), 0).unwrap();
        assert_eq!(g.to_string(), "BFe14Nd2");
        assert_eq!(g.counts(), f.counts());
        let h = Formula::from_counts(Formula::parse("C16H35O4P").unwrap().counts(), -1).unwrap();
        assert_eq!(h.to_string(), "C16H35O4P[-]");
        assert!(Formula::from_counts(&ElementVector::zeros(), 0).is_err());
        assert!(Formula::from_counts(&ElementVector::unit(Element::O, -1.0), 0).is_err());
    }

    #[test]
    fn dot_is_a_decimal_point() {
        // Documented: "." is a decimal point, so this is O4.5 + H2O, not a pentahydrate.
        let f = Formula::parse("CuSO4.5H2O").unwrap();
        assert!((f.counts()[Element::O] - 5.5).abs() < 1e-15);
        let g = Formula::parse("CuSO4·5H2O").unwrap();
        assert_eq!(g.counts()[Element::O], 9.0);
    }

    #[test]
    fn caret_display() {
        let e = Formula::parse("Nd2Qe").unwrap_err();
        let s = e.to_string();
        assert!(s.contains("Nd2Qe\n     ^"), "{s}");
    }
}
