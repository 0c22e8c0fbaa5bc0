"""Figures: one JSON line each, and BENCHMARKS.md written from them."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured value, beside the baseline measured in the same run on the same servers."""

    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    size: str = ""
    """The union it was measured on (`Sizes.label`); empty for a figure that does not depend on it."""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or not self.baseline_value:
            return None
        return round(self.value / self.baseline_value, 3)

    def line(self) -> str:
        """The figure as one JSON line."""
        return json.dumps(asdict(self) | {"value": round(self.value, 3), "ratio": self.ratio}, ensure_ascii=False)


@dataclass(frozen=True)
class Target:
    """What a figure must reach: `ratio` (or `value` when `on_value`) at least / at most `bound`."""

    figure: str
    text: str
    bound: float
    at_most: bool = False
    on_value: bool = False

    def met(self, figures: dict[str, Figure]) -> bool | None:
        # a figure name ending in "*" asks it of every figure with that prefix (each service's memory)
        found = [
            f for n, f in figures.items() if n == self.figure or (self.figure.endswith("*") and n.startswith(self.figure[:-1]))
        ]
        seen = [f.value if self.on_value else f.ratio for f in found]
        if not seen or None in seen:
            return None
        return all((x is not None) and (x <= self.bound if self.at_most else x >= self.bound) for x in seen)


def machine() -> dict[str, Any]:
    """The machine and its load while the figures were taken."""
    load = os.getloadavg()
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln), "?")
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), "0")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load": [round(x, 2) for x in load],
    }


