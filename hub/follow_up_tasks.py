"""Follow-up tasks: "call after the resize is ready", due on a day of the store's calendar.

Who reaches a task: its assignee and its author, and the managers of its store; anyone
else gets ``404`` as if it did not exist (the rule of every id in the API). A task lives in
one store, chosen when it is created among the stores the caller and the client share, and
is assigned to someone who works there. Whether it is overdue, due today or upcoming is
``hub.client_dates.due_bucket`` on that store's clock. Every change is audited, in its
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub import audit, client_dates, validation
from hub.clock import local_today
from hub.customers import visible_customer
from hub.db.clienteling_models import MAX_NOTE, MAX_TITLE, FollowUpTask
from hub.db.models import Conversation, Customer, Staff, StaffStore, Store
from hub.db.profile_models import Purchase
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.messages import customer_display_name, iso
from hub.staff import Principal

MAX_LISTED = 200
STATUSES = ("open", "done")
SCOPES = ("mine", "store")
EDITABLE = frozenset({"title", "note", "due_on", "done", "assignee_id"})
CREATABLE = frozenset({"customer_id", "title", "due_on", "note", "assignee_id"})
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def parse_day(value: Any, field: str) -> date:
    """A calendar day, ``YYYY-MM-DD``, within a century of sense."""
    if not isinstance(value, str) or len(value) != 10:
        raise InvalidInput(field, f"{field} must be a date like 2026-05-01")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"{field} {value!r} is not a real date") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"{field} must be between 2000 and 2100")
    return day


def _title(value: Any) -> str:
    return validation.no_nul(validation.text(value, "title", max_length=MAX_TITLE).strip(), "title")


def _note(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return validation.no_nul(validation.text(value, "note", max_length=MAX_NOTE).strip(), "note")


@dataclass(frozen=True)
class TaskFilter:
    status: str = "open"
    scope: str = "mine"
    customer_id: str | None = None
    due_before: date | None = None


Row = tuple[FollowUpTask, Customer, Store, str | None, str | None]


def _rows_query() -> Select[FollowUpTask, Customer, Store, str, str]:
    assignee = aliased(Staff)
    author = aliased(Staff)
    return (
        select(FollowUpTask, Customer, Store, assignee.name, author.name)
        .join(Customer, Customer.id == FollowUpTask.customer_id)
        .join(Store, Store.id == FollowUpTask.store_id)
        .outerjoin(assignee, assignee.id == FollowUpTask.assignee_staff_id)
        .outerjoin(author, author.id == FollowUpTask.created_by)
    )


def _reach(principal: Principal) -> Any:
    """The tasks a caller may see and change."""
    stores = FollowUpTask.store_id.in_(list(principal.store_ids))
    if principal.is_manager:
        return stores
    return stores & or_(
        FollowUpTask.assignee_staff_id == principal.id, FollowUpTask.created_by == principal.id
    )


def payload(row: Row, now: datetime) -> dict[str, Any]:
    task, customer, store, assignee_name, author_name = row
    today = local_today(now, store.timezone)
    return {
        "id": task.id,
        "customer": {"id": customer.id, "name": customer_display_name(customer)},
        "store": store.code,
        "assignee": {"id": task.assignee_staff_id, "name": assignee_name or ""},
        "created_by": None
        if task.created_by is None
        else {"id": task.created_by, "name": author_name or ""},
        "title": task.title,
        "note": task.note,
        "due_on": task.due_on.isoformat(),
        "status": "done" if task.done_at is not None else "open",
        "bucket": client_dates.due_bucket(task.due_on, task.done_at is not None, today),
        "done_at": iso(task.done_at),
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
    }


async def listing(
    session: AsyncSession, principal: Principal, wanted: TaskFilter, now: datetime
) -> list[dict[str, Any]]:
    if wanted.status not in STATUSES:
        raise InvalidInput("status", "status must be open or done")
    if wanted.scope not in SCOPES:
        raise InvalidInput("scope", "scope must be mine or store")
    if wanted.scope == "store" and not principal.is_manager:
        raise Forbidden("the store's tasks are for its managers", code="not_manager")
    query = _rows_query().where(_reach(principal))
    if wanted.scope == "mine":
        query = query.where(FollowUpTask.assignee_staff_id == principal.id)
    if wanted.customer_id:
        query = query.where(FollowUpTask.customer_id == wanted.customer_id)
    if wanted.due_before is not None:
        query = query.where(FollowUpTask.due_on < wanted.due_before)
    if wanted.status == "open":
        query = query.where(FollowUpTask.done_at.is_(None)).order_by(
            FollowUpTask.due_on, FollowUpTask.created_at, FollowUpTask.id
        )
    else:
        query = query.where(FollowUpTask.done_at.is_not(None)).order_by(
            FollowUpTask.done_at.desc(), FollowUpTask.id
        )
    rows = (await session.execute(query.limit(MAX_LISTED))).all()
    return [payload(row, now) for row in rows]


async def one(
    session: AsyncSession, principal: Principal, task_id: object, now: datetime
) -> dict[str, Any]:
    task = await reachable(session, principal, task_id)
    return await _payload_of(session, task.id, now)


async def _payload_of(session: AsyncSession, task_id: str, now: datetime) -> dict[str, Any]:
    row = (await session.execute(_rows_query().where(FollowUpTask.id == task_id))).one()
    return payload(row, now)


async def reachable(session: AsyncSession, principal: Principal, task_id: object) -> FollowUpTask:
    if not isinstance(task_id, str) or len(task_id) > 64:
        raise NotFound("task not found", code="unknown_task")
    task = await session.scalar(
        select(FollowUpTask).where(FollowUpTask.id == task_id, _reach(principal))
    )
    if task is None:
        raise NotFound("task not found", code="unknown_task")
    return task


async def task_store(session: AsyncSession, principal: Principal, customer: Customer) -> Store:
    """The store a task about ``customer`` lives in: their home store if the caller works
    there, else the first (by code) of the caller's stores where the client has been."""
    if customer.home_store_id in principal.store_ids:
        store = await session.get(Store, customer.home_store_id)
        assert store is not None
        return store
    stores = list(principal.store_ids)
    shared = await session.scalar(
        select(Store)
        .where(
            Store.id.in_(stores),
            or_(
                Store.id.in_(
                    select(Conversation.store_id).where(Conversation.customer_id == customer.id)
                ),
                Store.id.in_(select(Purchase.store_id).where(Purchase.customer_id == customer.id)),
            ),
        )
        .order_by(Store.code)
        .limit(1)
    )
    if shared is None:
        raise NotFound("customer not found")
    return shared


