"""The care plane's web service: FHIR R4 Patient, CarePlan and AuditEvent, worklists,
break-glass, user management and sign-in.

Source: issue 6 and DESIGN.md ("Two planes"). Each route that touches identifiable data calls
``access.check`` first: the policy decides, the decision is audited in the request's
transaction, and a refusal answers 403 with the rule that refused. The route then does its
work and commits once, with its audit event. Errors are FHIR OperationOutcomes (``fhir``),
documented in the OpenAPI description with the rest, so a client (and Schemathesis) can rely
on every answer's shape.

``create_app`` takes the settings, a session factory (tests pass one bound to a transaction
they roll back), the token verifier (``auth.verify_token`` unless an identity provider's is
given) and a clock.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import auth, db, fhir, worklists
from .access import Actor, Refused, check, load_actor
from .db import CONSENT_KINDS, REVIEW_DECISIONS, as_utc
from .fhir import FHIR_JSON, FhirInvalid, Issue, operation_outcome
from .nhs_number import normalise
from .plans import LATEST_VERSION, PATIENT_PLANS, PLAN_VERSION
from .policy import CLINICAL_ROLES, Action, Role
from .policy import ResourceKind as Kind
from .settings import CareSettings

if TYPE_CHECKING:
    from ..workspace import Workspace

API_VERSION = "1"

Verifier = Callable[[str, CareSettings, datetime], auth.Principal]


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


class HttpProblem(Exception):
    """An error answered as an OperationOutcome with ``status``."""

    def __init__(self, status: int, code: str, message: str, expression: str | None = None):
        self.status = status
        self.issue = Issue(code, message, expression)
        super().__init__(message)


# -- OpenAPI description of the FHIR answers -------------------------------------------------


def _resource_schema(resource_type: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
    }


def _fhir(description: str, resource_type: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {FHIR_JSON: {"schema": _resource_schema(resource_type)}},
    }


_ERROR_TEXT = {
    400: "Bad request",
    401: "Not signed in, or the token is invalid or expired",
    403: "Refused by the access policy (the rule is named); the refusal is audited",
    404: "No such resource",
    409: "Conflict with the current state",
    412: "If-Match does not name the current version",
    422: "Invalid input; the issue names the element",
}
ERRORS = {code: _fhir(text, "OperationOutcome") for code, text in _ERROR_TEXT.items()}


def _responses(ok: int, resource_type: str | None, *errors: int) -> dict[int | str, Any]:
    out: dict[int | str, Any] = {code: ERRORS[code] for code in (401, 422, *errors)}
    if resource_type:
        out[ok] = _fhir(f"A {resource_type}", resource_type)
    return out


# -- Plain JSON models ---------------------------------------------------------------------


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class BreakGlassIn(BaseModel):
    reason: str = Field(max_length=2000, description="Why the record must be opened now")


class BreakGlassOut(BaseModel):
    patient_id: str
    rule: str
    expires_at: datetime


class ConsentIn(BaseModel):
    kind: Literal[CONSENT_KINDS] = Field(  # type: ignore[valid-type]
        description="sharing_objection: the patient objects to their record being shared "
        "outside their registered practice; national_data_opt_out: their data is not to be "
        "used for purposes beyond their care"
    )


class ConsentOut(BaseModel):
    consent_id: int
    patient_id: str
    kind: str
    recorded_at: datetime
    recorded_by: str | None
    withdrawn_at: datetime | None
    in_force: bool


class CareTeamIn(BaseModel):
    user_id: str = Field(max_length=36, description="The clinician to add")


class CareTeamMemberOut(BaseModel):
    user_id: str
    full_name: str
    organisation: str
    role: str
    added_at: datetime


class WorklistSummary(BaseModel):
    locality: str
    worklist_id: int
    source_run: str
    generated_at: datetime
    entries: int
    reviewed: int


class WorklistEntryOut(BaseModel):
    """One person on a worklist. ``withheld``: the patient objects to sharing outside their
    registered practice and the reader is outside it (policy P7), so who they are, their need
    and the reason are left out; their practice is named so it can be asked to review them."""

    entry_id: int
    rank: int
    patient_id: str
    withheld: bool
    nhs_number: str | None
    name: str | None
    date_of_birth: date | None
    registered_practice: str
    need: float | None
    reason: str | None
    decision: str | None
    reviewer_id: str | None
    reviewed_at: datetime | None


def _entry_out(entry: db.WorklistEntry, patient: db.Patient, withheld: bool) -> WorklistEntryOut:
    shown = not withheld
    return WorklistEntryOut(
        entry_id=entry.id,
        rank=entry.rank,
        patient_id=patient.id,
        withheld=withheld,
        nhs_number=patient.nhs_number if shown else None,
        name=f"{patient.given_name} {patient.family_name}" if shown else None,
        date_of_birth=patient.date_of_birth if shown else None,
        registered_practice=patient.registered_practice,
        need=entry.need if shown else None,
        reason=entry.reason if shown else None,
        decision=entry.decision,
        reviewer_id=entry.reviewer_id,
        reviewed_at=as_utc(entry.reviewed_at) if entry.reviewed_at else None,
    )


class WorklistOut(BaseModel):
    locality: str
    worklist_id: int
    source_run: str
    generated_at: datetime
    total: int
    offset: int
    entries: list[WorklistEntryOut]
    next_after: int | None = Field(
        description="The rank to pass as ``after`` for the next page; null on the last page"
    )


class ReviewIn(BaseModel):
    decision: Literal[REVIEW_DECISIONS]  # type: ignore[valid-type]


class UserOut(BaseModel):
    id: str
    username: str
    full_name: str
    organisation: str
    role: Role
    active: bool
    localities: list[str]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=20)
    role: Role
    localities: list[Annotated[str, Field(min_length=1, max_length=20)]] = []
    password: str = Field(min_length=auth.MIN_PASSWORD_CHARS, max_length=200)


class UserChange(BaseModel):
    role: Role | None = None
    active: bool | None = None
    localities: list[Annotated[str, Field(min_length=1, max_length=20)]] | None = None
    password: str | None = Field(default=None, min_length=auth.MIN_PASSWORD_CHARS, max_length=200)


def _user_out(row: db.User) -> UserOut:
    return UserOut(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        organisation=row.organisation_code,
        role=Role(row.role),
        active=row.active,
        localities=sorted(loc.locality for loc in row.localities),
    )


# -- The application -----------------------------------------------------------------------


def create_app(
    settings: CareSettings,
    sessions: sessionmaker[Session] | None = None,
    *,
    verify_token: Verifier = auth.verify_token,
    clock: Callable[[], datetime] | None = None,
    workspace: "Workspace | None" = None,
) -> FastAPI:
    """The care plane's FastAPI application over ``sessions`` (default: an engine on
    ``settings.url``, already migrated); with ``workspace``, also the partnership's dashboard
    of its latest run (``web.dashboard``)."""
    if sessions is None:
        sessions = db.session_factory(db.engine_for(settings.url, pool_pre_ping=True))
    now_of = clock or (lambda: datetime.now(UTC))
    app = FastAPI(
        title="oneplace care plane",
        version=API_VERSION,
        description="Shared care plans across the organisations of one place, with one access "
        "policy and a hash-chained audit log. FHIR R4 JSON under /fhir.",
        # Swagger UI and ReDoc load their scripts from a CDN, which a partnership's network may
        # not reach; the description itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    oauth2 = OAuth2PasswordBearer(tokenUrl="auth/token")

    def get_session() -> Iterator[Session]:
        session = sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    SessionDep = Annotated[Session, Depends(get_session)]

    def current_actor(token: Annotated[str, Depends(oauth2)], session: SessionDep) -> Actor:
        try:
            principal = verify_token(token, settings, now_of())
        except auth.InvalidToken as error:
            raise HttpProblem(401, "login", f"invalid token: {error}") from None
        actor = load_actor(session, principal.user_id)
        if actor is None:
            raise HttpProblem(401, "login", "the token's user is unknown or disabled")
        return actor

    ActorDep = Annotated[Actor, Depends(current_actor)]

    def authenticated(session: Session, username: str, password: str) -> db.User | None:
        """The active user ``username`` if ``password`` is theirs."""
        row = session.scalar(select(db.User).where(db.User.username == username))
        ok = auth.check_password(row.password_hash if row else None, password)
        return row if row is not None and ok and row.active else None

    def guard(session: Session, actor: Actor, action: Action, kind: Kind, **kwargs: Any):
        return check(
            session,
            actor,
            action,
            kind,
            now=now_of(),
            break_glass_duration=settings.break_glass_duration,
            **kwargs,
        )

    def signed_in(session: Session, token: str) -> tuple[Actor, str] | None:
        """The active user a page's token names, and how the page names them (None for an
        invalid or expired token, or an unknown or disabled user)."""
        try:
            principal = verify_token(token, settings, now_of())
        except auth.InvalidToken:
            return None
        actor = load_actor(session, principal.user_id)
        row = session.get(db.User, principal.user_id) if actor else None
        return (actor, f"{row.full_name} ({row.role})") if actor and row else None

    if workspace is not None:
        from ..web.dashboard import add_dashboard

        def sign_in(username: str, password: str) -> str | None:
            with sessions() as session:
                row = authenticated(session, username, password)
                return auth.issue_token(row.id, settings, now_of()) if row else None

        def user_of_token(token: str) -> str | None:
            with sessions() as session:
                found = signed_in(session, token)
                return found[1] if found else None

        add_dashboard(
            app,
            workspace,
            user_of_token=user_of_token,
            sign_in=sign_in,
            secure_cookie=settings.environment == "production",
        )
        from .pages import add_care_pages

        add_care_pages(
            app,
            workspace,
            sessions=sessions,
            signed_in=signed_in,
            guard=guard,
            now_of=now_of,
            break_glass_duration=settings.break_glass_duration,
        )

    def patient_or_404(session: Session, patient_id: str) -> db.Patient:
        patient = session.get(db.Patient, patient_id)
        if patient is None:
            raise HttpProblem(404, "not-found", f"no patient {patient_id}")
        return patient

    # -- errors --------------------------------------------------------------------------

    def _outcome(status: int, issues: list[Issue], headers: dict | None = None) -> FhirResponse:
        return FhirResponse(operation_outcome(issues), status_code=status, headers=headers)

    @app.exception_handler(HttpProblem)
    def _problem(_request: Request, error: HttpProblem) -> FhirResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return _outcome(error.status, [error.issue], headers)

    @app.exception_handler(Refused)
    def _refused(_request: Request, error: Refused) -> FhirResponse:
        return _outcome(403, [Issue("forbidden", error.decision.reason)])

    @app.exception_handler(FhirInvalid)
    def _invalid(_request: Request, error: FhirInvalid) -> FhirResponse:
        return _outcome(422, error.issues)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(_request: Request, error: RequestValidationError) -> FhirResponse:
        issues = [
            Issue("invalid", str(err.get("msg", "invalid")), ".".join(str(p) for p in err["loc"]))
            for err in error.errors()
        ]
        return _outcome(422, issues)

    @app.exception_handler(StarletteHTTPException)
    def _http(_request: Request, error: StarletteHTTPException) -> FhirResponse:
        code = {401: "login", 404: "not-found", 405: "not-supported"}.get(
            error.status_code, "processing"
        )
        return _outcome(error.status_code, [Issue(code, str(error.detail))], error.headers)

    # -- sign-in -------------------------------------------------------------------------

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/auth/token",
        tags=["sign-in"],
        response_model=TokenOut,
        responses={
            400: {
                "description": "Wrong username or password (RFC 6749 invalid_grant)",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["error"],
                            "properties": {
                                "error": {"type": "string", "enum": ["invalid_grant"]},
                                "error_description": {"type": "string"},
                            },
                        }
                    }
                },
            },
            422: ERRORS[422],
        },
    )
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep) -> Any:
        """OAuth2 password flow: a signed access token for the embedded sign-in."""
        row = authenticated(session, form.username, form.password)
        if row is None:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "wrong username or password"},
                status_code=400,
            )
        return TokenOut(
            access_token=auth.issue_token(row.id, settings, now_of()),
            expires_in=int(settings.token_lifetime.total_seconds()),
        )

    @app.get("/auth/me", tags=["sign-in"], response_model=UserOut, responses=_responses(200, None))
    def me(actor: ActorDep, session: SessionDep) -> UserOut:
        row = session.get(db.User, actor.user.id)
        assert row is not None  # current_actor loaded it in this transaction
        return _user_out(row)

    # -- Patient -------------------------------------------------------------------------

    @app.get(
        "/fhir/Patient/{patient_id}",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "Patient", 403, 404),
    )
    def read_patient(patient_id: str, actor: ActorDep, session: SessionDep) -> FhirResponse:
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.READ, Kind.PATIENT_RECORD, patient_id=patient.id)
        resource = fhir.patient_resource(patient)
        session.commit()
        return FhirResponse(resource)

    @app.get(
        "/fhir/Patient",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "Bundle", 403),
    )
    def search_patient(
        request: Request,
        actor: ActorDep,
        session: SessionDep,
        identifier: Annotated[
            str,
            Query(
                max_length=200,
                description=f"NHS number, optionally as {fhir.NHS_NUMBER_SYSTEM}|9434765919",
            ),
        ],
    ) -> FhirResponse:
        system, _, value = identifier.rpartition("|")
        if system and system != fhir.NHS_NUMBER_SYSTEM:
            raise HttpProblem(
                422, "not-supported", f"search by {system} is not supported", "identifier"
            )
        try:
            number = normalise(value)
        except ValueError as error:
            raise HttpProblem(422, "value", str(error), "identifier") from None
        patient = session.scalar(select(db.Patient).where(db.Patient.nhs_number == number))
        found = []
        if patient is not None:
            guard(session, actor, Action.READ, Kind.PATIENT_RECORD, patient_id=patient.id)
            found.append(fhir.patient_resource(patient))
        session.commit()
        return FhirResponse(fhir.search_bundle(found, len(found), _base(request)))

    @app.post(
        "/patients/{patient_id}/break-glass",
        tags=["access"],
        response_model=BreakGlassOut,
        responses={**_responses(200, None, 403, 404)},
    )
    def break_glass(
        patient_id: str, body: BreakGlassIn, actor: ActorDep, session: SessionDep
    ) -> BreakGlassOut:
        """Emergency access to a patient's record, stating why: granted for a limited time,
        flagged and reported to auditors."""
        patient = patient_or_404(session, patient_id)
        decision = guard(
            session,
            actor,
            Action.BREAK_GLASS,
            Kind.PATIENT_RECORD,
            patient_id=patient.id,
            stated_reason=body.reason,
        )
        session.commit()
        assert decision.expires_at is not None
        return BreakGlassOut(
            patient_id=patient.id, rule=decision.rule, expires_at=decision.expires_at
        )

    # -- Consent and the care team -------------------------------------------------------

    def _consent_out(row: db.ConsentRecord) -> ConsentOut:
        return ConsentOut(
            consent_id=row.id,
            patient_id=row.patient_id,
            kind=row.kind,
            recorded_at=as_utc(row.recorded_at),
            recorded_by=row.recorded_by,
            withdrawn_at=as_utc(row.withdrawn_at) if row.withdrawn_at else None,
            in_force=row.withdrawn_at is None,
        )

    @app.get(
        "/patients/{patient_id}/consent",
        tags=["consent"],
        response_model=list[ConsentOut],
        responses=_responses(200, None, 403, 404),
    )
    def read_consent(patient_id: str, actor: ActorDep, session: SessionDep) -> list[ConsentOut]:
        """The patient's consent choices, withdrawn ones included, oldest first."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.READ, Kind.CONSENT, patient_id=patient.id)
        rows = session.scalars(
            select(db.ConsentRecord)
            .where(db.ConsentRecord.patient_id == patient.id)
            .order_by(db.ConsentRecord.recorded_at, db.ConsentRecord.id)
        )
        out = [_consent_out(row) for row in rows]
        session.commit()
        return out

    @app.post(
        "/patients/{patient_id}/consent",
        tags=["consent"],
        status_code=201,
        response_model=ConsentOut,
        responses=_responses(201, None, 403, 404, 409),
    )
    def record_consent(
        patient_id: str, body: ConsentIn, actor: ActorDep, session: SessionDep
    ) -> ConsentOut:
        """Record a consent choice the patient has made, in force from now until withdrawn.
        An objection to sharing hides their record from outside their practice at once."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.WRITE, Kind.CONSENT, patient_id=patient.id)
        in_force = session.scalar(
            select(db.ConsentRecord.id).where(
                db.ConsentRecord.patient_id == patient.id,
                db.ConsentRecord.kind == body.kind,
                db.ConsentRecord.withdrawn_at.is_(None),
            )
        )
        if in_force is not None:
            session.commit()  # the audited decision stands; nothing else was written
            raise HttpProblem(409, "duplicate", f"{body.kind} is already in force ({in_force})")
        row = db.ConsentRecord(
            patient_id=patient.id, kind=body.kind, recorded_at=now_of(), recorded_by=actor.user.id
        )
        session.add(row)
        session.flush()
        out = _consent_out(row)
        session.commit()
        return out

    @app.post(
        "/patients/{patient_id}/consent/{consent_id}/withdraw",
        tags=["consent"],
        response_model=ConsentOut,
        responses=_responses(200, None, 403, 404, 409),
    )
    def withdraw_consent(
        patient_id: str,
        consent_id: Annotated[int, PathParam(ge=1, le=2**62)],
        actor: ActorDep,
        session: SessionDep,
    ) -> ConsentOut:
        """The patient withdraws a choice: it stops applying from now (the record is kept)."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.WRITE, Kind.CONSENT, patient_id=patient.id)
        row = session.get(db.ConsentRecord, consent_id)
        if row is None or row.patient_id != patient.id:
            session.commit()
            raise HttpProblem(404, "not-found", f"patient {patient.id} has no consent {consent_id}")
        if row.withdrawn_at is not None:
            session.commit()
            raise HttpProblem(409, "conflict", f"consent {consent_id} is already withdrawn")
        row.withdrawn_at = now_of()
        session.flush()
        out = _consent_out(row)
        session.commit()
        return out

    def _member_out(member: db.CareTeamMember, user: db.User) -> CareTeamMemberOut:
        return CareTeamMemberOut(
            user_id=user.id,
            full_name=user.full_name,
            organisation=user.organisation_code,
            role=user.role,
            added_at=as_utc(member.added_at),
        )

    @app.get(
        "/patients/{patient_id}/care-team",
        tags=["care team"],
        response_model=list[CareTeamMemberOut],
        responses=_responses(200, None, 403, 404),
    )
    def read_care_team(
        patient_id: str, actor: ActorDep, session: SessionDep
    ) -> list[CareTeamMemberOut]:
        """Who is on the patient's care team, in the order they joined."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.READ, Kind.CARE_TEAM, patient_id=patient.id)
        rows = session.execute(
            select(db.CareTeamMember, db.User)
            .join(db.User, db.User.id == db.CareTeamMember.user_id)
            .where(db.CareTeamMember.patient_id == patient.id)
            .order_by(db.CareTeamMember.added_at, db.User.username)
        ).all()
        out = [_member_out(member, user) for member, user in rows]
        session.commit()
        return out

    @app.post(
        "/patients/{patient_id}/care-team",
        tags=["care team"],
        status_code=201,
        response_model=CareTeamMemberOut,
        responses=_responses(201, None, 403, 404),
    )
    def add_care_team_member(
        patient_id: str,
        body: CareTeamIn,
        response: Response,
        actor: ActorDep,
        session: SessionDep,
    ) -> CareTeamMemberOut:
        """Add a clinician to the care team (from any organisation of the place): they may then
        read the record and read and write the care plans. Adding a member again changes
        nothing (200)."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.WRITE, Kind.CARE_TEAM, patient_id=patient.id)
        user = session.get(db.User, body.user_id)
        if user is None or not user.active or Role(user.role) not in CLINICAL_ROLES:
            session.commit()
            raise HttpProblem(
                422, "value", f"{body.user_id} is not an active clinician's user id", "user_id"
            )
        member = session.get(db.CareTeamMember, (patient.id, user.id))
        if member is None:
            member = db.CareTeamMember(patient_id=patient.id, user_id=user.id, added_at=now_of())
            session.add(member)
            session.flush()
        else:
            response.status_code = 200
        out = _member_out(member, user)
        session.commit()
        return out

    @app.delete(
        "/patients/{patient_id}/care-team/{user_id}",
        tags=["care team"],
        status_code=204,
        responses=_responses(204, None, 403, 404),
    )
    def remove_care_team_member(
        patient_id: str,
        user_id: Annotated[str, PathParam(max_length=36)],
        actor: ActorDep,
        session: SessionDep,
    ) -> Response:
        """Take a member off the care team; they keep no access through it."""
        patient = patient_or_404(session, patient_id)
        guard(session, actor, Action.WRITE, Kind.CARE_TEAM, patient_id=patient.id)
        member = session.get(db.CareTeamMember, (patient.id, user_id))
        if member is None:
            session.commit()
            raise HttpProblem(404, "not-found", f"{user_id} is not on the care team")
        session.delete(member)
        session.commit()
        return Response(status_code=204)

    # -- CarePlan ------------------------------------------------------------------------

    def organisations(session: Session) -> set[str]:
        return set(session.scalars(select(db.Organisation.code)))

    def latest_version(session: Session, plan_id: str) -> db.CarePlanVersion:
        return session.scalars(
            select(db.CarePlanVersion)
            .where(db.CarePlanVersion.care_plan_id == plan_id)
            .order_by(db.CarePlanVersion.version.desc())
            .limit(1)
        ).one()

    def plan_or_404(session: Session, plan_id: str) -> db.CarePlan:
        plan = session.get(db.CarePlan, plan_id)
        if plan is None:
            raise HttpProblem(404, "not-found", f"no care plan {plan_id}")
        return plan

    def readable_version(
        session: Session, actor: Actor, plan_id: str, version: int | None = None
    ) -> Row[Any] | None:
        """The plan's patient and its latest version (or version ``version``: None if it has
        no such version), once the policy has let ``actor`` read the patient's care plans. One
        statement reads the plan and the version; nothing of it is answered unless allowed."""
        if version is None:
            found = session.connection().execute(LATEST_VERSION, {"plan_id": plan_id}).first()
        else:
            found = (
                session.connection()
                .execute(PLAN_VERSION, {"plan_id": plan_id, "version": version})
                .first()
            )
        if found is None:
            raise HttpProblem(404, "not-found", f"no care plan {plan_id}")
        guard(session, actor, Action.READ, Kind.CARE_PLAN, patient_id=found.patient_id)
        return found if found.version is not None else None

    def plan_answer(
        plan_id: str,
        version: fhir.StoredVersion,
        status: int = 200,
        request: Request | None = None,
    ) -> FhirResponse:
        headers = {"ETag": fhir.version_tag(version.version)}
        if request is not None:
            headers["Location"] = f"{_base(request)}/CarePlan/{plan_id}/_history/{version.version}"
        return FhirResponse(
            fhir.care_plan_resource(plan_id, version), status_code=status, headers=headers
        )

    def subject_patient(session: Session, content: fhir.CarePlanContent) -> db.Patient:
        patient = session.get(db.Patient, content.patient_id)
        if patient is None:
            raise FhirInvalid(
                [
                    Issue(
                        "value",
                        f"no patient {content.patient_id} in the care plane",
                        "CarePlan.subject",
                    )
                ]
            )
        return patient

    def new_version(
        session: Session,
        plan: db.CarePlan,
        number: int,
        content: fhir.CarePlanContent,
        actor: Actor,
    ) -> db.CarePlanVersion:
        version = db.CarePlanVersion(
            care_plan_id=plan.id,
            version=number,
            status=content.status,
            intent=content.intent,
            title=content.title,
            description=content.description,
            goals=content.goals,
            activities=content.activities,
            review_date=content.review_date,
            author_id=actor.user.id,
            created_at=now_of(),
            resource=content.resource,
        )
        session.add(version)
        session.flush()
        return version

    care_plan_body = Body(
        media_type=FHIR_JSON,
        description="A FHIR R4 CarePlan",
        openapi_examples={
            "plan": {
                "value": {
                    "resourceType": "CarePlan",
                    "status": "active",
                    "intent": "plan",
                    "title": "Proactive care plan",
                    "subject": {"reference": "Patient/PATIENT-ID"},
                }
            }
        },
    )

    @app.post(
        "/fhir/CarePlan",
        tags=["FHIR"],
        status_code=201,
        response_class=FhirResponse,
        responses=_responses(201, "CarePlan", 403),
    )
    def create_care_plan(
        request: Request,
        body: Annotated[dict[str, Any], care_plan_body],
        actor: ActorDep,
        session: SessionDep,
    ) -> FhirResponse:
        content = fhir.parse_care_plan(body, organisations(session))
        patient = subject_patient(session, content)
        guard(session, actor, Action.WRITE, Kind.CARE_PLAN, patient_id=patient.id)
        plan = db.CarePlan(patient_id=patient.id, created_at=now_of())
        session.add(plan)
        session.flush()
        version = new_version(session, plan, 1, content, actor)
        answer = plan_answer(plan.id, version, 201, request)
        session.commit()
        return answer

    @app.get(
        "/fhir/CarePlan/{plan_id}",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "CarePlan", 403, 404),
    )
    def read_care_plan(plan_id: str, actor: ActorDep, session: SessionDep) -> FhirResponse:
        version = readable_version(session, actor, plan_id)
        assert version is not None  # a plan is created with its first version
        session.commit()
        return plan_answer(plan_id, version)

    @app.get(
        "/fhir/CarePlan/{plan_id}/_history/{version_id}",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "CarePlan", 403, 404),
    )
    def read_care_plan_version(
        plan_id: str,
        version_id: Annotated[int, PathParam(ge=1, le=2**31)],
        actor: ActorDep,
        session: SessionDep,
    ) -> FhirResponse:
        version = readable_version(session, actor, plan_id, version_id)
        session.commit()
        if version is None:
            raise HttpProblem(404, "not-found", f"care plan {plan_id} has no version {version_id}")
        return plan_answer(plan_id, version)

    @app.put(
        "/fhir/CarePlan/{plan_id}",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "CarePlan", 403, 404, 412),
    )
    def update_care_plan(
        plan_id: str,
        body: Annotated[dict[str, Any], care_plan_body],
        actor: ActorDep,
        session: SessionDep,
        if_match: Annotated[str | None, Header(max_length=40)] = None,
    ) -> FhirResponse:
        """A new version of the plan; with If-Match, only if it names the current version."""
        plan = plan_or_404(session, plan_id)
        content = fhir.parse_care_plan(body, organisations(session))
        if body.get("id") not in (None, plan.id):
            raise FhirInvalid([Issue("invalid", "the id must match the URL", "CarePlan.id")])
        if content.patient_id != plan.patient_id:
            raise FhirInvalid(
                [Issue("value", "a care plan cannot move to another patient", "CarePlan.subject")]
            )
        guard(session, actor, Action.WRITE, Kind.CARE_PLAN, patient_id=plan.patient_id)
        current = latest_version(session, plan.id)
        if if_match is not None and if_match.strip() != fhir.version_tag(current.version):
            session.commit()  # the audited decision stands; nothing else was written
            raise HttpProblem(
                412, "conflict", f"the current version is {fhir.version_tag(current.version)}"
            )
        version = new_version(session, plan, current.version + 1, content, actor)
        answer = plan_answer(plan.id, version)
        session.commit()
        return answer

    @app.get(
        "/fhir/CarePlan",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "Bundle", 403, 404),
    )
    def search_care_plans(
        request: Request,
        actor: ActorDep,
        session: SessionDep,
        patient: Annotated[str, Query(max_length=80, description="Patient/{id} or the id")],
    ) -> FhirResponse:
        subject = patient_or_404(session, patient.removeprefix("Patient/"))
        guard(session, actor, Action.READ, Kind.CARE_PLAN, patient_id=subject.id)
        rows = session.connection().execute(PATIENT_PLANS, {"patient_id": subject.id})
        found = [fhir.care_plan_resource(row.plan_id, row) for row in rows]
        session.commit()
        return FhirResponse(fhir.search_bundle(found, len(found), _base(request)))

    # -- AuditEvent ----------------------------------------------------------------------

    @app.get(
        "/fhir/AuditEvent/{seq}",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "AuditEvent", 403, 404),
    )
    def read_audit_event(
        seq: Annotated[int, PathParam(ge=1, le=2**62)], actor: ActorDep, session: SessionDep
    ) -> FhirResponse:
        guard(session, actor, Action.READ, Kind.AUDIT_LOG)
        row = session.get(db.AuditLogRow, seq)
        session.commit()
        if row is None:
            raise HttpProblem(404, "not-found", f"no audit event {seq}")
        return FhirResponse(fhir.audit_event_resource(row))

    @app.get(
        "/fhir/AuditEvent",
        tags=["FHIR"],
        response_class=FhirResponse,
        responses=_responses(200, "Bundle", 403),
    )
    def search_audit_events(
        request: Request,
        actor: ActorDep,
        session: SessionDep,
        patient: Annotated[str | None, Query(max_length=80)] = None,
        break_glass: Annotated[bool | None, Query(alias="break-glass")] = None,
        count: Annotated[int, Query(alias="_count", ge=1, le=500)] = 50,
        offset: Annotated[int, Query(alias="_offset", ge=0, le=2**31)] = 0,
    ) -> FhirResponse:
        """Audit events, newest first; ``break-glass=true`` lists the accesses auditors
        review."""
        guard(session, actor, Action.READ, Kind.AUDIT_LOG)
        where = []
        if patient is not None:
            where.append(db.AuditLogRow.patient_ref == patient.removeprefix("Patient/"))
        if break_glass is not None:
            where.append(db.AuditLogRow.break_glass.is_(break_glass))
        total = session.scalar(select(func.count()).select_from(db.AuditLogRow).where(*where))
        rows = session.scalars(
            select(db.AuditLogRow)
            .where(*where)
            .order_by(db.AuditLogRow.seq.desc())
            .offset(offset)
            .limit(count)
        ).all()
        found = [fhir.audit_event_resource(r) for r in rows]
        session.commit()
        return FhirResponse(fhir.search_bundle(found, total or 0, _base(request)))

    # -- Worklists -----------------------------------------------------------------------

    @app.get(
        "/worklists",
        tags=["worklists"],
        response_model=list[WorklistSummary],
        responses=_responses(200, None),
    )
    def my_worklists(actor: ActorDep, session: SessionDep) -> list[WorklistSummary]:
        """The current worklist of each locality the user works in: counts only."""
        out = []
        for locality in sorted(actor.user.localities):
            wl = worklists.current_worklist(session, locality)
            if wl is None:
                continue
            entries, reviewed = session.execute(
                select(func.count(), func.count(db.WorklistEntry.decision)).where(
                    db.WorklistEntry.worklist_id == wl.id
                )
            ).one()
            out.append(
                WorklistSummary(
                    locality=locality,
                    worklist_id=wl.id,
                    source_run=wl.source_run,
                    generated_at=as_utc(wl.generated_at),
                    entries=entries,
                    reviewed=reviewed,
                )
            )
        return out

    @app.get(
        "/worklists/{locality}",
        tags=["worklists"],
        response_model=WorklistOut,
        responses=_responses(200, None, 403, 404),
    )
    def read_worklist(
        locality: Annotated[str, PathParam(max_length=20)],
        actor: ActorDep,
        session: SessionDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
        after: Annotated[
            int | None,
            Query(ge=0, le=2**31, description="Start after the entry of this rank (keyset)"),
        ] = None,
        unreviewed: bool = False,
    ) -> WorklistOut:
        """A locality's current worklist, greatest need first, with the reason each person is
        on it: one page of ``limit`` entries, after the entry ranked ``after`` (each page
        answers the ``next_after`` to ask for; as fast at the end of a long list as at its
        start) or from ``offset``."""
        if after is not None and offset:
            raise HttpProblem(422, "invalid", "give after or offset, not both", "after")
        guard(session, actor, Action.READ, Kind.WORKLIST, locality=locality)
        page = worklists.read_page(
            session,
            actor,
            locality,
            limit=limit,
            offset=offset,
            after=after,
            unreviewed=unreviewed,
            now=now_of(),
            break_glass_duration=settings.break_glass_duration,
        )
        if page is None:
            session.commit()
            raise HttpProblem(404, "not-found", f"locality {locality} has no worklist")
        entries = [_entry_out(e, p, p.id in page.hidden) for e, p in page.rows]
        session.commit()
        return WorklistOut(
            locality=locality,
            worklist_id=page.worklist.id,
            source_run=page.worklist.source_run,
            generated_at=as_utc(page.worklist.generated_at),
            total=page.total,
            offset=offset,
            entries=entries,
            next_after=page.next_after,
        )

    @app.post(
        "/worklists/{locality}/entries/{entry_id}/review",
        tags=["worklists"],
        response_model=WorklistEntryOut,
        responses=_responses(200, None, 403, 404),
    )
    def review_entry(
        locality: Annotated[str, PathParam(max_length=20)],
        entry_id: Annotated[int, PathParam(ge=1, le=2**62)],
        body: ReviewIn,
        actor: ActorDep,
        session: SessionDep,
    ) -> WorklistEntryOut:
        """Record the care team's decision on a person; "care_plan_started" puts the reviewer
        on the person's care team."""
        wl = worklists.current_worklist(session, locality)
        entry = session.get(db.WorklistEntry, entry_id) if wl is not None else None
        if wl is None or entry is None or entry.worklist_id != wl.id:
            raise HttpProblem(
                404, "not-found", f"no entry {entry_id} on {locality}'s current worklist"
            )
        patient = session.get(db.Patient, entry.patient_id)
        assert patient is not None
        guard(
            session, actor, Action.REVIEW, Kind.WORKLIST, locality=locality, patient_id=patient.id
        )
        now = now_of()
        entry.decision, entry.reviewer_id, entry.reviewed_at = body.decision, actor.user.id, now
        if (
            body.decision == "care_plan_started"
            and session.get(db.CareTeamMember, (patient.id, actor.user.id)) is None
        ):
            session.add(
                db.CareTeamMember(patient_id=patient.id, user_id=actor.user.id, added_at=now)
            )
        session.flush()
        hidden = worklists.withheld(
            session, actor, [patient.id], now, settings.break_glass_duration
        )
        out = _entry_out(entry, patient, patient.id in hidden)
        session.commit()
        return out

    # -- Users (admins) ------------------------------------------------------------------

    @app.get(
        "/admin/users",
        tags=["admin"],
        response_model=list[UserOut],
        responses=_responses(200, None, 403),
    )
    def list_users(actor: ActorDep, session: SessionDep) -> list[UserOut]:
        guard(session, actor, Action.MANAGE, Kind.USERS)
        out = [_user_out(u) for u in session.scalars(select(db.User).order_by(db.User.username))]
        session.commit()
        return out

    @app.post(
        "/admin/users",
        tags=["admin"],
        status_code=201,
        response_model=UserOut,
        responses=_responses(201, None, 403, 409),
    )
    def create_user(body: UserIn, actor: ActorDep, session: SessionDep) -> UserOut:
        guard(session, actor, Action.MANAGE, Kind.USERS)
        if session.get(db.Organisation, body.organisation) is None:
            session.commit()
            raise HttpProblem(
                422, "value", f"no organisation {body.organisation}", "body.organisation"
            )
        if session.scalar(select(db.User).where(db.User.username == body.username)) is not None:
            session.commit()
            raise HttpProblem(409, "duplicate", f"user {body.username} exists", "body.username")
        row = db.User(
            username=body.username,
            full_name=body.full_name,
            organisation_code=body.organisation,
            role=str(body.role),
            active=True,
            password_hash=auth.hash_password(body.password),
            localities=[db.UserLocality(locality=loc) for loc in sorted(set(body.localities))],
        )
        session.add(row)
        session.flush()
        out = _user_out(row)
        session.commit()
        return out

    @app.patch(
        "/admin/users/{user_id}",
        tags=["admin"],
        response_model=UserOut,
        responses=_responses(200, None, 403, 404),
    )
    def change_user(
        user_id: str, body: UserChange, actor: ActorDep, session: SessionDep
    ) -> UserOut:
        guard(session, actor, Action.MANAGE, Kind.USERS)
        row = session.get(db.User, user_id)
        if row is None:
            session.commit()
            raise HttpProblem(404, "not-found", f"no user {user_id}")
        if body.role is not None:
            row.role = str(body.role)
        if body.active is not None:
            row.active = body.active
        if body.password is not None:
            row.password_hash = auth.hash_password(body.password)
        if body.localities is not None:
            row.localities = [db.UserLocality(locality=loc) for loc in sorted(set(body.localities))]
        session.flush()
        out = _user_out(row)
        session.commit()
        return out

    return app


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"
