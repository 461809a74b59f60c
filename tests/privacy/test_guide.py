"""The privacy guide's code runs top to bottom (docs/privacy.md), and its budget holds."""

from __future__ import annotations

from tests.doc_blocks import run_page


def test_every_python_block_of_the_privacy_guide_runs() -> None:
    namespace = run_page("privacy.md")
    budget = namespace["budget"]
    assert budget.spent_epsilon <= budget.epsilon  # type: ignore[attr-defined]
