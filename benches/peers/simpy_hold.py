#!/usr/bin/env python3
"""SimPy 4 peer of `cargo run --release --example des_throughput`.

Prints exactly one JSON line on stdout, same keys as the Rust example:
    {"hold_events_per_sec": X, "mm1_customers_per_sec": Y}

* hold: N = 10 processes, each rescheduling itself after an Exp(1) delay
  (`env.timeout(random.expovariate(1.0))`), measured over 10^7 events after a warm-up.
* M/M/1 at rho = 0.9 (lambda = 0.9, mu = 1) with `simpy.Resource(capacity=1)`,
  measured over 10^6 customers; the mean sojourn time goes to stderr (exact: 10).

Run:
    python3 -m pip install -r benches/peers/requirements.txt
    python3 benches/peers/simpy_hold.py

Optional arguments: hold events, M/M/1 customers (defaults 10000000 1000000); smaller values
are only for a quick smoke test, the recorded numbers use the defaults.
"""

import json
import random
import sys
import time

import simpy

N_HOLD = 10


def hold_rate(n_events: int) -> float:
    env = simpy.Environment()
    rng = random.Random(1)
    # Each timeout resumes exactly one process, so events = resumptions. The run ends when the
    # process that completes the target number of events triggers `done` (env.run(until=...)
    # is SimPy's own event loop; no per-event Python driver loop is timed).
    warm = max(n_events // 100, 1)
    state = {"count": 0, "target": warm, "done": env.event()}

    def proc(env):
        expo = rng.expovariate
        timeout = env.timeout
        while True:
            yield timeout(expo(1.0))
            state["count"] += 1
            if state["count"] == state["target"]:
                state["done"].succeed()

    for _ in range(N_HOLD):
        env.process(proc(env))
    env.run(until=state["done"])  # warm-up: 1 % of the events
    state["count"] = 0
    state["target"] = n_events
    state["done"] = env.event()
    t0 = time.perf_counter()
    env.run(until=state["done"])
    dt = time.perf_counter() - t0
    return n_events / dt


def mm1_rate(n_customers: int):
    env = simpy.Environment()
    rng = random.Random(2)
    server = simpy.Resource(env, capacity=1)
    done = [0, 0.0]  # completed, total sojourn
    finished = env.event()

    def customer(env):
        arrival = env.now
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0))
        done[0] += 1
        done[1] += env.now - arrival
        if done[0] == n_customers:
            finished.succeed()

    def source(env):
        while True:
            yield env.timeout(rng.expovariate(0.9))
            env.process(customer(env))

    env.process(source(env))
    t0 = time.perf_counter()
    env.run(until=finished)
    dt = time.perf_counter() - t0
    return n_customers / dt, done[1] / done[0]


def main() -> None:
    n_hold = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    n_mm1 = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    hold = hold_rate(n_hold)
    mm1, sojourn = mm1_rate(n_mm1)
    print(
        f"simpy {simpy.__version__}, python {sys.version.split()[0]}: "
        f"M/M/1 mean sojourn {sojourn:.3f} (exact 10)",
        file=sys.stderr,
    )
    print(json.dumps({"hold_events_per_sec": round(hold), "mm1_customers_per_sec": round(mm1)}))


if __name__ == "__main__":
    main()
