//! Buffer of discrete items with a capacity: full blocks upstream, empty starves downstream.
//!
//! [`Store`] is a FIFO buffer a model owns (like [`crate::resource::Resource`]). A put into a
//! full store hands the item back ([`Put::Full`]) — the upstream step keeps it and is
//! *blocked* until the owning model sees space again; a get from an empty store returns `None`
//! — the downstream step is *starved*. The owning model, which sees every put and get, wakes
//! the blocked or starved step; the store counts refusals so blocking and starving can be
//! reported. The time-average level (WIP in the buffer) is kept.
//! See `docs/science/des.md`, §13 "Plant building blocks".
//!
//! ```
//! use repm_des::store::{Put, Store};
//! use repm_des::SimTime;
//! let mut buf = Store::new("buffer", 1, SimTime::ZERO)?;
//! assert!(matches!(buf.put(SimTime::ZERO, 'a')?, Put::Stored));
//! assert!(matches!(buf.put(SimTime::ZERO, 'b')?, Put::Full('b')));
//! assert_eq!(buf.get(SimTime::ZERO)?, Some('a'));
//! assert_eq!(buf.get(SimTime::ZERO)?, None);
//! # Ok::<(), repm_des::DesError>(())
//! ```

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::error::DesError;
use crate::stats::{Counter, TimeWeighted};
use crate::time::SimTime;

/// Result of [`Store::put`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Put<T> {
    /// The item is in the store.
    Stored,
    /// The store is full; the item is handed back (upstream is blocked).
    Full(T),
}

/// A FIFO buffer of at most `capacity` items (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Store<T> {
    name: String,
    capacity: usize,
    items: VecDeque<T>,
    last: u64,
    level: TimeWeighted,
    puts: Counter,
    gets: Counter,
    refused_puts: Counter,
    refused_gets: Counter,
}

impl<T> Store<T> {
    /// An empty store holding at most `capacity` items (use `usize::MAX` for unbounded).
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when `capacity` is 0.
    pub fn new(name: impl Into<String>, capacity: usize, now: SimTime) -> Result<Self, DesError> {
        let name = name.into();
        if capacity == 0 {
            return Err(DesError::InvalidParameter {
                name: format!("{name}.capacity"),
                value: "0".to_owned(),
                reason: "a store needs room for at least one item".to_owned(),
            });
        }
        Ok(Self {
            name,
            capacity,
            items: VecDeque::new(),
            last: now.as_nanos(),
            level: TimeWeighted::new(now, 0.0)?,
            puts: Counter::new(now),
            gets: Counter::new(now),
            refused_puts: Counter::new(now),
            refused_gets: Counter::new(now),
        })
    }

    fn check_time(&mut self, now: SimTime, what: &str) -> Result<(), DesError> {
        if now.as_nanos() < self.last {
            return Err(DesError::TimeWentBackwards {
                what: format!("store `{}`: {what}", self.name),
                at: now,
                last: SimTime::from_nanos(self.last),
            });
        }
        self.last = now.as_nanos();
        Ok(())
    }

    /// Puts `item` at the back at `now`, or hands it back when full.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn put(&mut self, now: SimTime, item: T) -> Result<Put<T>, DesError> {
        self.check_time(now, "put")?;
        if self.items.len() >= self.capacity {
            self.refused_puts.incr();
            return Ok(Put::Full(item));
        }
        self.items.push_back(item);
        self.puts.incr();
        self.level.add(now, 1.0)?;
        Ok(Put::Stored)
    }

    /// Takes the front item at `now`; `None` when empty (downstream is starved).
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn get(&mut self, now: SimTime) -> Result<Option<T>, DesError> {
        self.check_time(now, "get")?;
        match self.items.pop_front() {
            Some(item) => {
                self.gets.incr();
                self.level.add(now, -1.0)?;
                Ok(Some(item))
            }
            None => {
                self.refused_gets.incr();
                Ok(None)
            }
        }
    }

    /// The front item, if any.
    #[must_use]
    pub fn peek(&self) -> Option<&T> {
        self.items.front()
    }

    /// Items held now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the store is full.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.items.len() >= self.capacity
    }

    /// Capacity \[items\].
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The store's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Time-average number of items up to `now`.
    #[must_use]
    pub fn mean_level(&self, now: SimTime) -> Option<f64> {
        self.level.mean(now)
    }

    /// Items stored in the window.
    #[must_use]
    pub fn puts(&self) -> u64 {
        self.puts.count()
    }

    /// Items taken in the window.
    #[must_use]
    pub fn gets(&self) -> u64 {
        self.gets.count()
    }

    /// Puts refused because the store was full (blocking events) in the window.
    #[must_use]
    pub fn refused_puts(&self) -> u64 {
        self.refused_puts.count()
    }

    /// Gets refused because the store was empty (starving events) in the window.
    #[must_use]
    pub fn refused_gets(&self) -> u64 {
        self.refused_gets.count()
    }

    /// Warm-up deletion at `now`: statistics restart, the items stay.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn reset_stats(&mut self, now: SimTime) -> Result<(), DesError> {
        self.check_time(now, "reset_stats")?;
        self.level.reset(now)?;
        self.puts.reset(now);
        self.gets.reset(now);
        self.refused_puts.reset(now);
        self.refused_gets.reset(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_starving_and_conservation() {
        let s = |x: u64| SimTime::from_nanos(x * 1_000_000_000);
        let mut st = Store::new("b", 2, s(0)).unwrap();
        assert_eq!(st.get(s(0)).unwrap(), None);
        assert_eq!(st.put(s(1), 1).unwrap(), Put::Stored);
        assert_eq!(st.put(s(1), 2).unwrap(), Put::Stored);
        assert_eq!(st.put(s(2), 3).unwrap(), Put::Full(3));
        assert!(st.is_full());
        assert_eq!(st.get(s(3)).unwrap(), Some(1));
        assert!(st.put(s(2), 4).is_err());
        // Level: 0 on [0,1), 2 on [1,3), 1 on [3,4) → 5/4.
        assert!((st.mean_level(s(4)).unwrap() - 1.25).abs() < 1e-12);
        assert_eq!((st.refused_puts(), st.refused_gets()), (1, 1));
        // Flow conservation: puts = gets + held.
        assert_eq!(st.puts(), st.gets() + st.len() as u64);
        assert!(Store::<u8>::new("z", 0, s(0)).is_err());
    }
}