CHANGES = [
    "Registry tree and headcount read models: one multi-row insert per table and append instead of one round trip "
    "per event (py-spy showed the bench's ledger fill and the rebuild waiting on `tree.apply` inserts).",
    "Contracts: `latest_version` kept per event type instead of scanning every event class on every decode; py-spy "
    "put it at 40% of a rebuild's time, and it sits on every read, load and projection.",
    "Event store, group commit: concurrent appends of a service queue for one writer, which commits them in groups "
    "(one transaction, one append lock, one durable commit). A group is checked in one round trip (command ids done, "
    "stream versions, positions), its read models updated in one pass and its events and replies written in one "
    "statement pipelined with the COMMIT; if a write fails, the group is written again one append at a time in "
    "savepoints, so only the failing append fails. py-spy and pg_stat_activity had shown commands queueing on the "
    "append lock held through a durable commit, and seven round trips per append.",
    "Event store, reads: `read_stream`, `load`, snapshots and stored replies go through a few autocommit psycopg "
    "connections with prepared statements, one round trip a read; the engine's checkout had added a ping, a BEGIN and "
    "a ROLLBACK to each (about 5 ms per stream read under load).",
    "Engines ping only connections that rested in the pool (a restarted server is still survived) and keep 20 "
    "connections, so busy services stop paying a BEGIN + SELECT 1 per checkout and reopening overflow connections.",
    "Relay: its wake-up is cleared before it reads the ledger, so an append committing during the read is published "
    "at once rather than after the 0.2 s poll; its relay_state hint is written without waiting for the disk.",
    "Mail: the sender asks contacts for a round's addresses a few at a time and reads the round's materials in one "
    "query, then sends over one kept SMTP connection; each receipt is still recorded before the next letter goes, so "
    "a kill repeats at most the letter in flight.",
    "Rebuild: the ledger is read through a server-side psycopg cursor (only the columns a projection sees), and "
    "projection inserts (`kit.store.inserts`) send each column as one array and unnest it: one insert per table "
    "and batch instead of one per row.",
    "Seen, not yet changed: a command's events are projected by five other services, each in its own transaction "
    "with a savepoint per message; under load that CPU, not the append lock, now bounds the command rate.",
    "Gateway reads: at full size (5,081 orgs) every org page rebuilt the registry's whole tree, and every compliance "
    "and KPI view loaded the whole tree mirror and walked it per org; at 200 requests/s that gave a p50 of 14 s and "
    "1,637 errors of 2,000 (timeouts). Now the registry's tree, the tree mirror of audits and kpi and their answers "
    "are kept in a read cache (`kit.readcache`) under the read models' state, which one query reads on every request "
    "(the ledger's end, each checkpoint row, the retry backlog), so nothing is ever served older than the database; "
    "the tree keeps its children index, so a subtree is walked, not found by scanning every org. The gateway's "
    "dependencies run on the event loop instead of its thread pool, and its security headers are a plain ASGI "
    "middleware instead of one that wraps each request in a task.",
    "Requests, per request: FastStream resolved the NATS message through a sync `Context.use`, which fast_depends "
    "runs in a worker thread, so every request hopped threads; it is now resolved on the loop. uvicorn runs on "
    "uvloop with httptools (its `standard` extras), about a third less CPU per request in the gateway and services. "
    "And the bench's own client: httpx cost the shared cores 4 ms a request (as much as the stack it measured), so "
    "the reads go through a lean kept-alive HTTP/1.1 client (`bench/http.py`, 0.3 ms).",
    "Event store append: a group the writer can foresee goes out in one round trip (BEGIN, the lock, a guard that "
    "fails unless positions and versions are as predicted, the write-only read models, the events, COMMIT); "
    "anything else falls back to the checked path. Appended one at a time, both stores wait on the disk's flush, "
    "so the append ratio follows the disk: 0.43 to 1.3 in alternating runs of the old and the new code alike.",
    "Registry memory: 64 concurrent admits each found the tree uncached, decoded the 5,081-org snapshot and wrote "
    "a new one (222 MB resident after the run). Concurrent cold loads of a cached stream now share one decode, each "
    "still reading the events after it, and a snapshot is claimed before it is written: 123 MB. The bench reports "
    "each service's peak (`memory_peak.*`) beside what it holds at the end.",
    "Cold views: audits' compliance facts and kpi's scope were read with statements built per view; built once, "
    "with the orgs as one array parameter, a cold view costs 2.1 ms of CPU in audits (from 4.0) and 3 ms in kpi "
    "(from 4.7).",
    "Mail: a material's letter is rendered once and only To, Message-ID and Date are set per letter; addresses are "
    "asked of contacts a few letters ahead, so asking overlaps sending; the next letter's envelope (MAIL, RCPT, not "
    "the letter) goes while the last receipt is recorded, so one letter is still in flight; a receipt no longer "
    "wakes the relay on its own. 70 → 116 letters/s at full size. The baseline now sends ready-made letters "
    "(it had built each one, as the sender no longer does), so it measures SMTP alone: 308 letters/s.",
    "Mail, then: contacts answers `usable_addresses` in one prepared statement (contact points joined with their "
    "live keys) on an autocommit connection, instead of two SQLAlchemy reads: 2.3 → 1.0 ms of contacts' CPU a "
    "letter. The next letter is made ready while the last receipt is recorded: envelope, DATA and text, all but "
    "the final dot, without which a server keeps nothing (a ready letter that is not the next one sent is dropped "
    "with its connection). MAIL and RCPT name the checked address as it is (aiosmtplib parsed both addresses for "
    "every letter) and the Date header is made once a second. 116 → 194 letters/s at full size, 0.48 of raw; what "
    "remains per letter is the dot's "
    "round trip (the sink parsing and filing the letter) and then the longer of the receipt's commit and the next "
    "letter's three round trips, each about 2.5 ms on two shared cores.",
    "Commands: admitting a member wrote the new person's key in a commit of its own before the append; the key is "
    "now written in the append's transaction (its `also`, run before the read models, which read it), one durable "
    "commit per admission instead of two: the registry's CPU a command 4.2 → 2.7 ms, 108 → 148 commands/s on a "
    "1,000-org union. Services also remember tokens whose signature held (expiry and audience are still checked "
    "each time), as one caller sends one token with many requests.",
    "Seen, not yet changed (commands): the stack is now CPU-bound at about 12 ms a command — registry 2.7, contacts "
    "1.8, PostgreSQL 1.7, NATS 1.4, and 1.1 to 1.3 in each of the four services that only pass the event by, most of "
    "it their per-batch checkpoint transaction (reading the checkpoint, advancing it, the commit). Filtering their "
    "consumers by subject would save most of those four, but read-your-writes waits on every consumer's checkpoint, "
    "so it is a design change first; even then 0.10 of a raw publish rate of 7,600 to 15,000 messages/s asks for "
    "380 to 750 commands/s, under 3 ms of CPU a command across six processes.",
    "Event store append, found this stop: appends slowed as the ledger grew (4,100 → 1,700 events/s over the "
    "bench's 2,000 aggregates) because the guard kept the plan the server made on the sixth append, when the "
    "ledger was a few rows: a scan of every event, kept until the table is next analysed, which in a minute-long "
    "run it never was (pg_stat_statements: the guard 0.05 → 2.5 ms). The guard and the check are now planned for "
    "their streams each time. Events and replies go as one jsonb parameter instead of an array per column, and "
    "read-model rows as one jsonb parameter the server turns into the table's row type "
    "(`jsonb_populate_recordset`), sent straight on psycopg in the append's pipeline instead of through "
    "SQLAlchemy's compile and execute; ids come from OS randomness read 256 ids at a time. The two stores now take "
    "turns (eight rounds of a share each), so a shared machine's slow moments fall on both alike.",
    "Mail, this stop: the sender asks contacts for a chunk of letters' addresses in one request "
    "(`usable_addresses_of`, one query for up to 100 people, consent honoured in its WHERE clause as in "
    "`usable_addresses`) instead of one request a letter: contacts' CPU a letter 1.1 → 0.4 ms, 180 → 194 letters/s "
    "on a 1,000-org union in alternating scratch runs.",
    "Commands, this stop (per-process CPU for each admitted member on a 1,000-org union, scratch runs): every "
    "consumer took every event of its source, and most of a command's cost was other services' projectors "
    "opening a transaction for events they then ignored (exchange, notifications, audits and kpi at 1.7 ms each). "
    "A projection now names the events it takes and its JetStream consumer is filtered to their subjects; a test "
    "runs every event of a context through every projection to hold the list to what `apply` acts on. A filtered "
    "consumer's checkpoint moves over the events it does not take once nothing it takes waits, and read-your-writes "
    "asks JetStream (stream end, consumer's pending and unacknowledged) rather than the checkpoint alone. In the "
    "registry, concurrent loads of the kept tree share one catch-up read (a load never joins one begun before it "
    "asked) and new people's keys of a group go in one pipeline; contacts builds its admission statements once. "
    "17 → 8 ms of CPU a command across the stack. Tried and left out: 64 requests at once per service instead of 16 "
    "(commands +25%, but the first computations of cold views queued longer: their p90 doubled in scratch runs), and "
    "an admission in one round trip (the group commit halved, 19 → 10 ms, with no more commands a second).",
    "Commands, the next stop: the bench now reports each process's CPU a command (`commands.cpu.*`, from the first "
    "command until the consumers have caught up) and takes the raw publish rate once they have, on the quiet stack: "
    "taken while they still worked, it had swung between 7,645 and 13,602 messages/s. Concurrent reply lookups share "
    "one read as the tree loads do (at 400 commands/s there are seldom two waiting, so it saves little). A "
    "projection names the events it applies without reading a result, and a batch of only those goes to PostgreSQL "
    "in one psycopg pipeline; contacts' admission statements are compiled once and run on psycopg "
    "(`kit.db.Compiled`) rather than through SQLAlchemy's execution path: contacts' CPU a command 1.04–1.14 → "
    "0.93–1.0 ms in alternating scratch runs. What a command costs now (1,000-org union, 64 clients, 6,000 "
    "commands): registry 1.9–2.0 ms, contacts 0.95, PostgreSQL 0.6, NATS 0.45–0.5, the other four services 0.2 "
    "together, the clients 0.1–0.25: about 4.4 ms on two cores, a ceiling near 450 commands/s (900 events/s). "
    "0.10 of a quiet raw rate of 15,000–20,000 messages/s asks for 1,500–2,000 events/s, 750–1,000 commands/s: "
    "under 2 ms of CPU a command across the stack.",
    "Event store, the same stop: the bench runs our store on uvloop, as a service's appends run (on asyncio's default "
    "loop every psycopg wait registered and unregistered an epoll watch), and the store reaches psycopg's connection "
    "without SQLAlchemy's greenlet hop (`kit.db.driver`): 3–4% less CPU an append and about 4% more appends a second "
    "in scratch runs. The append is still at parity with the peer: 0.97–1.01 over four full runs. What is left is "
    "spread thin: the registry's inline read models (about 0.2 of 0.85 ms of our CPU an append), the events' JSON, "
    "the plan, psycopg's path for six statements; on the server our statements take 0.23 ms an append, the peer's 0.08.",
    "Event store, the stop after: the writer's connection is in autocommit and its pipeline sends its own BEGIN and "
    "COMMIT, yet each group still began and committed a SQLAlchemy transaction around it (bookkeeping only, two "
    "greenlet hops); it no longer does, and `kit.db.run_raw` skips that bookkeeping on autocommit connections. The "
    "insert's rows are dumped once BEGIN, the lock and the guard are on their way, so the server works through those "
    "meanwhile. Appends a second +12% and +6% in alternating scratch runs; the full-size scenario alone gave "
    "1.15 and 1.22 of the peer.",
    "Gateway memory: its peak (`memory_peak.gateway`, about 180 MB against 120–125 at the end) is one sign-in's "
    "argon2id check, which holds 64 MiB (RFC 9106's low-memory profile) while it runs. Checks ran in the default "
    "thread pool, six at once: six concurrent sign-ins took the gateway to 513 MB, its Kubernetes limit. They now "
    "run two at a time (`GATEWAY_PASSWORD_HASHES_AT_ONCE`), at most 128 MiB above what the gateway holds.",
    "Commands, this stop (scratch runs: 1,000-org union, 3,000 admissions, 64 clients): the key the key ring makes for "
    "a new member is handed, once, to the people read model of the same append, which had read it back from the "
    "table; with the key's write (an `also` that only writes) in the append's pipeline, an admission's group takes "
    "the one-round-trip path instead of four (check, keys written, keys read, the rest). A command is no longer "
    "looked up as a possible repeat before its handler runs (a read a command): its append finds the command id done "
    "and answers the first reply, and a handler that refuses a repeat (its first run changed what it decides on) "
    "looks the reply up then. The projectors' checkpoint read and advance run straight on psycopg. Quicker groups "
    "were smaller (2.4 appends instead of 5.9), each paying a transaction, a durable commit and seven statements: "
    "under load the writer now waits 5 ms for more (`<SERVICE>_GROUP_COMMIT_WAIT_SECONDS`; a lone append never "
    "waits), 7.4 appends a group. An admission is decided on the tree as last loaded, without reading its tail, and "
    "its append confirms the tree's version (a batch of no events), decided again on a fresh tree if the tree moved. "
    "The relay publishes the JSON the server prints instead of decoding and encoding each event. Together: registry "
    "1.40–1.46 → 1.05 ms of CPU a command, PostgreSQL 0.58–0.66 → 0.38, 520–580 → 690 commands/s.",
    "Commands, the same stop, the largest step: counting the NATS client's socket writes showed 2.1 a command in the "
    "registry, one per event published. nats-py's `publish_async` with a stall timeout takes its window's slot under "
    "`asyncio.wait_for`, which yields to the loop at every call, so the client's flusher ran between events and wrote "
    "each on its own; on loopback each write also carries the server's receiving of it. The relay's window is now a "
    "batch wide and taken without a timeout (a batch cut short cancels its publishes, freeing their slots): 0.2 "
    "writes a command. Registry 1.05 → 0.88 ms of CPU a command, NATS 0.39 → 0.14, contacts 0.60 → 0.29 (it fetches "
    "what arrives together), PostgreSQL 0.38 → 0.29; 690 → 950–985 commands/s, 0.096–0.102 of the raw rate.",
    "Commands at full size, the same stop (5,081 orgs, 100,000 members, 5,000 admissions): no longer CPU-bound, the "
    "stack used 1.5 of its 2 cores at 744 commands/s. A command waits for its group's durable commit, and the registry "
    "took 16 requests at once, so a group held at most 16: it now takes 64 (`REGISTRY_REQUEST_WORKERS`; the others "
    "keep 16), 780 → 910 commands/s, and the store's direct reads wait for one of their 8 connections rather than "
    "open more. pg_stat_statements then showed the group's guard at 0.47 ms: a max(version) grouped by stream read "
    "every event of its streams, the tree's 5,081 among them once admissions were decided on the kept tree. Each "
    "stream's last version now comes from the top of its index (0.07 ms), however long the tree's history grows.",
    "Commands, the next stop (scratch runs as above): requests reach the dispatcher as FastStream decoded them, "
    "without fast_depends resolving the message for each (`apply_types=False` and a decoder that hands the message "
    "over): registry 1.02 → 0.91 ms of CPU a command; with `ack_policy=MANUAL` (a core NATS request has nothing "
    "to acknowledge) FastStream also leaves its acknowledging middleware out, about 5% less again. The relay's hint "
    "of where it stands is one prepared statement a batch that skips its own commit's disk wait; SQLAlchemy had built "
    "and compiled the upsert for every batch, behind a SET of its own: registry 0.75–0.80 → 0.70–0.72 in alternating "
    "runs. A group's new person keys go in one insert, and contacts "
    "writes a member's move with the membership row in one statement. Tried and undone: publishing each relay batch "
    "as one JetStream atomic batch (one acknowledgement a batch). On file-backed streams the server spends about "
    "1.1 ms of CPU on every atomic batch, whatever its size (70 µs on a memory stream): commands gained ~9% as the "
    "server took over the registry's acknowledgement work, but the mail rate fell to 0.47 of raw, each receipt "
    "going out as a batch of one.",
    "Event store append, issue 29, measured again after main's appeals work: the foreseen one-round-trip write on "
    "and off in alternating runs on the shared two-core machine (1-minute load 3 to 9, other work running). "
    "`store.append` (12,000 aggregates a run, the two stores and the peer taking turns; 4 runs): median 3,698 "
    "events/s with it, 3,580 without (+3 %; run by run -4, +20, +8, +6 %, median +7 %). Commands (small union, "
    "15,000 admissions, 64 clients, one stack, the shortcut switched between runs; 6 runs each way): median 188 "
    "commands/s with it, 197 without (-4 %; run by run +5, +17, +12, +18, -8, -11 %, median +8 %). Under 10 % on "
    "either figure, so it is gone: `forecast.py`, the guard statement, the connection-loss check of the foreseen "
    "path and `bench/writepath.py`. Every group is checked, then written: two round trips, the write-only read "
    "models and `also`s still in the second with the events.",
    "Event store append, issue 29, measured on a quiet machine (1-minute load about 1, nothing else running): a full "
    "`make bench` of the commit before the kit's rewrite (5ef7ef2) and of the rewrite (a5ab19f) in one sitting, then "
    "`store.append` alone in four alternating rounds: 6,134 / 6,282 / 6,455 / 6,074 events/s with the foreseen "
    "one-round-trip write, 5,021 / 4,556 / 4,968 / 4,823 without it (−22 %; the peer 4,600–5,340 in both). The busy "
    "machine of the run above had hidden it: a round trip costs relatively more when nothing else waits. It pays, so "
    "it is back behind `kit/store/forecast.py`. In the same sitting the rewrite moved the other figures within "
    "noise or ahead (commands 268 → 353 a second, cascade 1.63 → 1.34 s, mail 119 → 137 letters/s, no errors).",
    "Today's tree kept (issue 35): every access check of the exchange's commands and queries, and of contacts', "
    "appeals' and notifications' queries, read the service's whole tree mirror (0.7 s at 100,101 orgs, measured "
    "here). The tree is now kept while the mirror stands still (`mirrors.treemirror.KeptTrees` over a `ReadCache` "
    "written by the mirror's one consumer, so the service's own appends do not throw it away); the cache reads the "
    "state through the store's connections, so the Kubernetes connection budget is unchanged.",
    "KPI rankings (issue 35): a ranking computed the root's whole subtree on every request; with the lazy tree's "
    "rankings in the read mix at 200 views a second both cores saturated (p99 10 s, 412 errors in a quick run). "
    "Rankings are now kept like an org's KPI view: kpi's CPU a view 10.7 → 1.3 ms in the same quick run.",
]