async def _assignee(session: AsyncSession, value: Any, store_id: str) -> str:
    """A colleague who works in the task's store, and is active."""
    if not isinstance(value, str) or len(value) > 64:
        raise NotFound("staff member not found", code="unknown_staff", field="assignee_id")
    found = await session.scalar(
        select(Staff.id)
        .join(StaffStore, StaffStore.staff_id == Staff.id)
        .where(Staff.id == value, Staff.active.is_(True), StaffStore.store_id == store_id)
    )
    if found is None:
        raise NotFound("staff member not found", code="unknown_staff", field="assignee_id")
    return str(found)


async def create(
    session: AsyncSession, principal: Principal, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    if not set(body) <= CREATABLE:
        raise InvalidInput("body", f"a task takes {', '.join(sorted(CREATABLE))}")
    customer = await visible_customer(session, principal, body.get("customer_id"))
    if customer.erased_at is not None:
        raise Conflict("this client's data was erased", code="customer_erased")
    title = _title(body.get("title"))
    due_on = parse_day(body.get("due_on"), "due_on")
    note = _note(body.get("note"))
    store = await task_store(session, principal, customer)
    assignee = principal.id
    if body.get("assignee_id") not in (None, principal.id):
        assignee = await _assignee(session, body.get("assignee_id"), store.id)
    task = FollowUpTask(
        customer_id=customer.id,
        store_id=store.id,
        assignee_staff_id=assignee,
        created_by=principal.id,
        title=title,
        note=note,
        due_on=due_on,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    _audit(
        session,
        principal,
        now,
        "task.created",
        task,
        customer_id=customer.id,
        store=store.code,
        assignee_id=assignee,
        due_on=due_on.isoformat(),
    )
    return await _payload_of(session, task.id, now)


async def update(
    session: AsyncSession,
    principal: Principal,
    task_id: object,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    if not set(body) <= EDITABLE:
        raise InvalidInput("body", f"a task's changes take {', '.join(sorted(EDITABLE))}")
    task = await reachable(session, principal, task_id)
    changes: dict[str, dict[str, Any]] = {}

    def change(field: str, old: Any, new: Any) -> None:
        if old != new:
            changes[field] = {"from": old, "to": new}

    if "title" in body:
        title = _title(body["title"])
        change("title", task.title, title)
        task.title = title
    if "note" in body:
        note = _note(body["note"])
        change("note", "…" if task.note else None, "…" if note else None)  # not the text
        task.note = note
    if "due_on" in body:
        due_on = parse_day(body["due_on"], "due_on")
        change("due_on", task.due_on.isoformat(), due_on.isoformat())
        task.due_on = due_on
    if "done" in body:
        if not isinstance(body["done"], bool):
            raise InvalidInput("done", "done must be true or false")
        if body["done"] != (task.done_at is not None):
            change("done", task.done_at is not None, body["done"])
            task.done_at = now if body["done"] else None
    if "assignee_id" in body:
        assignee = await _assignee(session, body["assignee_id"], task.store_id)
        change("assignee_id", task.assignee_staff_id, assignee)
        task.assignee_staff_id = assignee
    if changes:
        task.updated_at = now
        _audit(session, principal, now, "task.updated", task, changes=changes)
    await session.flush()
    return await _payload_of(session, task.id, now)


async def remove(
    session: AsyncSession, principal: Principal, task_id: object, now: datetime
) -> None:
    task = await reachable(session, principal, task_id)
    _audit(session, principal, now, "task.deleted", task, customer_id=task.customer_id)
    await session.delete(task)


def _audit(
    session: AsyncSession,
    principal: Principal,
    now: datetime,
    action: str,
    task: FollowUpTask,
    **data: Any,
) -> None:
    audit.by_staff(session, principal.id, now, action, "follow_up_task", task.id, **data)
