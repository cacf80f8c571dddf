//! The future-event list: a binary heap of compact entries ordered by
//! (time, priority, insertion sequence), payloads stored out of line in a slab.
//!
//! * Ordering: earliest time first; among equal times the lower [`Priority`] value first;
//!   among equal (time, priority) the earlier-scheduled event first (FIFO). The order is total
//!   because the insertion sequence number is unique, so the pop sequence does not depend on
//!   the heap's internal layout.
//! * Heap entry: 24 bytes (`time: u64`, `key: u64` = priority ⊕ 48-bit sequence, `slot: u32`,
//!   `target: u32`). Payloads live in a slab of reusable slots: no allocation per event once
//!   the slab has grown to the peak number of pending events.
//! * Cancellation: lazy. Cancelling frees the slot at once and leaves a dead heap entry, which
//!   is recognised on pop because the slot's sequence number no longer matches. When dead
//!   entries outnumber live ones (and exceed [`COMPACT_MIN_DEAD`]) the heap is rebuilt in O(n)
//!   without them, so memory stays proportional to the live events.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use crate::error::{DesError, Result};
use crate::time::SimTime;

/// Number of sequence bits in the packed key; the top 16 bits hold the priority.
const SEQ_BITS: u32 = 48;
/// Mask of the sequence bits.
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
/// Marker sequence of a vacant slab slot (never a valid sequence number).
const VACANT: u64 = u64::MAX;
/// Compaction happens only when at least this many dead entries exist (and they outnumber the
/// live ones), so small queues never pay for a rebuild.
pub const COMPACT_MIN_DEAD: usize = 64;

/// Event priority among events at the same time: **lower values are delivered first**.
/// Default [`Priority::NORMAL`] = 0.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Priority(pub i16);

impl Priority {
    /// Delivered before everything else at the same time.
    pub const HIGHEST: Priority = Priority(i16::MIN);
    /// The default priority (0).
    pub const NORMAL: Priority = Priority(0);
    /// Delivered after everything else at the same time.
    pub const LOWEST: Priority = Priority(i16::MAX);

    /// Order-preserving map to `u16` (so that the packed key compares as unsigned).
    #[inline]
    const fn biased(self) -> u64 {
        (self.0 as u16 ^ 0x8000) as u64
    }
}

/// Handle to a scheduled event, used to cancel it. Cheap to copy; serialisable, and stays
/// valid across a checkpoint/restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventHandle {
    /// Slab slot index.
    slot: u32,
    /// Unique insertion sequence number.
    seq: u64,
}

impl EventHandle {
    /// The event's unique insertion sequence number (0, 1, 2, … in scheduling order).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// One heap entry (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// Event time \[ns\].
    pub(crate) time: u64,
    /// Biased priority (16 bits) << 48 | sequence (48 bits).
    pub(crate) key: u64,
    /// Slab slot holding the payload.
    pub(crate) slot: u32,
    /// Target model index.
    pub(crate) target: u32,
}

impl Entry {
    #[inline]
    fn seq(&self) -> u64 {
        self.key & SEQ_MASK
    }
}

impl Ord for Entry {
    /// Reversed, so that std's max-heap pops the earliest (time, key).
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        match other.time.cmp(&self.time) {
            Ordering::Equal => other.key.cmp(&self.key),
            o => o,
        }
    }
}

impl PartialOrd for Entry {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A slab slot: the sequence number of the event occupying it ([`VACANT`] if free) and its payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Slot<P> {
    pub(crate) seq: u64,
    pub(crate) payload: Option<P>,
}

/// A popped event.
#[derive(Debug)]
pub(crate) struct Popped<P> {
    pub(crate) time: SimTime,
    pub(crate) target: u32,
    pub(crate) payload: P,
}

/// The event queue, generic over the payload type `P`.
#[derive(Debug, Clone)]
pub(crate) struct EventQueue<P> {
    heap: BinaryHeap<Entry>,
    slots: Vec<Slot<P>>,
    free: Vec<u32>,
    next_seq: u64,
    dead: usize,
    /// The heap's root is the (dead) entry of the event last popped: the next push overwrites
    /// it and sifts down once instead of a pop followed by a push.
    hole: bool,
}

/// Serialisable image of the queue (heap entries in any order: the pop order is unique).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QueueImage<P> {
    pub(crate) entries: Vec<Entry>,
    pub(crate) slots: Vec<Slot<P>>,
    pub(crate) free: Vec<u32>,
    pub(crate) next_seq: u64,
    pub(crate) dead: usize,
}

