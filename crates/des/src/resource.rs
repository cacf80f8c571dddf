//! Capacity-limited resource (a bank of identical servers) with FIFO or priority queueing and
//! optional preemption.
//!
//! [`Resource`] is a helper a model *owns* and drives from its own events — not a model by
//! itself — so a furnace, a press or a whole plant model can embed as many as it needs:
//!
//! 1. on an arrival the model calls [`Resource::request`]; if the answer is
//!    [`Admission::Started`] it schedules the service completion (carrying the returned
//!    [`ServiceToken`] in its event), otherwise the job waits inside the resource;
//! 2. on a completion it calls [`Resource::release`] with the token; the finished job comes back
//!    and, if someone was waiting, the next job has started — the model schedules its
//!    completion in turn.
//!
//! With [`Discipline::PreemptivePriority`] an arrival of strictly higher priority than the
//! lowest-priority job in service takes its server; the victim is handed back
//! ([`Admission::Preempted`]) and the model decides its fate: [`Resource::requeue`] it (it keeps
//! its original place in the queue: preemptive-resume or -repeat, according to how the model
//! recomputes its remaining work) or drop it. Tokens carry a sequence number, so a stale
//! completion event of a preempted job is rejected by `release` instead of ending the wrong job.
//!
//! Steady state allocates nothing: the waiting line is a ring buffer / binary heap that keeps
//! its capacity, servers are a fixed slot array with a free-list.
//!
//! Statistics kept: time-weighted busy servers and queue length, the queueing delay
//! `Wq` (arrival → first start) and the sojourn time `W` (arrival → release) tallies \[s\],
//! arrivals and completions. See `docs/science/des.md`, §13 "Plant building blocks".
//!
//! ```
//! use repm_des::resource::{Admission, Discipline, Resource};
//! use repm_des::SimTime;
//! let t = |s: u64| SimTime::from_nanos(s * 1_000_000_000);
//! let mut r = Resource::new("press", 1, Discipline::Fifo, t(0))?;
//! let Admission::Started(first) = r.request(t(0), "lot-1")? else { unreachable!() };
//! assert!(matches!(r.request(t(1), "lot-2")?, Admission::Queued));
//! let done = r.release(t(3), first)?;
//! assert_eq!(done.job, "lot-1");
//! let second = done.next.expect("lot-2 starts at once");
//! assert_eq!(r.job(second), Some(&"lot-2"));
//! assert_eq!(r.wait().mean(), Some(1.0)); // lot-1 waited 0 s, lot-2 2 s
//! # Ok::<(), repm_des::DesError>(())
//! ```

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::DesError;
use crate::stats::{Counter, Tally, TimeWeighted};
use crate::time::SimTime;

/// Nanoseconds per second.
const NS_PER_S: f64 = 1e9;

/// Queueing discipline of a [`Resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discipline {
    /// First come, first served; priorities are ignored.
    Fifo,
    /// Highest priority first, FIFO within a priority; no preemption.
    Priority,
    /// As [`Discipline::Priority`], and an arrival of strictly higher priority preempts the
    /// lowest-priority job in service (the most recently started among equals).
    PreemptivePriority,
}

/// Identifies one service (a job on a server) for [`Resource::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServiceToken {
    /// Server index `0 … capacity−1`.
    pub server: u32,
    /// Sequence number of this service start (unique within the resource).
    pub seq: u64,
}

/// Answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Admission<J> {
    /// A server was free: the job is in service; schedule its completion with this token.
    Started(ServiceToken),
    /// All servers busy: the job waits in the queue.
    Queued,
    /// The job took the server of a lower-priority job, which is handed back.
    Preempted {
        /// The arriving job's service.
        token: ServiceToken,
        /// The job that lost its server; its pending completion event is now stale.
        victim: Preempted<J>,
    },
}

