"""Staff accounts: roles, what each role's pages may do, which API role acts for it, lockout.

Pure rules, no I/O. A staff role is what a person does at the centre or a unit; the five
services know the token roles of shared/auth.py, so each staff role maps to one of those.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

STAFF_ROLES = ("operator", "dispatcher", "supervisor", "unit", "admin")
# The APIs have no dispatcher role: dispatchers act with the operator's rights (intake's review
# queue, routing's dispatch queue), which is what those services grant the centre's staff.
API_ROLE = {"operator": "operator", "dispatcher": "operator", "supervisor": "supervisor",
            "unit": "unit", "admin": "admin"}
# Which pages each staff role works on; any other page answers 403.
AREAS = {
    "unit": ("unit",),
    "operator": ("console",),
    "dispatcher": ("dispatch", "console"),
    "supervisor": ("board",),
    "admin": ("board",),
}
HOME = {"unit": "/unit", "operator": "/console", "dispatcher": "/dispatch", "supervisor": "/board",
        "admin": "/board"}

MAX_FAILURES = 5  # consecutive wrong passwords before the account is locked
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)  # one shift
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
UNIT_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
MIN_PASSWORD = 10


class AccountRefused(ValueError):
    """An account that cannot be created as asked; `field` names the part that is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    role: str
    unit_code: str | None

    def may_enter(self, area: str) -> bool:
        return area in AREAS.get(self.role, ())

    @property
    def api_role(self) -> str:
        return API_ROLE[self.role]

    @property
    def home(self) -> str:
        return HOME[self.role]

    @property
    def own_unit(self) -> str:
        """The unit a unit handler works for (check_new_account gives every unit account one)."""
        if self.unit_code is None:
            raise ValueError(f"{self.username} is not a unit handler: no unit")
        return self.unit_code


def check_new_account(username: str, role: str, unit_code: str | None, password: str) -> None:
    if not USERNAME.match(username):
        raise AccountRefused("username", "2-32 lower-case letters, digits, '.', '_' or '-'")
    if role not in STAFF_ROLES:
        raise AccountRefused("role", f"one of {', '.join(STAFF_ROLES)}")
    if role == "unit" and not (unit_code and UNIT_CODE.match(unit_code)):
        raise AccountRefused("unit", "a unit handler needs the unit's code, e.g. SAMR")
    if role != "unit" and unit_code:
        raise AccountRefused("unit", "only unit handlers belong to a unit")
    if len(password) < MIN_PASSWORD:
        raise AccountRefused("password", f"at least {MIN_PASSWORD} characters")


def locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failure(failed_logins: int, now: datetime) -> tuple[int, datetime | None]:
    """The failure count and lock after one more wrong password: the MAX_FAILURES-th locks the
    account for LOCKOUT, and the count starts again after it."""
    failed = failed_logins + 1
    if failed >= MAX_FAILURES:
        return 0, now + LOCKOUT
    return failed, None
