"""axe-core in the browser tests: every main page, zero violations (無障礙網頁開發規範 AA).

axe-core is vendored from the npm registry (tests/browser/vendor/axe.min.js, MPL-2.0) so the
suite runs offline. `assert_accessible(page)` injects it into the page as it is now (after a
form error, an htmx swap, a language switch) and fails with each violated rule, its help text
and the first offending elements.
"""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).with_name("vendor") / "axe.min.js"
# WCAG 2.x A and AA: what the Taiwanese accessibility guideline's AA level asks of a page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page, *, exclude: list[str] | None = None) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern (a <script> tag would be refused, as an attacker's would).
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    context = {"exclude": [[sel] for sel in exclude]} if exclude else None
    return page.evaluate(
        """async ([context, tags]) => {
            const r = await axe.run(context || document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }""",
        [context, AXE_TAGS],
    )


def assert_accessible(page, *, exclude: list[str] | None = None) -> None:
    violations = axe_violations(page, exclude=exclude)
    if violations:
        lines = [f"axe: {len(violations)} violation(s) on {page.url}"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {n}" for n in v["nodes"])
        raise AssertionError("\n".join(lines))
