//! [`ElementVector`]: one f64 per element, the composition currency of repm.

use std::fmt;
use std::ops::{Add, AddAssign, Index, IndexMut, Mul, MulAssign, Neg, Sub, SubAssign};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::element::{Element, N_ELEMENTS};

/// A fixed-size vector with one value per [`Element`], indexed by `Element`.
///
/// What the values mean is up to the producer and is always documented there: element amounts
/// \[mol\] ([`crate::Lot::element_amounts`]), element masses \[kg\]
/// ([`crate::Lot::element_masses`]), atoms per formula unit \[-\] ([`crate::Formula::counts`]),
/// element molar flows \[mol·s⁻¹\], ...
///
/// Serialises as a map `{"Nd": 2.0, "Fe": 14.0, ...}` in element (Z) order, omitting exact zeros;
/// missing symbols deserialise to zero.
#[derive(Clone, Copy, PartialEq)]
pub struct ElementVector(pub [f64; N_ELEMENTS]);

impl ElementVector {
    /// All zeros.
    pub const fn zeros() -> Self {
        ElementVector([0.0; N_ELEMENTS])
    }

    /// A vector with `value` for `element` and zero elsewhere.
    pub fn unit(element: Element, value: f64) -> Self {
        let mut v = Self::zeros();
        v[element] = value;
        v
    }

    /// Build from `(element, value)` pairs; repeated elements are summed.
    pub fn from_pairs<I: IntoIterator<Item = (Element, f64)>>(pairs: I) -> Self {
        let mut v = Self::zeros();
        for (e, x) in pairs {
            v[e] += x;
        }
        v
    }

    /// The raw array in element-index order.
    pub const fn as_array(&self) -> &[f64; N_ELEMENTS] {
        &self.0
    }

    /// Iterator over all `(element, value)` pairs in index order (including zeros).
    pub fn iter(&self) -> impl Iterator<Item = (Element, f64)> + '_ {
        Element::ALL.iter().map(move |&e| (e, self.0[e.index()]))
    }

    /// Iterator over `(element, value)` pairs whose value is not exactly zero, in index order.
    pub fn iter_nonzero(&self) -> impl Iterator<Item = (Element, f64)> + '_ {
        self.iter().filter(|&(_, x)| x != 0.0)
    }

    /// Sum of all values.
    pub fn sum(&self) -> f64 {
        self.0.iter().sum()
    }

    /// True if every value is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&x| x == 0.0)
    }

    /// True if every value is finite.
    pub fn is_finite(&self) -> bool {
        self.0.iter().all(|x| x.is_finite())
    }

    /// The first element whose value is negative or NaN, with that value.
    pub fn first_invalid(&self) -> Option<(Element, f64)> {
        self.iter()
            .find(|&(_, x)| x.is_nan() || x < 0.0 || x.is_infinite())
    }

    /// Element-wise product (e.g. amounts \[mol\] × molar masses \[kg·mol⁻¹\]).
    pub fn hadamard(&self, other: &ElementVector) -> ElementVector {
        ElementVector(std::array::from_fn(|i| self.0[i] * other.0[i]))
    }

    /// Element-wise map.
    pub fn map(&self, f: impl Fn(Element, f64) -> f64) -> ElementVector {
        ElementVector(std::array::from_fn(|i| f(Element::ALL[i], self.0[i])))
    }

    /// Interpret `self` as element amounts \[mol\] and return element masses \[kg\].
    pub fn amounts_to_masses(&self) -> ElementVector {
        self.map(|e, n| n * e.molar_mass())
    }

    /// Interpret `self` as element masses \[kg\] and return element amounts \[mol\].
    pub fn masses_to_amounts(&self) -> ElementVector {
        self.map(|e, m| m / e.molar_mass())
    }

    /// Interpret `self` as amounts \[mol\] and return the total mass \[kg\].
    pub fn mass_of_amounts(&self) -> f64 {
        self.iter_nonzero().map(|(e, n)| n * e.molar_mass()).sum()
    }

    /// Fractions `x_i / Σx` (zero vector if the sum is zero).
    pub fn normalized(&self) -> ElementVector {
        let s = self.sum();
        if s == 0.0 { *self } else { *self * (1.0 / s) }
    }
}

impl Default for ElementVector {
    fn default() -> Self {
        Self::zeros()
    }
}

impl fmt::Debug for ElementVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter_nonzero().map(|(e, x)| (e.symbol(), x)))
            .finish()
    }
}

