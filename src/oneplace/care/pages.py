"""The care plane's pages in the dashboard: worklists and shared care plans for signed-in
clinicians, under the one access policy.

Source: issue 7, "Worklists and care plans for signed-in clinicians, obeying the care plane's
access policy", and issue 6's policy and audit: every page that shows identifiable data asks
``access.check`` first, exactly as the FHIR API does, so the same rules decide, every view and
every refusal is an audit event, and a clinician without a relationship to a patient sees a
refusal naming the rule (with the break-glass form) instead of the record. Sign-in is the
dashboard's cookie (``web.dashboard``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from ..web.dashboard import COOKIE, internal_pages
from ..web.report import environment
from ..workspace import Workspace
from . import db, worklists
from .access import Actor, Refused
from .plans import PATIENT_PLANS
from .policy import CLINICAL_ROLES, Action, Decision, ResourceKind

PAGE_SIZE = 50
CARE_PATH = "/care/worklists"


def _activity(activity: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    detail = activity.get("detail", {})
    what = detail.get("description") or (detail.get("code") or {}).get("text") or "Activity"
    code = activity.get("organisation", "")
    return {
        "what": what,
        "organisation": f"{names[code]} ({code})" if code in names else code,
        "status": detail.get("status", ""),
    }


def _goal(goal: dict[str, Any]) -> str:
    return (goal.get("description") or {}).get("text", "")


def add_care_pages(
    app: FastAPI,
    ws: Workspace,
    *,
    sessions: sessionmaker[Session],
    signed_in: Callable[[Session, str], tuple[Actor, str] | None],
    guard: Callable[..., Decision],
    now_of: Callable[[], datetime],
    break_glass_duration: timedelta,
) -> None:
    """Add ``/care/worklists`` and ``/care/patients/{id}`` (with its break-glass form).
    ``signed_in(session, token)`` is the API's: the user a token names and their label;
    ``guard`` is the API's ``access.check`` with its clock and break-glass duration."""
    template = environment().get_template("care.html.j2")
    localities = {loc.code: loc.name for loc in ws.place.localities}
    first_locality = ws.place.localities[0].code if ws.place.localities else None
    names = {o.code: o.name for o in ws.place.organisations}
    names |= {p.code: p.name for p in ws.place.practices}

    def named(code: str) -> str:
        return f"{names[code]} ({code})" if code in names else code

    def actor_of(request: Request, session: Session) -> tuple[Actor, str] | None:
        token = request.cookies.get(COOKIE)
        return signed_in(session, token) if token else None

    def page(title: str, user: str, status: int = 200, **parts: Any) -> HTMLResponse:
        context = {"refused": None, "break_glass_for": None, "worklists": [], "patient": None}
        html = template.render(
            place=ws.place.name,
            title=title,
            pages=internal_pages(CARE_PATH, first_locality),
            user=user,
            **{**context, **parts},
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    @app.get(CARE_PATH, include_in_schema=False)
    def worklist_page(
        request: Request, locality: str | None = None, after: int | None = None
    ) -> Response:
        with sessions() as session:
            signed = actor_of(request, session)
            if signed is None:
                return RedirectResponse("/sign-in", status_code=303)
            actor, user = signed
            wanted = [locality] if locality else sorted(actor.user.localities)
            shown = []
            try:
                for code in wanted:
                    guard(session, actor, Action.READ, ResourceKind.WORKLIST, locality=code)
                    found = worklists.read_page(
                        session,
                        actor,
                        code,
                        limit=PAGE_SIZE,
                        after=after if locality else None,
                        now=now_of(),
                        break_glass_duration=break_glass_duration,
                    )
                    if found is not None:
                        shown.append(_worklist(code, found))
                session.commit()
            except Refused as refusal:
                return page("Worklists", user, 403, refused=refusal.decision.reason)
            if not shown:
                note = "None of the localities you work in has a worklist yet."
                return page("Worklists", user, refused=note)
            return page("Worklists and care plans", user, worklists=shown)

    def _worklist(code: str, found: worklists.WorklistPage) -> dict[str, Any]:
        entries = [
            {
                "rank": entry.rank,
                "patient_id": patient.id,
                "withheld": patient.id in found.hidden,
                "name": f"{patient.given_name} {patient.family_name}",
                "nhs_number": patient.nhs_number,
                "practice": named(patient.registered_practice),
                "reason": "" if patient.id in found.hidden else entry.reason,
                "decision": (entry.decision or "").replace("_", " "),
            }
            for entry, patient in found.rows
        ]
        after = found.next_after
        return {
            "locality": code,
            "name": localities.get(code, code),
            "total": f"{found.total:,}",
            "source_run": found.worklist.source_run,
            "first": entries[0]["rank"] if entries else 0,
            "last": entries[-1]["rank"] if entries else 0,
            "entries": entries,
            "limit": PAGE_SIZE,
            "next": f"{CARE_PATH}?{urlencode({'locality': code, 'after': after})}"
            if after is not None
            else None,
        }

    @app.get("/care/patients/{patient_id}", include_in_schema=False)
    def patient_page(request: Request, patient_id: str) -> Response:
        with sessions() as session:
            signed = actor_of(request, session)
            if signed is None:
                return RedirectResponse("/sign-in", status_code=303)
            actor, user = signed
            patient = session.get(db.Patient, patient_id)
            if patient is None:
                return page("Not found", user, 404, refused=f"There is no patient {patient_id}.")
            try:
                decision = guard(
                    session, actor, Action.READ, ResourceKind.PATIENT_RECORD, patient_id=patient.id
                )
                guard(session, actor, Action.READ, ResourceKind.CARE_PLAN, patient_id=patient.id)
            except Refused as refusal:
                clinician = actor.user.role in CLINICAL_ROLES  # only they may break the glass
                return page(
                    "Patient record",
                    user,
                    403,
                    refused=refusal.decision.reason,
                    break_glass_for=patient.id if clinician else None,
                )
            record = {
                "name": f"{patient.given_name} {patient.family_name}",
                "nhs_number": patient.nhs_number,
                "date_of_birth": patient.date_of_birth.strftime("%-d %B %Y"),
                "address": patient.address,
                "practice": named(patient.registered_practice),
                "break_glass": f"{decision.expires_at:%-d %B %Y %H:%M} UTC"
                if decision.break_glass and decision.expires_at
                else None,
            }
            plans = _plans(session, patient.id)
            session.commit()
            return page("Patient record and care plans", user, patient=record, plans=plans)

    def _plans(session: Session, patient_id: str) -> list[dict[str, Any]]:
        versions = session.connection().execute(PATIENT_PLANS, {"patient_id": patient_id})
        return [
            {
                "title": v.title or "Care plan",
                "status": v.status,
                "version": v.version,
                "description": v.description,
                "goals": [g for g in map(_goal, v.goals) if g],
                "activities": [_activity(a, names) for a in v.activities],
                "review": v.review_date.strftime("%-d %B %Y") if v.review_date else None,
            }
            for v in versions
        ]

    @app.post("/care/patients/{patient_id}/break-glass", include_in_schema=False)
    def break_glass(request: Request, patient_id: str, reason: str = Form("")) -> Response:
        with sessions() as session:
            signed = actor_of(request, session)
            if signed is None:
                return RedirectResponse("/sign-in", status_code=303)
            actor, user = signed
            if session.get(db.Patient, patient_id) is None:
                return page("Not found", user, 404, refused=f"There is no patient {patient_id}.")
            try:
                guard(
                    session,
                    actor,
                    Action.BREAK_GLASS,
                    ResourceKind.PATIENT_RECORD,
                    patient_id=patient_id,
                    stated_reason=reason,
                )
            except Refused as refusal:
                return page(
                    "Patient record",
                    user,
                    403,
                    refused=refusal.decision.reason,
                    break_glass_for=patient_id,
                )
            session.commit()
        return RedirectResponse(f"/care/patients/{patient_id}", status_code=303)