/// A job removed from service by preemption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preempted<J> {
    /// The job.
    pub job: J,
    /// Its priority.
    pub priority: i32,
    /// When it first arrived at the resource.
    pub arrived: SimTime,
    /// When its interrupted service started (for the model to compute work done).
    pub started: SimTime,
    /// The token of the interrupted service.
    pub token: ServiceToken,
    queue_seq: u64,
}

/// A finished service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completed<J> {
    /// The finished job.
    pub job: J,
    /// When it arrived at the resource.
    pub arrived: SimTime,
    /// When its (last) service started.
    pub started: SimTime,
    /// The job that started on the freed server, if one was waiting.
    pub next: Option<ServiceToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Waiting<J> {
    job: J,
    priority: i32,
    /// Queue order (arrival sequence; a requeued job keeps its original one).
    queue_seq: u64,
    arrived: u64,
    /// Already started once (a requeued preemption victim): its delay is not re-tallied.
    resumed: bool,
}

impl<J> PartialEq for Waiting<J> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<J> Eq for Waiting<J> {}
impl<J> PartialOrd for Waiting<J> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<J> Ord for Waiting<J> {
    /// Max-heap order: higher priority first, then earlier queue sequence.
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.queue_seq.cmp(&self.queue_seq))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot<J> {
    job: J,
    priority: i32,
    queue_seq: u64,
    seq: u64,
    arrived: u64,
    started: u64,
}

/// A bank of `capacity` identical servers with a waiting line (see the module docs).
/// Deserialisation (e.g. from a checkpoint) re-checks the server bookkeeping and rejects a
/// corrupted state with an error instead of panicking later.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    try_from = "ResourceState<J>",
    bound(deserialize = "J: Deserialize<'de>")
)]
pub struct Resource<J> {
    name: String,
    discipline: Discipline,
    slots: Vec<Option<Slot<J>>>,
    /// Free servers with index < `capacity`, lowest index on top.
    free: Vec<u32>,
    /// Servers currently available (a server with a higher index finishes its job, then
    /// retires).
    capacity: u32,
    /// Jobs in service.
    in_service: u32,
    capacity_tw: TimeWeighted,
    fifo: VecDeque<Waiting<J>>,
    heap: BinaryHeap<Waiting<J>>,
    next_seq: u64,
    last: u64,
    busy: TimeWeighted,
    queue: TimeWeighted,
    wait: Tally,
    sojourn: Tally,
    arrivals: Counter,
    completions: Counter,
    preemptions: Counter,
}

/// Serialised form of [`Resource`], validated on the way in (same fields).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceState<J> {
    name: String,
    discipline: Discipline,
    slots: Vec<Option<Slot<J>>>,
    free: Vec<u32>,
    capacity: u32,
    in_service: u32,
    capacity_tw: TimeWeighted,
    fifo: VecDeque<Waiting<J>>,
    heap: BinaryHeap<Waiting<J>>,
    next_seq: u64,
    last: u64,
    busy: TimeWeighted,
    queue: TimeWeighted,
    wait: Tally,
    sojourn: Tally,
    arrivals: Counter,
    completions: Counter,
    preemptions: Counter,
}

impl<J> TryFrom<ResourceState<J>> for Resource<J> {
    type Error = DesError;
    fn try_from(s: ResourceState<J>) -> Result<Self, DesError> {
        let busy_slots = s.slots.iter().filter(|x| x.is_some()).count();
        let mut free = s.free.clone();
        free.sort_unstable();
        free.dedup();
        let ok = s.capacity as usize <= s.slots.len()
            && free.len() == s.free.len()
            && s.free
                .iter()
                .all(|&i| i < s.capacity && s.slots[i as usize].is_none())
            && busy_slots == s.in_service as usize
            && (s.discipline == Discipline::Fifo || s.fifo.is_empty())
            && (s.discipline != Discipline::Fifo || s.heap.is_empty());
        if !ok {
            return Err(DesError::InvalidState {
                block: "resource",
                name: s.name,
                message: "deserialised state is inconsistent (free list, busy servers, capacity \
                          or queue kind)"
                    .to_owned(),
            });
        }
        Ok(Self {
            name: s.name,
            discipline: s.discipline,
            slots: s.slots,
            free: s.free,
            capacity: s.capacity,
            in_service: s.in_service,
            capacity_tw: s.capacity_tw,
            fifo: s.fifo,
            heap: s.heap,
            next_seq: s.next_seq,
            last: s.last,
            busy: s.busy,
            queue: s.queue,
            wait: s.wait,
            sojourn: s.sojourn,
            arrivals: s.arrivals,
            completions: s.completions,
            preemptions: s.preemptions,
        })
    }
}

