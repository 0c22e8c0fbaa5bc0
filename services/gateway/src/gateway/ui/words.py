"""English source labels of the union's codes (levels, roles, kinds, statuses); the catalogues translate them."""

from __future__ import annotations

LABELS = {
    # levels (H1)
    "central": "Central Committee",
    "territorial": "territorial org",
    "primary": "primary org",
    # posts
    "chair": "chair",
    "info_worker": "information worker",
    "info_activist": "information activist",
    "press_secretary": "press secretary",
    # user roles (§5)
    "admin": "administrator",
    "staff": "staff",
    "auditor": "auditor",
    "viewer": "viewer",
    # materials
    "news": "news",
    "announcement": "announcement",
    "leaflet": "leaflet",
    "video": "video",
    "press_release": "press release",
    "report": "report",
    "wages": "wages",
    "employment": "employment",
    "working_conditions": "working conditions",
    "social_and_labour": "social and labour matters",
    "collective_agreement": "collective agreement",
    "youth": "youth work",
    "actions": "actions",
    "other": "other",
    "bargaining": "collective bargaining",
    "action": "an action",
    "conflict": "a conflict",
    "draft": "draft",
    "sent": "sent",
    "pending": "waiting for moderation",
    "approved": "approved",
    "rejected": "rejected",
    "under_review": "published, awaiting review",
    "confirmed": "published, review confirmed",
    "taken_down": "taken down",
    "none": "—",
    # routes
    "X1": "down the chain (X1)",
    "X2": "up, newsworthy (X2)",
    "X3": "up, needs support (X3)",
    "parent": "to the parent",
    "forward": "forwarded",
    # compliance
    "met": "met",
    "breached": "breached",
    "unknown": "unknown",
    "not_applicable": "not applicable",
    # channels
    "mailing_list": "mailing list",
    "chat": "chat",
    "social_page": "social-network page",
    "website": "website",
    "notice_board": "notice board",
    "print": "print edition",
    "feedback_form": "feedback form",
    "hotline": "hotline",
    # contact points and consent
    "work_email": "work e-mail",
    "personal_email": "personal e-mail",
    "mobile": "mobile phone",
    "messenger": "messenger",
    "written": "written",
    "electronic": "electronic",
    "oral_recorded": "oral, recorded",
    # audits
    "planned": "planned",
    "scheduled": "planned",
    "started": "in progress",
    "in_progress": "in progress",
    "completed": "completed",
    "open": "open",
    "closed": "closed",
    "minor": "minor",
    "major": "major",
    "critical": "critical",
    # appeals (D1, D2)
    "portal": "in the portal",
    "phone": "by phone",
    "visit": "in person",
    "resolved": "resolved",
    "partly_resolved": "partly resolved",
    "not_resolved": "not resolved",
    "explained": "explained",
    "withdrawn": "withdrawn by the member",
}

INDICATORS = {
    "K1": "Information structure or worker",
    "K2": "Information-work funding, share of budget",
    "K3": "Systematic exchange of materials",
    "K4": "Audience of the website and social pages",
    "K5": "Media mentions",
    "K6": "Reach of the org's channels",
    "K7": "Digital maturity",
    "K8": "Participants in actions and campaigns",
    "K9": "Trained information workers and activists",
}

RATIOS = frozenset({"K2", "K3", "K6"})
"""Indicators that are shares (0.05 is 5 %); the others are counts or an index (docs/kpi.md)."""


def label(code: object) -> str:
    """The source label of a code (the code itself when none is known)."""
    return LABELS.get(str(code), str(code))
