"""Who may manage which colleague: the rules every staff administration call applies.

- Admins manage everyone, in every store, and may give any role.
- A manager manages the staff of their own stores: they see anyone who works in at least
  one of them (anyone else is "not found", as if they did not exist).
- What follows a person everywhere (role, name, languages, skills, capacity, phone,
  deactivation) a manager may change only for someone who works in none but the
  manager's stores; the other stores' managers have a say too, so an admin decides.
- A manager grants and withdraws only stores they manage themselves, gives the roles
  ambassador and manager only, and never changes an admin.
- Nobody changes their own role or deactivates themselves (an account is not locked out
  by its own hand).
- Ambassadors manage nobody.

Pure: the caller's ``Principal`` and the target's store ids in, an error out.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.errors import Forbidden, NotFound
from hub.staff import Principal

ADMIN = "admin"
MANAGER_MAY_GIVE = ("ambassador", "manager")


def require_manager(caller: Principal) -> None:
    if not caller.is_manager:
        raise Forbidden("staff administration is for managers and admins", code="not_manager")


def is_admin(caller: Principal) -> bool:
    return caller.role == ADMIN


def can_see(caller: Principal, store_ids: Iterable[str]) -> bool:
    return is_admin(caller) or bool(caller.store_ids & set(store_ids))


def require_visible(caller: Principal, store_ids: Iterable[str]) -> None:
    if not can_see(caller, store_ids):
        raise NotFound("staff member not found", code="unknown_staff")


def require_not_admin_target(caller: Principal, role: str) -> None:
    """Anything a manager does to an admin's account is refused."""
    if role == ADMIN and not is_admin(caller):
        raise Forbidden("only an admin can change an admin's account", code="admin_only")


def require_whole_person(
    caller: Principal, target_id: str, role: str, store_ids: Iterable[str]
) -> None:
    """A change that follows the person into every store they work in."""
    require_not_admin_target(caller, role)
    if is_admin(caller):
        return
    elsewhere = set(store_ids) - caller.store_ids
    if elsewhere and target_id != caller.id:
        raise Forbidden(
            "they also work in stores you do not manage: ask an admin",
            code="outside_your_stores",
        )


def require_role_grant(caller: Principal, role: str) -> None:
    if not is_admin(caller) and role not in MANAGER_MAY_GIVE:
        raise Forbidden("only an admin can make someone an admin", code="admin_only")


def require_store_grant(caller: Principal, stores: Iterable[tuple[str, str]]) -> None:
    """``stores``: (id, code) pairs a manager wants to grant or withdraw."""
    if is_admin(caller):
        return
    outside = sorted(code for store_id, code in stores if store_id not in caller.store_ids)
    if outside:
        raise Forbidden(f"you do not manage {', '.join(outside)}", code="outside_your_stores")


def require_not_self(caller: Principal, target_id: str, what: str) -> None:
    if caller.id == target_id:
        raise Forbidden(f"you cannot {what} yourself", code="own_account")


def merged_stores(caller: Principal, current: Iterable[str], requested: Iterable[str]) -> set[str]:
    """The store ids someone works in after a manager sets "their" part: the stores the
    caller does not manage stay as they were."""
    if is_admin(caller):
        return set(requested)
    return (set(current) - caller.store_ids) | set(requested)