def _curve(figures: list[Figure], sizes: list[str]) -> list[str]:
    """How each figure measured on every union grows from the smallest to the largest: a view's or a command's cost
    that grows with the union is a defect, a rate that falls is one too."""
    if len(sizes) < 2:
        return []
    at = {(f.name, f.size): f for f in figures if f.size}
    names = [n for n in dict.fromkeys(f.name for f in figures if f.size) if all((n, s) in at for s in sizes)]
    grew = _orgs(sizes[-1]) / _orgs(sizes[0])
    out = [
        "",
        "## How the figures grow with the union",
        "",
        f"Each figure on each union, and the largest's value over the smallest's (the union grew {grew:,.0f}×). A cost "
        "per unit of work (a command, a delivery, a letter, a view) should stay flat; a rate should not fall.",
        "",
        f"| figure | unit | {' | '.join(sizes)} | largest ÷ smallest |",
        "|---|---|" + "---:|" * (len(sizes) + 1),
    ]
    for n in names:
        values = [at[(n, s)].value for s in sizes]
        growth = values[-1] / values[0] if values[0] else None
        out.append(f"| {n} | {at[(n, sizes[0])].unit} | {' | '.join(_fmt(v) for v in values)} | {_fmt(growth)} |")
    return out


def _orgs(size: str) -> int:
    return int(size.split(maxsplit=1)[0].replace(",", ""))


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:,.3f}".rstrip("0").rstrip(".")