impl<P> Default for EventQueue<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> EventQueue<P> {
    pub(crate) fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            dead: 0,
            hole: false,
        }
    }

    /// Schedule `payload` for `target` at `time`. O(log n).
    #[inline]
    pub(crate) fn push(
        &mut self,
        time: SimTime,
        priority: Priority,
        target: u32,
        payload: P,
    ) -> Result<EventHandle> {
        let seq = self.next_seq;
        if seq > SEQ_MASK {
            return Err(DesError::SequenceExhausted { scheduled: seq });
        }
        self.next_seq = seq + 1;
        let slot = match self.free.pop() {
            Some(i) => {
                let s = &mut self.slots[i as usize];
                s.seq = seq;
                s.payload = Some(payload);
                i
            }
            None => {
                let i = self.slots.len() as u32;
                self.slots.push(Slot {
                    seq,
                    payload: Some(payload),
                });
                i
            }
        };
        let entry = Entry {
            time: time.as_nanos(),
            key: (priority.biased() << SEQ_BITS) | seq,
            slot,
            target,
        };
        if self.hole {
            // Replace the consumed root and sift it down: one sift instead of pop + push.
            self.hole = false;
            self.dead -= 1;
            if let Some(mut top) = self.heap.peek_mut() {
                *top = entry;
            }
        } else {
            self.heap.push(entry);
        }
        Ok(EventHandle { slot, seq })
    }

    /// Remove and return the earliest live event, skipping dead (cancelled) entries.
    #[cfg(test)]
    pub(crate) fn pop(&mut self) -> Option<Popped<P>> {
        self.pop_until(SimTime::MAX)
    }

    /// Remove and return the earliest live event if its time is ≤ `limit`.
    #[inline]
    pub(crate) fn pop_until(&mut self, limit: SimTime) -> Option<Popped<P>> {
        if self.hole {
            self.heap.pop();
            self.dead -= 1;
            self.hole = false;
        }
        loop {
            let e = *self.heap.peek()?;
            if e.time > limit.as_nanos() {
                return None;
            }
            let s = &mut self.slots[e.slot as usize];
            if s.seq != e.seq() {
                self.heap.pop();
                self.dead -= 1;
                continue;
            }
            // Consume the event but leave its (now dead) entry at the root: the next push
            // replaces it (see `hole`).
            s.seq = VACANT;
            let payload = s.payload.take().expect("live slot holds a payload");
            self.free.push(e.slot);
            self.dead += 1;
            self.hole = true;
            return Some(Popped {
                time: SimTime::from_nanos(e.time),
                target: e.target,
                payload,
            });
        }
    }

    /// Time of the earliest live event, dropping dead entries at the top.
    pub(crate) fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(e) = self.heap.peek() {
            if self.slots[e.slot as usize].seq == e.seq() {
                return Some(SimTime::from_nanos(e.time));
            }
            self.heap.pop();
            self.dead -= 1;
            self.hole = false;
        }
        None
    }

    /// Cancel a pending event. `Ok(true)`: it was pending and is now cancelled; `Ok(false)`: it
    /// already fired or was already cancelled; `Err(UnknownEvent)`: not issued by this queue.
    pub(crate) fn cancel(&mut self, h: EventHandle) -> Result<bool> {
        if h.seq >= self.next_seq || h.slot as usize >= self.slots.len() {
            return Err(DesError::UnknownEvent { seq: h.seq });
        }
        let s = &mut self.slots[h.slot as usize];
        if s.seq != h.seq {
            return Ok(false);
        }
        s.seq = VACANT;
        s.payload = None;
        self.free.push(h.slot);
        self.dead += 1;
        if self.dead >= COMPACT_MIN_DEAD && self.dead > self.heap.len() - self.dead {
            self.compact();
        }
        Ok(true)
    }

    /// Whether the event behind `h` is still pending.
    pub(crate) fn is_pending(&self, h: EventHandle) -> bool {
        self.slots
            .get(h.slot as usize)
            .is_some_and(|s| s.seq == h.seq)
    }

    /// Drop all dead entries and rebuild the heap. O(n).
    pub(crate) fn compact(&mut self) {
        let slots = &self.slots;
        self.heap.retain(|e| slots[e.slot as usize].seq == e.seq());
        self.dead = 0;
        self.hole = false;
    }

    /// Number of live (pending, not cancelled) events.
    pub(crate) fn len(&self) -> usize {
        self.heap.len() - self.dead
    }

    /// Number of heap entries including dead ones (for tests of compaction).
    #[cfg(test)]
    pub(crate) fn heap_len(&self) -> usize {
        self.heap.len()
    }

    /// Number of events ever scheduled (the next sequence number).
    pub(crate) fn scheduled(&self) -> u64 {
        self.next_seq
    }

    /// Serialisable image.
    pub(crate) fn image(&self) -> QueueImage<P>
    where
        P: Clone,
    {
        QueueImage {
            entries: self.heap.clone().into_vec(),
            slots: self.slots.clone(),
            free: self.free.clone(),
            next_seq: self.next_seq,
            dead: self.dead,
        }
    }

    /// Rebuild from an image, checking its internal consistency.
    pub(crate) fn from_image(img: QueueImage<P>) -> Result<Self> {
        let bad = |m: &str| DesError::Checkpoint {
            message: format!("queue image: {m}"),
        };
        let n = img.slots.len();
        if img.free.iter().any(|&f| f as usize >= n) {
            return Err(bad("free-list index out of range"));
        }
        // Every free slot is vacant and listed once; every vacant slot is free.
        let mut listed = vec![false; n];
        for &f in &img.free {
            if std::mem::replace(&mut listed[f as usize], true)
                || img.slots[f as usize].seq != VACANT
            {
                return Err(bad("free list names a live or repeated slot"));
            }
        }
        if img
            .slots
            .iter()
            .zip(&listed)
            .any(|(s, &l)| (s.seq == VACANT) != l)
        {
            return Err(bad("vacant slot missing from the free list"));
        }
        let mut dead = 0;
        for e in &img.entries {
            let s = img
                .slots
                .get(e.slot as usize)
                .ok_or_else(|| bad("entry slot out of range"))?;
            if e.seq() >= img.next_seq {
                return Err(bad("entry sequence beyond next_seq"));
            }
            if s.seq != e.seq() {
                dead += 1;
            } else if s.payload.is_none() {
                return Err(bad("live entry without payload"));
            }
        }
        if dead != img.dead {
            return Err(bad("dead-entry count mismatch"));
        }
        Ok(EventQueue {
            heap: BinaryHeap::from(img.entries),
            slots: img.slots,
            free: img.free,
            next_seq: img.next_seq,
            dead,
            hole: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> SimTime {
        SimTime::from_nanos(ns)
    }

    #[test]
    fn entry_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 24);
    }

    #[test]
    fn orders_by_time_priority_fifo() {
        let mut q = EventQueue::new();
        q.push(t(5), Priority::NORMAL, 0, "c").unwrap();
        q.push(t(1), Priority::NORMAL, 0, "a").unwrap();
        q.push(t(5), Priority(-1), 0, "b").unwrap();
        q.push(t(5), Priority::NORMAL, 0, "d").unwrap();
        q.push(t(5), Priority::LOWEST, 0, "f").unwrap();
        q.push(t(5), Priority::NORMAL, 0, "e").unwrap();
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|p| p.payload).collect();
        assert_eq!(order, ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn cancel_semantics_and_compaction() {
        let mut q = EventQueue::new();
        let hs: Vec<_> = (0..1000)
            .map(|i| q.push(t(i), Priority::NORMAL, 0, i).unwrap())
            .collect();
        assert_eq!(q.cancel(hs[0]), Ok(true));
        assert_eq!(q.cancel(hs[0]), Ok(false));
        let first = q.pop().unwrap();
        assert_eq!(first.payload, 1);
        assert_eq!(q.cancel(hs[1]), Ok(false), "already fired");
        let foreign = EventHandle {
            slot: 0,
            seq: 10_000,
        };
        assert_eq!(
            q.cancel(foreign),
            Err(DesError::UnknownEvent { seq: 10_000 })
        );
        for h in &hs[2..600] {
            assert_eq!(q.cancel(*h), Ok(true));
        }
        // Compaction kept the heap proportional to the live events.
        assert!(
            q.heap_len() < 2 * q.len() + COMPACT_MIN_DEAD,
            "{} vs {}",
            q.heap_len(),
            q.len()
        );
        assert_eq!(q.len(), 400);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).map(|p| p.payload).collect();
        assert_eq!(rest, (600..1000).collect::<Vec<_>>());
    }

    #[test]
    fn image_round_trip_keeps_order_and_handles() {
        let mut q = EventQueue::new();
        let hs: Vec<_> = (0..50u64)
            .map(|i| q.push(t(i % 7), Priority((i % 3) as i16), 0, i).unwrap())
            .collect();
        q.cancel(hs[3]).unwrap();
        q.pop();
        let mut r = EventQueue::from_image(q.image()).unwrap();
        assert_eq!(r.cancel(hs[10]), q.cancel(hs[10]));
        let a: Vec<_> = std::iter::from_fn(|| q.pop()).map(|p| p.payload).collect();
        let b: Vec<_> = std::iter::from_fn(|| r.pop()).map(|p| p.payload).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn corrupted_images_are_rejected() {
        let mut q = EventQueue::new();
        for i in 0..5u64 {
            q.push(t(i), Priority::NORMAL, 0, i).unwrap();
        }
        q.pop();
        let good = q.image();
        assert!(EventQueue::from_image(good.clone()).is_ok());
        let mut bad = good.clone();
        bad.free.push(3); // a live slot
        assert!(EventQueue::from_image(bad).is_err());
        let mut bad = good.clone();
        bad.free.clear(); // the vacant slot is no longer free
        assert!(EventQueue::from_image(bad).is_err());
        let mut bad = good.clone();
        bad.dead += 1;
        assert!(EventQueue::from_image(bad).is_err());
        let mut bad = good;
        bad.entries[0].slot = 99;
        assert!(EventQueue::from_image(bad).is_err());
    }
}