impl<J> Resource<J> {
    /// `capacity` servers, empty and idle at `now`.
    ///
    /// # Errors
    /// [`DesError::InvalidParameter`] when `capacity` is 0.
    pub fn new(
        name: impl Into<String>,
        capacity: u32,
        discipline: Discipline,
        now: SimTime,
    ) -> Result<Self, DesError> {
        let name = name.into();
        if capacity == 0 {
            return Err(DesError::InvalidParameter {
                name: format!("{name}.capacity"),
                value: "0".to_owned(),
                reason: "a resource needs at least one server".to_owned(),
            });
        }
        Ok(Self {
            name,
            discipline,
            slots: (0..capacity).map(|_| None).collect(),
            free: (0..capacity).rev().collect(),
            capacity,
            in_service: 0,
            capacity_tw: TimeWeighted::new(now, f64::from(capacity))?,
            fifo: VecDeque::new(),
            heap: BinaryHeap::new(),
            next_seq: 0,
            last: now.as_nanos(),
            busy: TimeWeighted::new(now, 0.0)?,
            queue: TimeWeighted::new(now, 0.0)?,
            wait: Tally::new(),
            sojourn: Tally::new(),
            arrivals: Counter::new(now),
            completions: Counter::new(now),
            preemptions: Counter::new(now),
        })
    }

    #[inline]
    fn check_time(&mut self, now: SimTime, what: &str) -> Result<u64, DesError> {
        let t = now.as_nanos();
        if t < self.last {
            return Err(self.backwards(now, what));
        }
        self.last = t;
        Ok(t)
    }

    #[cold]
    #[inline(never)]
    fn backwards(&self, now: SimTime, what: &str) -> DesError {
        DesError::TimeWentBackwards {
            what: format!("resource `{}`: {what}", self.name),
            at: now,
            last: SimTime::from_nanos(self.last),
        }
    }

    #[cold]
    #[inline(never)]
    fn stale(&self, token: ServiceToken) -> DesError {
        DesError::InvalidState {
            block: "resource",
            name: self.name.clone(),
            message: format!(
                "release of server {} service {}: no such service in progress",
                token.server, token.seq
            ),
        }
    }

    /// A job arrives at `now` with priority 0.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    #[inline]
    pub fn request(&mut self, now: SimTime, job: J) -> Result<Admission<J>, DesError> {
        self.request_with_priority(now, job, 0)
    }

    /// A job arrives at `now` with `priority` (larger = more urgent; ignored under FIFO).
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    #[inline]
    pub fn request_with_priority(
        &mut self,
        now: SimTime,
        job: J,
        priority: i32,
    ) -> Result<Admission<J>, DesError> {
        let t = self.check_time(now, "request")?;
        self.arrivals.incr();
        let queue_seq = self.next_seq;
        self.next_seq += 1;
        let w = Waiting {
            job,
            priority,
            queue_seq,
            arrived: t,
            resumed: false,
        };
        Ok(self.admit(t, w))
    }

