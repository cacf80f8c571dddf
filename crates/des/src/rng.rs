//! Reproducible random-number streams: one [`ChaCha8Rng`] per (seed, replication, named source).
//!
//! # Scheme (fixed; changing it changes every result, and `tests::pinned_first_outputs` fails)
//!
//! * **Key** (32 bytes) from (seed, replication): four 64-bit words, little-endian,
//!   `k0 = mix(seed ⊕ C0)`, `k1 = mix(replication ⊕ C1)`, `k2 = mix(seed ⊕ C2)`,
//!   `k3 = mix(replication ⊕ C3)`, where `mix` is the SplitMix64 finaliser (a bijection of
//!   `u64`; Steele, Lea & Flood 2014) and C0..C3 are the constants below. Because `mix` is a
//!   bijection, distinct (seed, replication) pairs give distinct keys.
//! * **Stream id** (ChaCha's 64-bit nonce) = FNV-1a 64 hash of the source name's UTF-8 bytes
//!   (offset basis 0xcbf29ce484222325, prime 0x100000001b3). ChaCha streams with the same key
//!   and different nonces are independent by construction of the cipher.
//! * The generator starts at word position 0.
//!
//! So the stream of a source depends only on (seed, replication, name): two scenarios that
//! share a source name share its random numbers (common random numbers), whatever other
//! sources exist or in which order they are created. `std`'s `DefaultHasher` is not used
//! because its output is not guaranteed stable across Rust releases.

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng;

/// Constants XOR-ed into the key words before mixing (fractional digits of π, e and √2, and
/// the golden ratio), so that `seed` and `replication` land in different words even if equal.
const C: [u64; 4] = [
    0x243F_6A88_85A3_08D3,
    0xB7E1_5162_8AED_2A6A,
    0x6A09_E667_F3BC_C908,
    0x9E37_79B9_7F4A_7C15,
];

/// The SplitMix64 output finaliser (Steele, Lea & Flood 2014, doi:10.1145/2660193.2660195).
#[inline]
pub const fn splitmix64_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64-bit hash of `bytes` (Fowler, Noll & Vo), the stream id of a named source.
#[inline]
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// The 32-byte ChaCha key of (seed, replication).
pub fn stream_key(seed: u64, replication: u64) -> [u8; 32] {
    let words = [
        splitmix64_mix(seed ^ C[0]),
        splitmix64_mix(replication ^ C[1]),
        splitmix64_mix(seed ^ C[2]),
        splitmix64_mix(replication ^ C[3]),
    ];
    let mut key = [0u8; 32];
    for (chunk, w) in key.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    key
}

/// The random stream of source `name` in replication `replication` of a run with `seed`.
///
/// ```
/// use rand::Rng;
/// use repm_des::rng::stream;
/// let mut a = stream(42, 0, "press");
/// let mut b = stream(42, 0, "press");
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn stream(seed: u64, replication: u64, name: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(stream_key(seed, replication));
    rng.set_stream(fnv1a64(name.as_bytes()));
    rng
}

/// Factory of the streams of one replication: remembers (seed, replication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Streams {
    /// Master seed of the experiment.
    pub seed: u64,
    /// Replication index (0, 1, …).
    pub replication: u64,
}

impl Streams {
    /// Streams of replication `replication` under `seed`.
    pub fn new(seed: u64, replication: u64) -> Self {
        Streams { seed, replication }
    }

    /// The stream of source `name` (see the module docs for the scheme).
    pub fn stream(&self, name: &str) -> ChaCha8Rng {
        stream(self.seed, self.replication, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn fnv_reference_values() {
        // Reference values of FNV-1a 64 (Fowler/Noll/Vo test suite): "" and "a".
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn pinned_first_outputs() {
        // Recorded once from this implementation; a change means the stream scheme changed,
        // which silently changes every published result. Update only deliberately.
        let mut r = stream(42, 0, "arrivals");
        let got: Vec<u64> = (0..3).map(|_| r.random::<u64>()).collect();
        assert_eq!(got, PINNED);
    }

    const PINNED: [u64; 3] = [
        5_992_885_168_968_091_041,
        3_053_207_409_345_224_717,
        16_309_094_990_171_924_486,
    ];

    #[test]
    fn streams_differ_by_name_replication_seed() {
        let first = |s, r, n| stream(s, r, n).random::<u64>();
        let base = first(1, 0, "a");
        assert_ne!(base, first(1, 0, "b"));
        assert_ne!(base, first(1, 1, "a"));
        assert_ne!(base, first(2, 0, "a"));
        // seed/replication swap does not collide.
        assert_ne!(first(3, 5, "a"), first(5, 3, "a"));
        assert_eq!(base, Streams::new(1, 0).stream("a").random::<u64>());
    }

    #[test]
    fn uniform_mean_is_sane() {
        let mut r = stream(7, 3, "u");
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| r.random::<f64>()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
    }
}
