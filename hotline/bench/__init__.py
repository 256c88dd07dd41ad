"""`hotline bench`: how fast the whole pipeline runs, against what the bus itself allows.

One run, one machine, one broker:
1. the platform at a fixed rate: latency from submission to transfer letter (p50/p95/p99),
   and how often each service's event loop was held (its lag probe's late timers);
2. the platform at full speed: appeals per second from submission until each one is
   dispatched, has a deadline, has a public entry and is counted by assessment;
3. the ceiling: the same payloads relayed through the same hops (submission -> intake ->
   routing -> sla / publication / assessment) by bare aiokafka consumers and producers,
   each hop in its own process like the services: at the fixed rate (latency to routing's
   hop, CPU per appeal) and at full speed (appeals per second);
and every service's peak memory. The services run in their own processes on a fresh
database and topic prefix, so the figures do not mix with anything else on the stack.

By job: `load` (the submissions and sending them), `watch` (following the output topics),
`phases` (warm-up, fixed rate, full speed against the platform), `ceiling` (the bare relays),
`measure` (CPU, memory, the services' /metrics), `report` (the figures and their printing),
`run` (one run from start to end).
"""

from hotline.bench.run import one_bench_at_a_time, run_bench

__all__ = ["one_bench_at_a_time", "run_bench"]
