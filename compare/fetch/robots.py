"""robots.txt as RFC 9309 says: groups by product token, longest match wins, ``*`` and ``$``.

The standard library's ``urllib.robotparser`` applies the first matching rule and knows no
wildcards, so a site that writes ``Disallow: /*?print=`` would be fetched anyway; this module
implements the RFC's matching instead. It also reads the (non-standard but common)
``Crawl-delay`` and the ``Sitemap`` lines.

Status rules (RFC 9309 §2.3.1): a 2xx body is parsed; 4xx means no rules (allow all);
5xx or an unreachable server means disallow all, for the rest of the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

__all__ = ["RobotsRules", "parse_robots", "product_token"]

_MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least 500 KiB


@dataclass(frozen=True)
class _Rule:
    allow: bool
    path: str
    pattern: re.Pattern[str]


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one host's robots.txt for every user agent, ready to answer queries."""

    groups: tuple[tuple[tuple[str, ...], tuple[_Rule, ...], float | None], ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow_all: bool = False
    disallow_all: bool = False
    reason: str = "robots.txt"
    unreachable: str | None = None
    """The fetch_log outcome (e.g. ``dns_error``) when robots.txt could not be reached at all."""

    @classmethod
    def allowing_all(cls, reason: str) -> RobotsRules:
        """No rules at all: what a 4xx robots.txt means."""
        return cls(allow_all=True, reason=reason)

    @classmethod
    def disallowing_all(cls, reason: str, *, unreachable: str | None = None) -> RobotsRules:
        """Everything disallowed: what a 5xx or unreachable robots.txt means for this run."""
        return cls(disallow_all=True, reason=reason, unreachable=unreachable)

    def _group_for(self, token: str) -> tuple[tuple[_Rule, ...], float | None]:
        token = token.lower()
        rules: list[_Rule] = []
        delay: float | None = None
        matched = False
        for agents, group_rules, group_delay in self.groups:
            if token in agents:
                matched = True
                rules.extend(group_rules)
                delay = group_delay if delay is None else delay
        if not matched:
            for agents, group_rules, group_delay in self.groups:
                if "*" in agents:
                    rules.extend(group_rules)
                    delay = group_delay if delay is None else delay
        return tuple(rules), delay

    def allowed(self, url: str, user_agent: str) -> bool:
        """May ``user_agent`` fetch ``url``? Longest matching rule wins; ``allow`` wins ties."""
        if self.allow_all:
            return True
        if self.disallow_all:
            return False
        parts = urlsplit(url)
        target = _normalise(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if target == "/robots.txt":
            return True
        rules, _ = self._group_for(product_token(user_agent))
        best: _Rule | None = None
        for rule in rules:
            if not rule.pattern.match(target):
                continue
            if (
                best is None
                or len(rule.path) > len(best.path)
                or (len(rule.path) == len(best.path) and rule.allow and not best.allow)
            ):
                best = rule
        return True if best is None else best.allow

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay of the group that applies to ``user_agent``; ``None`` when not set."""
        if self.allow_all or self.disallow_all:
            return None
        return self._group_for(product_token(user_agent))[1]


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched on: ``newscompare`` in ``newscompare/0.1 (…)``."""
    match = re.match(r"\s*([A-Za-z_-]+)", user_agent)
    return match.group(1).lower() if match else user_agent.strip().lower()


def _normalise(path: str) -> str:
    # Compare paths with one spelling of percent-escapes (RFC 9309 §2.2.2).
    return quote(unquote(path), safe="/:@!$&'()*+,;=~?%")


def _compile(path: str) -> re.Pattern[str]:
    anchored = path.endswith("$")
    body = path[:-1] if anchored else path
    regex = ".*".join(re.escape(piece) for piece in _normalise(body).split("*"))
    return re.compile(regex + ("$" if anchored else ""))


def parse_robots(text: str) -> RobotsRules:
    """Parse a robots.txt body. Unknown lines are ignored, as the RFC asks."""
    groups: list[_Group] = []
    sitemaps: list[str] = []
    current: _Group | None = None
    last_was_agent = False
    for raw in text[:_MAX_ROBOTS_BYTES].splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key in ("user-agent", "useragent"):
            if current is None or not last_was_agent:
                current = _Group()
                groups.append(current)
            current.agents.append(product_token(value) if value != "*" else "*")
            last_was_agent = True
            continue
        if key == "sitemap":
            if value:
                sitemaps.append(value)
            continue
        last_was_agent = False
        if current is None:
            continue
        if key in ("allow", "disallow"):
            if not value:
                continue  # an empty Disallow allows everything: no rule
            current.rules.append(_Rule(key == "allow", value, _compile(value)))
        elif key == "crawl-delay":
            try:
                delay = float(value)
            except ValueError:
                continue
            if delay >= 0 and current.crawl_delay is None:
                current.crawl_delay = delay
    return RobotsRules(
        groups=tuple(
            (tuple(g.agents), tuple(g.rules), g.crawl_delay) for g in groups if g.agents
        ),
        sitemaps=tuple(sitemaps),
    )