impl Index<Element> for ElementVector {
    type Output = f64;
    #[inline]
    fn index(&self, e: Element) -> &f64 {
        &self.0[e.index()]
    }
}

impl IndexMut<Element> for ElementVector {
    #[inline]
    fn index_mut(&mut self, e: Element) -> &mut f64 {
        &mut self.0[e.index()]
    }
}

macro_rules! elementwise {
    ($tr:ident, $m:ident, $tra:ident, $ma:ident, $op:tt) => {
        impl $tr for ElementVector {
            type Output = ElementVector;
            #[inline]
            fn $m(self, rhs: ElementVector) -> ElementVector {
                ElementVector(std::array::from_fn(|i| self.0[i] $op rhs.0[i]))
            }
        }
        impl $tr<&ElementVector> for &ElementVector {
            type Output = ElementVector;
            #[inline]
            fn $m(self, rhs: &ElementVector) -> ElementVector {
                ElementVector(std::array::from_fn(|i| self.0[i] $op rhs.0[i]))
            }
        }
        impl $tra for ElementVector {
            #[inline]
            fn $ma(&mut self, rhs: ElementVector) {
                for i in 0..N_ELEMENTS {
                    self.0[i] = self.0[i] $op rhs.0[i];
                }
            }
        }
        impl $tra<&ElementVector> for ElementVector {
            #[inline]
            fn $ma(&mut self, rhs: &ElementVector) {
                for i in 0..N_ELEMENTS {
                    self.0[i] = self.0[i] $op rhs.0[i];
                }
            }
        }
    };
}
elementwise!(Add, add, AddAssign, add_assign, +);
elementwise!(Sub, sub, SubAssign, sub_assign, -);

impl Mul<f64> for ElementVector {
    type Output = ElementVector;
    #[inline]
    fn mul(self, k: f64) -> ElementVector {
        ElementVector(self.0.map(|x| x * k))
    }
}

impl Mul<f64> for &ElementVector {
    type Output = ElementVector;
    #[inline]
    fn mul(self, k: f64) -> ElementVector {
        ElementVector(self.0.map(|x| x * k))
    }
}

impl Mul<ElementVector> for f64 {
    type Output = ElementVector;
    #[inline]
    fn mul(self, v: ElementVector) -> ElementVector {
        v * self
    }
}

impl MulAssign<f64> for ElementVector {
    #[inline]
    fn mul_assign(&mut self, k: f64) {
        for x in &mut self.0 {
            *x *= k;
        }
    }
}

impl Neg for ElementVector {
    type Output = ElementVector;
    fn neg(self) -> ElementVector {
        ElementVector(self.0.map(|x| -x))
    }
}

impl std::iter::Sum for ElementVector {
    fn sum<I: Iterator<Item = ElementVector>>(iter: I) -> Self {
        iter.fold(ElementVector::zeros(), |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a ElementVector> for ElementVector {
    fn sum<I: Iterator<Item = &'a ElementVector>>(iter: I) -> Self {
        iter.fold(ElementVector::zeros(), |a, b| a + *b)
    }
}

impl FromIterator<(Element, f64)> for ElementVector {
    fn from_iter<I: IntoIterator<Item = (Element, f64)>>(iter: I) -> Self {
        Self::from_pairs(iter)
    }
}

impl Serialize for ElementVector {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.iter_nonzero().count();
        let mut m = s.serialize_map(Some(n))?;
        for (e, x) in self.iter_nonzero() {
            m.serialize_entry(e.symbol(), &x)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for ElementVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ElementVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from element symbol to number")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ElementVector, A::Error> {
                let mut v = ElementVector::zeros();
                while let Some((k, x)) = map.next_entry::<Element, f64>()? {
                    v[k] += x;
                }
                Ok(v)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact small integers and copies are compared exactly on purpose
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_iter() {
        let a = ElementVector::unit(Element::Nd, 2.0);
        let b = ElementVector::from_pairs([(Element::Fe, 14.0), (Element::B, 1.0)]);
        let c = a + b;
        assert_eq!(c.iter_nonzero().count(), 3);
        assert!((c.sum() - 17.0).abs() < 1e-15);
        let d = c * 2.0 - c;
        assert_eq!(d, c);
        let syms: Vec<_> = c.iter_nonzero().map(|(e, _)| e.symbol()).collect();
        assert_eq!(syms, ["B", "Fe", "Nd"]);
    }
}