def write_markdown(
    path: Path,
    figures: list[Figure],
    targets: list[Target],
    mode: str,
    before: dict[str, Any],
    after: dict[str, Any],
    notes: list[str],
) -> None:
    """BENCHMARKS.md: the figures, the machine, how to rerun, which targets are met, and how each figure grows with
    the union."""
    sizes = list(dict.fromkeys(f.size for f in figures if f.size)) or [""]
    out = [
        "# Benchmarks",
        "",
        f"Written by `make {'bench-quick' if mode == 'quick' else 'bench'}` ({mode} sizes) from the run it just made; "
        "every baseline was measured in the same run, on the same local servers. Rerun with `make bench` (full sizes) or "
        "`make bench-quick` (small sizes); each prints one JSON line per figure.",
        "",
        "## Machine",
        "",
        f"- {before['cpu']}, {before['cores']} cores, {before['memory_gb']} GB",
        f"- Python {before['python']}, Linux {before['kernel']}",
        f"- load average (1, 5, 15 min) before the run {before['load']}, after it {after['load']} (the run's own"
        " last minutes)"
        + (
            " — **figures taken under load**: something else (another run, or the machine's other users) had the"
            " cores busy when the run began"
            if before["load"][0] > 1
            else ""
        ),
        "",
        "## Figures",
        "",
        "| figure | union | value | unit | baseline | baseline value | ratio |",
        "|---|---|---:|---|---|---:|---:|",
    ]
    out += [
        f"| {f.name} | {f.size or '–'} | {_fmt(f.value)} | {f.unit} | {f.baseline or '–'} | {_fmt(f.baseline_value)} | "
        f"{_fmt(f.ratio)} |"
        for f in figures
    ]
    out += ["", "## Targets", "", f"| target | {' | '.join(s or 'met' for s in sizes)} |", "|---|" + "---|" * len(sizes)]
    on = [{f.name: f for f in figures if f.size in ("", size)} for size in sizes]
    for t in targets:
        met = [t.met(by_name) for by_name in on]
        out.append(f"| {t.text} | " + " | ".join("not measured" if m is None else "yes" if m else "no" for m in met) + " |")
    out += _curve(figures, sizes)
    if notes:
        out += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    out += ["", "## What profiling (py-spy) changed", "", *[f"- {c}" for c in CHANGES]]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
