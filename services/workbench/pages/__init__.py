"""The workbench's pages: log-in, the unit workbench, the call-taker console, dispatch, the board."""

from services.workbench.pages.auth import router as auth
from services.workbench.pages.board import router as board
from services.workbench.pages.console import router as console
from services.workbench.pages.dispatch import router as dispatch
from services.workbench.pages.unit import router as unit

ROUTERS = (auth, unit, console, dispatch, board)
