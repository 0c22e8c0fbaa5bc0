"""Prometheus metrics shared by every service: per handler, per projection lag, relay progress."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("profset_requests_total", "Requests handled", ["service", "verb", "outcome"])
NOT_REQUESTS = Counter(
    "profset_not_requests_total", "Messages on a request subject that no client sent (a stream's delivery)", ["service"]
)
REQUEST_SECONDS = Histogram("profset_request_seconds", "Time to answer a request", ["service", "verb"])
APPENDED = Counter("profset_events_appended_total", "Events appended to the ledger", ["service"])
RELAYED = Counter("profset_events_relayed_total", "Events published to JetStream", ["service"])
RELAY_POSITION = Gauge("profset_relay_position", "Ledger position last published", ["service"])
STREAM_BYTES = Gauge("profset_stream_bytes", "Bytes the context's stream holds, as its relay last saw", ["stream"])
STREAM_MAX_BYTES = Gauge("profset_stream_max_bytes", "The stream's size limit (-1: none)", ["stream"])
RELAY_REPAIRS = Counter("profset_relay_repairs_total", "Times the stream was found missing or behind", ["service", "why"])
PROJECTED = Counter("profset_events_projected_total", "Events applied by a projection", ["service", "consumer", "outcome"])
PROJECTION_LAG = Gauge("profset_projection_lag_messages", "Messages not yet delivered to a projection", ["service", "consumer"])
PROJECTION_POSITION = Gauge("profset_projection_position", "Source position last applied", ["service", "consumer"])
DEAD_LETTERED = Counter("profset_dead_lettered_total", "Messages given up on", ["service", "consumer"])
PARKED = Gauge("profset_parked_events", "Events parked behind a failing one", ["service", "consumer"])
READ_CACHE = Counter("profset_read_cache_total", "Answers asked of a read cache, by hit or miss", ["cache", "outcome"])
BUS_LEADERLESS = Gauge(
    "profset_stream_leaderless_seconds",
    "How long the service's own stream has had no leader (0 while it has one); commands are refused past a bound",
    ["service"],
)
ROLE_LEADING = Gauge(
    "profset_role_leading",
    "1 while this replica holds a single-active role's lock (the relay, a consumer's projector, a worker), else 0",
    ["service", "role"],
)
