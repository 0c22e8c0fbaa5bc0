"""Print: a material as a notice-board sheet or poster for one org (P1, P2, D2), made by Typst."""

from .render import PAPERS, Link, Paper, Sheet, render

__all__ = ["PAPERS", "Link", "Paper", "Sheet", "render"]