    /// Puts a preempted job back in the queue at its original place (or straight into service
    /// if a server is free); its queueing delay is not tallied again.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn requeue(
        &mut self,
        now: SimTime,
        victim: Preempted<J>,
    ) -> Result<Admission<J>, DesError> {
        let t = self.check_time(now, "requeue")?;
        let w = Waiting {
            job: victim.job,
            priority: victim.priority,
            queue_seq: victim.queue_seq,
            arrived: victim.arrived.as_nanos(),
            resumed: true,
        };
        Ok(self.admit(t, w))
    }

    #[inline]
    fn admit(&mut self, t: u64, w: Waiting<J>) -> Admission<J> {
        if let Some(server) = self.free.pop() {
            let token = self.start(t, server, w);
            self.in_service += 1;
            self.busy.set_checked(t, f64::from(self.in_service));
            return Admission::Started(token);
        }
        if self.discipline == Discipline::PreemptivePriority {
            // Victim: lowest priority in service, most recently started among equals.
            let victim = self
                .slots
                .iter()
                .enumerate()
                .take(self.capacity as usize)
                .filter_map(|(i, s)| s.as_ref().map(|s| (i, s.priority, s.seq)))
                .min_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
            if let Some((i, _, _)) = victim.filter(|v| v.1 < w.priority)
                && let Some(s) = self.slots[i].take()
            {
                self.preemptions.incr();
                let token = self.start(t, i as u32, w);
                let victim = Preempted {
                    job: s.job,
                    priority: s.priority,
                    arrived: SimTime::from_nanos(s.arrived),
                    started: SimTime::from_nanos(s.started),
                    token: ServiceToken {
                        server: i as u32,
                        seq: s.seq,
                    },
                    queue_seq: s.queue_seq,
                };
                return Admission::Preempted { token, victim };
            }
        }
        match self.discipline {
            Discipline::Fifo => self.fifo.push_back(w),
            Discipline::Priority | Discipline::PreemptivePriority => self.heap.push(w),
        }
        self.queue.set_checked(t, self.queue_len() as f64);
        Admission::Queued
    }

    #[inline]
    fn start(&mut self, t: u64, server: u32, w: Waiting<J>) -> ServiceToken {
        if !w.resumed {
            self.wait.record((t - w.arrived) as f64 / NS_PER_S);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots[server as usize] = Some(Slot {
            job: w.job,
            priority: w.priority,
            queue_seq: w.queue_seq,
            seq,
            arrived: w.arrived,
            started: t,
        });
        ServiceToken { server, seq }
    }

    /// The service `token` ends at `now`: returns the job and starts the next waiting one.
    ///
    /// # Errors
    /// [`DesError::InvalidState`] when the token's server is idle or serves another job (a
    /// stale token, e.g. of a preempted job); [`DesError::TimeWentBackwards`] when `now`
    /// precedes the previous call.
    #[inline]
    pub fn release(&mut self, now: SimTime, token: ServiceToken) -> Result<Completed<J>, DesError> {
        let valid = self
            .slots
            .get(token.server as usize)
            .and_then(Option::as_ref)
            .is_some_and(|s| s.seq == token.seq);
        if !valid {
            return Err(self.stale(token));
        }
        let t = self.check_time(now, "release")?;
        let Some(slot) = self
            .slots
            .get_mut(token.server as usize)
            .and_then(Option::take)
        else {
            return Err(self.stale(token));
        };
        self.completions.incr();
        self.sojourn.record((t - slot.arrived) as f64 / NS_PER_S);
        let active = token.server < self.capacity;
        let next_waiting = if active { self.pop_waiting() } else { None };
        let next = match next_waiting {
            Some(w) => {
                self.queue.set_checked(t, self.queue_len() as f64);
                Some(self.start(t, token.server, w))
            }
            None => {
                if active {
                    self.free.push(token.server);
                }
                self.in_service -= 1;
                self.busy.set_checked(t, f64::from(self.in_service));
                None
            }
        };
        Ok(Completed {
            job: slot.job,
            arrived: SimTime::from_nanos(slot.arrived),
            started: SimTime::from_nanos(slot.started),
            next,
        })
    }

    /// The job in service under `token`, `None` if the token is stale.
    #[must_use]
    pub fn job(&self, token: ServiceToken) -> Option<&J> {
        self.slots
            .get(token.server as usize)?
            .as_ref()
            .filter(|s| s.seq == token.seq)
            .map(|s| &s.job)
    }

    /// Mutable access to the job in service under `token` (e.g. to store its completion
    /// event handle), `None` if the token is stale.
    pub fn job_mut(&mut self, token: ServiceToken) -> Option<&mut J> {
        self.slots
            .get_mut(token.server as usize)?
            .as_mut()
            .filter(|s| s.seq == token.seq)
            .map(|s| &mut s.job)
    }

    /// The resource's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[inline]
    fn pop_waiting(&mut self) -> Option<Waiting<J>> {
        match self.discipline {
            Discipline::Fifo => self.fifo.pop_front(),
            Discipline::Priority | Discipline::PreemptivePriority => self.heap.pop(),
        }
    }

    /// Changes the number of available servers at `now` (a shift pattern, operators on a
    /// break, a server taken down). More servers: waiting jobs start at once and their tokens
    /// are returned (schedule their completions). Fewer servers: idle servers leave at once,
    /// busy servers above the new capacity finish their current job and then leave (no
    /// preemption). `0` is allowed: arrivals wait.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn set_capacity(
        &mut self,
        now: SimTime,
        capacity: u32,
    ) -> Result<Vec<ServiceToken>, DesError> {
        let t = self.check_time(now, "set_capacity")?;
        let old = self.capacity;
        self.capacity = capacity;
        if capacity < old {
            self.free.retain(|&s| s < capacity);
        } else {
            while self.slots.len() < capacity as usize {
                self.slots.push(None);
            }
            for s in old..capacity {
                if self.slots[s as usize].is_none() && !self.free.contains(&s) {
                    self.free.push(s);
                }
            }
            self.free.sort_unstable_by(|a, b| b.cmp(a));
        }
        self.capacity_tw.set_checked(t, f64::from(capacity));
        let mut started = Vec::new();
        while !self.free.is_empty() {
            let Some(w) = self.pop_waiting() else { break };
            self.queue.set_checked(t, self.queue_len() as f64);
            if let Admission::Started(tok) = self.admit(t, w) {
                started.push(tok);
            }
        }
        Ok(started)
    }

    /// Number of servers available now.
    #[must_use]
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Servers busy now (may exceed [`capacity`](Self::capacity) just after a reduction).
    #[must_use]
    pub fn busy(&self) -> u32 {
        self.in_service
    }

    /// Jobs waiting now.
    #[must_use]
    pub fn queue_len(&self) -> usize {
        self.fifo.len() + self.heap.len()
    }

    /// Jobs in the system now (waiting + in service).
    #[must_use]
    pub fn in_system(&self) -> usize {
        self.queue_len() + self.busy() as usize
    }

    /// Time-average number of busy servers up to `now`.
    #[must_use]
    pub fn mean_busy(&self, now: SimTime) -> Option<f64> {
        self.busy.mean(now)
    }

    /// Utilisation up to `now` [-]: time-average busy servers / time-average capacity
    /// (`None` if the capacity was zero throughout).
    #[must_use]
    pub fn utilisation(&self, now: SimTime) -> Option<f64> {
        let c = self.capacity_tw.mean(now)?;
        (c > 0.0)
            .then(|| self.busy.mean(now).map(|b| b / c))
            .flatten()
    }

    /// Time-average number of available servers up to `now`.
    #[must_use]
    pub fn mean_capacity(&self, now: SimTime) -> Option<f64> {
        self.capacity_tw.mean(now)
    }

    /// Time-average queue length `Lq` up to `now`.
    #[must_use]
    pub fn mean_queue_len(&self, now: SimTime) -> Option<f64> {
        self.queue.mean(now)
    }

    /// Time-average number in system `L = Lq + busy` up to `now`.
    #[must_use]
    pub fn mean_in_system(&self, now: SimTime) -> Option<f64> {
        Some(self.queue.mean(now)? + self.busy.mean(now)?)
    }

    /// Queueing delays `Wq` \[s\] (arrival → first start) of the jobs started in the window.
    #[must_use]
    pub fn wait(&self) -> &Tally {
        &self.wait
    }

    /// Sojourn times `W` \[s\] (arrival → release) of the jobs released in the window.
    #[must_use]
    pub fn sojourn(&self) -> &Tally {
        &self.sojourn
    }

    /// Arrivals in the window.
    #[must_use]
    pub fn arrivals(&self) -> u64 {
        self.arrivals.count()
    }

    /// Completions (releases) in the window.
    #[must_use]
    pub fn completions(&self) -> u64 {
        self.completions.count()
    }

    /// Preemptions in the window.
    #[must_use]
    pub fn preemptions(&self) -> u64 {
        self.preemptions.count()
    }

    /// Warm-up deletion at `now`: statistics restart, the jobs present stay.
    ///
    /// # Errors
    /// [`DesError::TimeWentBackwards`] when `now` precedes the previous call.
    pub fn reset_stats(&mut self, now: SimTime) -> Result<(), DesError> {
        self.check_time(now, "reset_stats")?;
        self.busy.reset(now)?;
        self.queue.reset(now)?;
        self.capacity_tw.reset(now)?;
        self.wait.reset();
        self.sojourn.reset();
        self.arrivals.reset(now);
        self.completions.reset(now);
        self.preemptions.reset(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::from_nanos(s * 1_000_000_000)
    }

    #[test]
    fn fifo_multi_server() {
        let mut r = Resource::new("r", 2, Discipline::Fifo, t(0)).unwrap();
        let a = r.request(t(0), 'a').unwrap();
        let b = r.request(t(0), 'b').unwrap();
        assert!(matches!(r.request(t(1), 'c').unwrap(), Admission::Queued));
        assert!(matches!(r.request(t(2), 'd').unwrap(), Admission::Queued));
        assert_eq!((r.busy(), r.queue_len(), r.in_system()), (2, 2, 4));
        let (Admission::Started(ta), Admission::Started(tb)) = (a, b) else {
            panic!()
        };
        assert_eq!((ta.server, tb.server), (0, 1));
        let done = r.release(t(4), tb).unwrap();
        assert_eq!(done.job, 'b');
        let tc = done.next.unwrap();
        assert_eq!(r.job(tc), Some(&'c'));
        // Stale token: b's service has ended.
        assert!(matches!(
            r.release(t(4), tb),
            Err(DesError::InvalidState { .. })
        ));
        assert!(r.release(t(3), ta).is_err()); // time went backwards
        let td = r.release(t(5), ta).unwrap().next.unwrap();
        r.release(t(6), tc).unwrap();
        r.release(t(7), td).unwrap();
        assert_eq!(r.busy(), 0);
        // Waits: 0, 0, 3 (c: 1→4), 3 (d: 2→5) → mean 1.5
        assert!((r.wait().mean().unwrap() - 1.5).abs() < 1e-12);
        // Busy: 2 on [0,6), 1 on [6,7) → 13/7; queue: 1 on [1,2), 2 on [2,4), 1 on [4,5) → 6/7
        assert!((r.mean_busy(t(7)).unwrap() - 13.0 / 7.0).abs() < 1e-12);
        assert!((r.mean_queue_len(t(7)).unwrap() - 6.0 / 7.0).abs() < 1e-12);
        assert!(Resource::<u8>::new("z", 0, Discipline::Fifo, t(0)).is_err());
    }

    #[test]
    fn capacity_changes() {
        let mut r = Resource::new("r", 2, Discipline::Fifo, t(0)).unwrap();
        let Admission::Started(a) = r.request(t(0), 'a').unwrap() else {
            panic!()
        };
        let Admission::Started(_b) = r.request(t(0), 'b').unwrap() else {
            panic!()
        };
        r.request(t(0), 'c').unwrap();
        // Down to one server: both keep working, server 1 retires after its job.
        assert!(r.set_capacity(t(1), 1).unwrap().is_empty());
        assert_eq!((r.capacity(), r.busy()), (1, 2));
        let done = r.release(t(2), _b).unwrap();
        assert_eq!((done.job, done.next), ('b', None)); // retired server does not take 'c'
        assert_eq!(r.busy(), 1);
        // Off shift: zero servers; 'a' finishes, 'c' keeps waiting.
        r.set_capacity(t(3), 0).unwrap();
        assert_eq!(r.release(t(4), a).unwrap().next, None);
        assert_eq!((r.busy(), r.queue_len()), (0, 1));
        // Back to three servers: 'c' starts at once on server 0.
        let started = r.set_capacity(t(6), 3).unwrap();
        assert_eq!(started.len(), 1);
        assert_eq!((started[0].server, r.job(started[0])), (0, Some(&'c')));
        // Capacity time average: 2 on [0,1), 1 on [1,3), 0 on [3,6), 3 on [6,8) → 10/8.
        assert!((r.mean_capacity(t(8)).unwrap() - 10.0 / 8.0).abs() < 1e-12);
        // Busy: 2 on [0,2), 1 on [2,4), 0 on [4,6), 1 on [6,8) → 8/8; utilisation 8/10.
        assert!((r.utilisation(t(8)).unwrap() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn priority_order_and_preemption() {
        let mut r = Resource::new("r", 1, Discipline::Priority, t(0)).unwrap();
        let Admission::Started(x) = r.request_with_priority(t(0), "x", 0).unwrap() else {
            panic!()
        };
        for (name, p) in [("lo1", 0), ("hi", 5), ("lo2", 0), ("mid", 2)] {
            r.request_with_priority(t(1), name, p).unwrap();
        }
        let mut order = Vec::new();
        let mut tok = x;
        for k in 2..7 {
            let c = r.release(t(k), tok).unwrap();
            order.push(c.job);
            match c.next {
                Some(n) => tok = n,
                None => break,
            }
        }
        assert_eq!(order, ["x", "hi", "mid", "lo1", "lo2"]);

        let mut r = Resource::new("r", 1, Discipline::PreemptivePriority, t(0)).unwrap();
        let Admission::Started(low) = r.request_with_priority(t(0), "low", 0).unwrap() else {
            panic!()
        };
        // Equal priority does not preempt.
        assert!(matches!(
            r.request_with_priority(t(1), "peer", 0).unwrap(),
            Admission::Queued
        ));
        let Admission::Preempted { token, victim } =
            r.request_with_priority(t(2), "urgent", 1).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (victim.job, victim.started, victim.token),
            ("low", t(0), low)
        );
        assert_eq!(r.preemptions(), 1);
        assert!(r.release(t(3), low).is_err()); // stale completion of the victim
        // Requeued, the victim keeps its place ahead of "peer".
        assert!(matches!(
            r.requeue(t(2), victim).unwrap(),
            Admission::Queued
        ));
        let next = r.release(t(3), token).unwrap().next.unwrap();
        assert_eq!(r.job(next), Some(&"low"));
        // Waits tallied once per job: low 0, urgent 0, peer not yet started.
        assert_eq!(r.wait().count(), 2);
    }

    #[test]
    fn corrupted_state_is_rejected_on_deserialise() {
        let mut r = Resource::new("r", 2, Discipline::Fifo, t(0)).unwrap();
        r.request(t(0), 1_u8).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        let back: Resource<u8> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.busy(), 1);
        // Claim server 0 (busy) is free: rejected instead of a later double booking.
        let bad = json.replacen("\"free\":[1]", "\"free\":[1,0]", 1);
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<Resource<u8>>(&bad).is_err());
    }
}
