"""Settings, policy page: each brand's rules in plain words, assumed values marked."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from app.errors import ReturnBenchError, user_message
from app.policy.describe import describe
from app.policy.rules import load_policy

BRANDS = ("kissprom", "stacees")


def policy_html(policy_id: str) -> str:
    policy = load_policy(policy_id)
    rows = []
    section = None
    for line in describe(policy):
        if line.section != section:
            section = line.section
            rows.append(f"<h3>{escape(section)}</h3>")
        mark = (" <span style='background:#f4b400;color:#111;font-weight:bold'>"
                "&nbsp;ASSUMED&nbsp;</span>" if line.assumed else "")
        rows.append(f"<p>{escape(line.text)}{mark}</p>")
    return (f"<h2>{escape(policy.name)}</h2><p>Version {escape(policy.version)} · sha256 "
            f"{policy.sha256[:16]}… · {escape(policy.source)}</p>"
            "<p><i>ASSUMED: the service guide is silent; our default, configurable in the "
            "policy file.</i></p>" + "".join(rows))


class PolicyView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        for brand in BRANDS:
            browser = QTextBrowser()
            try:
                browser.setHtml(policy_html(brand))
            except ReturnBenchError as exc:
                browser.setPlainText(f"This policy cannot be used: {user_message(exc)}")
            self.tabs.addTab(browser, brand)
        layout.addWidget(self.tabs, 1)
