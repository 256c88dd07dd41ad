"""The demo's progress: redrawn in place on a terminal, whole lines (and few) into a log."""

import io
from collections import Counter

from hotline.demo import _progress
from hotline.simulation.driver import Ledger
from shared.clock import Clock


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ledger(sent: int) -> Ledger:
    return Ledger(submitted=Counter(ok=sent), outcomes=Counter(accepted=sent))


def test_into_a_log_the_progress_is_whole_lines_and_not_every_redraw():
    log = io.StringIO()
    show = _progress(Clock(), log)
    for sent in range(0, 100, 10):  # ten redraws in a moment: one line, not ten
        show(_ledger(sent), 100)
    assert "\r" not in log.getvalue()
    assert log.getvalue().count("\n") == 1 and log.getvalue().endswith("\n")
    assert "0/100 submitted" in log.getvalue()


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    screen = Terminal()
    show = _progress(Clock(), screen)
    show(_ledger(30), 100)
    assert screen.getvalue().startswith("\r  [#########.....................] 30/100 submitted, 30 decided")
    assert "\n" not in screen.getvalue()
