"""The teacher's dashboard in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

Opens the dashboard link, creates a session with the form, watches a student's result appear live (the
attempt is posted with httpx while the page is open), switches to projector mode and downloads the CSV.
Screenshots go to $ENDPLATE_SCREENSHOTS (or a temporary folder) for people to look at.
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest

from class_helpers import LEVEL, WINNING_MOVES, attempt

CHROMIUM = Path(os.environ.get("ENDPLATE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def shots():
    folder = os.environ.get("ENDPLATE_SCREENSHOTS")
    path = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="endplate-dashboard-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_dashboard_live_projector_and_csv(real_server, shots, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium package; .ci/run does)")
    from playwright.sync_api import expect, sync_playwright

    url = real_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, accept_downloads=True)
            page.set_default_timeout(60_000)
            page.goto(real_server.info["dashboard_url"])
            assert "token=" not in page.url                    # the token was exchanged for a cookie
            page.fill("input[name=title]", "7B biology, Tuesday")
            page.check(f"input[name=level][value={LEVEL}]")
            page.check("input[name=level][value=ptosis]")
            page.select_option("select[name=quiz_mode]", "pre-post")
            page.click("#create")
            expect(page.locator("#create-msg")).to_contain_text("join code")
            expect(page.locator("#s-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
            code = page.locator("#s-code").inner_text().strip()
            expect(page.locator("#conn")).to_have_text("live")

            # two students join and play; the page is not reloaded
            with httpx.Client(base_url=url, timeout=60.0) as http:
                for name, moves in (("Ana", WINNING_MOVES), ("Ben", [])):
                    joined = http.post("/api/join", json={"join_code": code, "nickname": name}).json()
                    me = {"Authorization": f"Bearer {joined['student_token']}"}
                    lv = joined["session"]["levels"][0]
                    claimed = {"score": 100.0, "stars": 3, "won": True}
                    r = http.post("/api/attempts", headers=me, json=attempt(lv, 1, moves, claimed))
                    assert r.status_code == 200
                    for phase, answer in (("pre", 0), ("post", 2 if name == "Ana" else 1)):
                        http.post("/api/answers", headers=me, json={"uuid": str(uuid.uuid4()), "phase": phase,
                                                                    "question_id": "s-ache-role", "answer": answer})
            row = page.locator("#grid tr[data-student=Ana]")
            expect(row).to_contain_text("★★★")
            expect(row.locator(".ok")).to_have_count(1)
            expect(page.locator("#grid tr[data-student=Ben] .warn")).to_have_count(1)   # claimed 3 stars, earned 0
            expect(page.locator("#leaderboard li").first).to_contain_text("Ana")
            expect(page.locator("#gain-chart svg")).to_have_count(1)
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

            page.click("#projector-btn")
            expect(page.locator("#projector")).to_be_visible()
            expect(page.locator("#p-board li").first).to_contain_text("Ana")
            page.screenshot(path=str(shots / "projector.png"))
            page.keyboard.press("Escape")
            expect(page.locator("#projector")).to_be_hidden()

            with page.expect_download() as dl:
                page.click("#dl-results")
            saved = tmp_path / "results.csv"
            dl.value.save_as(saved)
            text = saved.read_text(encoding="utf-8-sig")
            assert text.startswith("nickname,") and "Ana" in text and "Ben" in text
        finally:
            browser.close()
